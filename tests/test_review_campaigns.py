"""Campaigns: decisions, self-review refusal, bulk, reassign, comments, progress, sign-off."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.review import CampaignLocked, ReviewError
from app.security import totp
from app.security.auth import AuthService, StepUpRequired
from app.security.guard import PermissionDenied
from tests.helpdesk_helpers import audit_events
from tests.test_review_data import load_snapshot, officer, review


def stepped_up(admin: Any, principal: Any, secret: str) -> Any:
    admin.clock.advance(30)
    return AuthService(admin.ctx).step_up(principal, totp.current_code(secret, admin.clock.now()))


@pytest.fixture
def setup(admin: Any, tmp_path: Path) -> tuple[Any, Any, str, Any]:
    return make_setup(admin, tmp_path)


def make_setup(admin: Any, tmp_path: Path) -> tuple[Any, Any, str, Any]:
    """The hand-made snapshot, priya (a privacy officer) and a campaign due 2026-12-01."""
    load_snapshot(admin, tmp_path)
    priya, secret = officer(admin, email="Priya.Raman@acme.example")
    service = review(admin, priya)
    campaign = service.create_campaign(due_date=date(2026, 12, 1))
    return service, priya, secret, campaign


def items_by_agent(service: Any, cid: int) -> dict[int, Any]:
    return {i.agent_id: i for i in service.items(cid)}


def test_decisions_need_justification_for_revoke_and_modify(setup: Any, admin: Any) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    with pytest.raises(ReviewError, match="needs a justification"):
        service.decide([items[104].id], "revoke")
    with pytest.raises(ReviewError, match="target role"):
        service.decide([items[109].id], "modify", justification="too broad")
    service.decide([items[104].id], "revoke", justification="dormant since May")
    service.decide([items[109].id], "modify", target_role="Tier 1", justification="too broad")
    after = items_by_agent(service, campaign.id)
    assert (after[104].decision, after[104].decided_by) == ("revoke", "priya")
    assert after[104].decided_at == admin.clock.now().isoformat().replace("+00:00", "Z")
    assert (after[109].decision, after[109].target_role) == ("modify", "Tier 1")
    event = audit_events(admin.ctx, "review.decide")[-1]
    assert event["details"]["decision"] == "modify"
    assert "too broad" not in event["raw"]  # audit details: ids and counts only


def test_a_reviewer_cannot_review_their_own_account(setup: Any) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    own = items[111]  # priya.raman@acme.example, matched case-insensitively
    assert own.reviewer is None  # not assigned to her at creation
    with pytest.raises(ReviewError, match="your own help-desk account"):
        service.decide([own.id], "keep")
    with pytest.raises(ReviewError, match="own help-desk account"):
        service.reassign([own.id], "priya")
    assert items_by_agent(service, campaign.id)[111].decision is None


def test_bulk_decision_reassign_and_comments_show_in_history(setup: Any, admin: Any) -> None:
    service, _p, _s, campaign = setup
    olga, _ = officer(admin, "olga")
    items = service.items(campaign.id)
    dormant = [i.id for i in items if "dormant" in i.finding_types or not i.findings]
    dormant = [i for i in dormant if i != items_by_agent(service, campaign.id)[111].id]
    assert service.decide(dormant, "keep", justification="still on the rota") == len(dormant)
    target = items_by_agent(service, campaign.id)[107]
    assert service.reassign([target.id], "olga") == 1
    review(admin, olga).comment(target.id, "Contractor — ask HR for the contract end.")
    detail = service.item(target.id)
    assert detail.item.reviewer == "olga"
    assert [h.kind for h in detail.history] == ["comment"]
    assert "olga" in service.campaign(campaign.id).reviewers


def test_only_reviewers_decide_and_auditors_only_read(setup: Any, admin: Any) -> None:
    service, _p, _s, campaign = setup
    olga, _ = officer(admin, "olga")
    item = service.items(campaign.id)[0]
    with pytest.raises(ReviewError, match="not a reviewer"):
        review(admin, olga).decide([item.id], "keep")
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    readonly = review(admin, auditor)
    assert readonly.campaign(campaign.id).total == campaign.total
    assert all("***" in (i.email or "***") for i in readonly.items(campaign.id))  # masked
    with pytest.raises(PermissionDenied):
        readonly.decide([item.id], "keep")


def test_progress_by_reviewer_reminders_and_overdue(setup: Any, admin: Any) -> None:
    service, _p, _s, campaign = setup
    items = service.items(campaign.id)
    service.decide([items[0].id, items[1].id], "keep", justification="reviewed")
    progress = service.progress(campaign.id)
    assert (progress.decided, progress.total) == (2, campaign.total)
    assert progress.by_reviewer["priya"][0] == 2
    assert progress.days_left == 4
    assert progress.reminders == (
        "(unassigned): 1 open items, due in 4 days",
        f"priya: {progress.by_reviewer['priya'][1] - 2} open items, due in 4 days",
    )
    assert progress.timeline == (("2026-11-27", 2),)
    late = service.create_campaign("late", due_date=date(2026, 11, 20))
    assert service.progress(late.id).overdue
    assert service.progress(late.id).reminders[-1].endswith("overdue by 7 days")
    assert service.campaign(late.id).overdue
    assert not service.campaign(campaign.id).overdue


def test_sign_off_needs_step_up_privacy_officer_and_locks(setup: Any, admin: Any) -> None:
    service, priya, secret, campaign = setup
    admin.clock.advance(400)  # the sign-in's code is no longer fresh
    with pytest.raises(StepUpRequired):
        service.sign_off(campaign.id)
    fresh = review(admin, stepped_up(admin, priya, secret))
    with pytest.raises(ReviewError, match="still open"):
        fresh.sign_off(campaign.id)
    keep = [i.id for i in fresh.items(campaign.id) if i.agent_id not in (104, 111)]
    fresh.decide(keep, "keep", justification="needed for the support rota")
    signed = fresh.sign_off(campaign.id, carry_over=True, note="Q4 done")
    assert (signed.signed_off, signed.signed_off_by) == (True, "priya")
    items = items_by_agent(fresh, campaign.id)
    assert items[104].decision == "carry_over"
    with pytest.raises(CampaignLocked):
        fresh.decide([items[101].id], "revoke", justification="x")
    with pytest.raises(CampaignLocked):
        fresh.comment(items[101].id, "late note")
    with pytest.raises(CampaignLocked):
        fresh.reassign([items[101].id], "priya")
    with pytest.raises(CampaignLocked):
        fresh.sign_off(campaign.id)
    assert items_by_agent(fresh, campaign.id)[101].decision == "keep"
    assert audit_events(admin.ctx, "review.signoff")[-1]["details"] == {
        "carried_over": 2,
        "items": 12,
    }


def test_an_administrator_cannot_sign_off(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    with pytest.raises(PermissionDenied):
        review(admin, admin.principal).create_campaign()


def test_scopes_admins_group_and_role(setup: Any) -> None:
    service, *_ = setup
    assert service.create_campaign("admins", scope="admins").total == 2
    assert service.create_campaign("esc", scope="group", scope_value="Escalations").total == 1
    assert service.create_campaign("leads", scope="custom_role", scope_value="team lead").total == 1
    with pytest.raises(ReviewError, match="needs a name"):
        service.create_campaign("x", scope="group")
