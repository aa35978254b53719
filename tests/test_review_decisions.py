"""Decisions an auditor can trust: a bulk decision decides only open items and says what it
leaves alone, a decided item changes only through the explicit "change decision" action
(the earlier decision stays in the history and the evidence), keep needs a justification
when the item has findings, and findings read as phrases."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.review import ReviewError
from tests.helpdesk_helpers import audit_events
from tests.test_review_campaigns import items_by_agent, make_setup
from tests.test_review_data import PLANTED
from tests.test_review_evidence import fake_pdf


@pytest.fixture
def setup(admin: Any, tmp_path: Path) -> tuple[Any, Any, str, Any]:
    return make_setup(admin, tmp_path)


CLEAN = (103, 112)  # no findings (111, also clean, is the reviewer's own account)


def test_bulk_decides_only_open_items_and_the_preview_says_what_it_leaves_alone(
    setup: Any, admin: Any
) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    service.decide([items[104].id], "revoke", justification="dormant since May")
    service.decide([items[103].id], "keep")
    every = [i.id for i in items.values()]

    preview = service.preview_bulk(every)
    assert (preview.will_decide, preview.already_decided, preview.own_account) == (9, 2, 1)
    assert preview.with_findings == 8  # all open ones but Tidy Agent (112)

    result = service.decide_bulk(every, "keep", justification="needed for the support rota")
    assert (result.decided, result.left_alone) == (preview.will_decide, preview.already_decided)
    after = items_by_agent(service, campaign.id)
    assert (after[104].decision, after[104].justification) == ("revoke", "dormant since May")
    assert after[103].justification is None  # the earlier keep is not overwritten
    assert after[111].decision is None  # her own account waits for another reviewer
    assert service.campaign(campaign.id).decided == 11
    event = audit_events(admin.ctx, "review.decide")[-1]
    assert event["details"]["items"] == 9 and event["details"]["left_alone"] == 2

    with pytest.raises(ReviewError, match="Nothing to decide: 11 items are already decided"):
        service.decide_bulk(every, "revoke", justification="x")


def test_deciding_an_already_decided_item_is_refused(setup: Any) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    service.decide([items[104].id], "revoke", justification="dormant since May")
    with pytest.raises(ReviewError, match=r"already decided .*never overwritten.*Change"):
        service.decide([items[104].id, items[103].id], "keep", justification="fine")
    after = items_by_agent(service, campaign.id)
    assert after[104].decision == "revoke" and after[103].decision is None  # all or nothing


def test_changing_a_decision_keeps_the_earlier_one_in_history_and_evidence(
    setup: Any, admin: Any, tmp_path: Path
) -> None:
    service, _p, _s, campaign = setup
    item = items_by_agent(service, campaign.id)[104]
    with pytest.raises(ReviewError, match="still open"):
        service.change_decision(item.id, "keep", reason="r", justification="j")
    service.decide([item.id], "revoke", justification="dormant since May")
    first_at = items_by_agent(service, campaign.id)[104].decided_at
    with pytest.raises(ReviewError, match="needs a reason"):
        service.change_decision(item.id, "keep", reason=" ", justification="back from leave")
    with pytest.raises(ReviewError, match="Keep needs a justification"):
        service.change_decision(item.id, "keep", reason="HR says back")
    admin.clock.advance(120)
    detail = service.change_decision(
        item.id, "keep", reason="HR: back from parental leave", justification="on the rota again"
    )
    assert (detail.item.decision, detail.item.justification) == ("keep", "on the rota again")
    (earlier,) = detail.item.earlier
    assert (earlier.who, earlier.decision, earlier.justification) == (
        "priya",
        "revoke",
        "dormant since May",
    )
    assert earlier.at == first_at and detail.item.decided_at != first_at
    assert [h.kind for h in detail.history] == ["decision", "decision changed"]
    assert "revoke: dormant since May" in detail.history[0].text
    assert "HR: back from parental leave" in detail.history[1].text
    # AUD-1: one audit row for the change; AUTH-12: ids and codes only, never the free text
    (event,) = audit_events(admin.ctx, "review.decision.change")
    assert event["details"] == {"campaign_id": campaign.id, "from": "revoke", "to": "keep"}
    assert "parental" not in event["raw"]

    service.export_pack(campaign.id, tmp_path / "pack", render_pdf=fake_pdf)
    data = json.loads((tmp_path / "pack" / "access-review-1.json").read_text())
    row = next(i for i in data["items"] if i["item_id"] == item.id)
    assert row["change_reason"] == "HR: back from parental leave"
    assert row["earlier_decisions"][0]["decision"] == "revoke"
    assert row["earlier_decisions"][0]["by"] == "priya"
    html = (tmp_path / "pack" / "access-review-1.html").read_text()
    assert f"earlier: revoke: dormant since May — priya, {first_at}" in html
    assert "changed: HR: back from parental leave" in html
    csv_row = next(
        r
        for r in csv.DictReader(
            io.StringIO((tmp_path / "pack/access-review-1-items.csv").read_text())
        )
        if r["item_id"] == str(item.id)
    )
    assert csv_row["earlier_decisions"] == f"revoke: dormant since May (by priya at {first_at})"


def test_keep_needs_a_justification_when_the_item_has_findings(setup: Any) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    with pytest.raises(ReviewError, match=r"Keep needs a justification: item #\d+ has findings"):
        service.decide([items[104].id], "keep")
    assert service.decide([items[103].id], "keep") == 1  # no findings: no justification needed
    flagged = [i.id for a, i in items.items() if PLANTED[a] and a != 111]
    with pytest.raises(ReviewError, match="9 of the 10 items have findings"):
        service.decide_bulk([*flagged, items[112].id], "keep")
    assert service.campaign(campaign.id).decided == 1  # nothing written
    service.decide_bulk([*flagged, items[112].id], "keep", justification="Q4 rota confirmed")
    after = items_by_agent(service, campaign.id)
    assert {after[a].justification for a in PLANTED if PLANTED[a]} == {"Q4 rota confirmed"}


def test_findings_read_as_phrases_with_the_code_kept_for_machines(
    setup: Any, tmp_path: Path
) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    assert items[102].finding_labels == ("admin password without 2FA", "admin rights")
    assert items[108].finding_labels == (
        "left the company 2026-10-01, still active, signed in after leaving",
    )
    assert "left the company 2026-09-30, suspended, role kept, signed in after leaving" in (
        items[106].finding_labels
    )
    assert items[104].finding_labels == ("dormant: no sign-in for 210 days",)
    service.export_pack(campaign.id, tmp_path / "pack", render_pdf=fake_pdf)
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / "pack/access-review-1-items.csv").read_text()))
    )
    leaver = next(r for r in rows if r["agent_id"] == "108")
    assert leaver["finding_types"] == "left_company"  # the machines' column
    assert (
        leaver["findings"] == "left the company 2026-10-01, still active, signed in after leaving"
    )
    codes = {"no_mfa", "left_company", "toxic_combination", "suspended_with_role", "orphan"}
    for r in rows:
        assert not any(code in r["findings"] for code in codes), r["findings"]
    html = (tmp_path / "pack" / "access-review-1.html").read_text()
    assert "<b>admin password without 2FA</b>" in html and "<b>no_mfa</b>" not in html


def test_the_forms_justification_rule_is_the_services(setup: Any) -> None:
    """The dialog asks for a justification exactly when the service would refuse without."""
    service, _p, _s, campaign = setup
    for agent, item in items_by_agent(service, campaign.id).items():
        if agent == 111:
            continue  # her own account: refused for another reason
        try:
            service.decide([item.id], "keep")
            refused = False
        except ReviewError as exc:
            assert "Keep needs a justification" in str(exc)
            refused = True
        assert item.needs_justification("keep") is refused, agent
        assert refused is bool(PLANTED[agent])
