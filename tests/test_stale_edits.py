"""Optimistic concurrency (issue 17, team mode): two officers deciding the same review item
or working the same DSAR get "changed by priya at 10:42 — reload" instead of a lost update.

The refusal writes nothing, is audited as a refused action (outcome ``denied``, as every
refusal is: AUTH-12) and names an operator and a time only — no personal data. The
PostgreSQL half checks the compare-and-swap itself (``UPDATE … WHERE version = read``) on
the throwaway cluster.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from app import migrate
from app.dsar.requests import DsarService
from app.errors import StaleEdit
from app.review import ReviewError
from models.dsar import DsarRequest
from models.review import ReviewDecision
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import audit_events
from tests.pg_helpers import pg_engine
from tests.test_review_campaigns import items_by_agent
from tests.test_review_data import load_snapshot, officer, review

__all__ = ["pg_engine"]


def local_hhmm(when: datetime) -> str:
    return f"{when.astimezone():%H:%M}"


@pytest.fixture
def two(admin: Any, tmp_path: Path) -> tuple[Any, Any, Any]:
    """priya and sam, both reviewers of one campaign; (priya's, sam's service, campaign)."""
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin, "priya", email="Priya.Raman@acme.example")
    sam, _ = officer(admin, "sam")
    mine = review(admin, priya)
    campaign = mine.create_campaign(reviewers=("priya", "sam"), due_date=date(2026, 12, 1))
    return mine, review(admin, sam), campaign


def decisions(admin: Any, item_id: int) -> int:
    with admin.ctx.read_session() as s:
        return int(s.scalar(select(func.count()).where(ReviewDecision.item_id == item_id)) or 0)


def test_a_decision_on_an_item_changed_since_it_was_shown_is_refused_and_audited(
    two: Any, admin: Any
) -> None:
    priya, sam, campaign = two
    shown = items_by_agent(priya, campaign.id)[104]  # what priya's pane displays
    assert shown.version == 1 and shown.decision is None
    admin.clock.advance(60)
    sam.decide([shown.id], "revoke", justification="dormant since May")

    with pytest.raises(StaleEdit) as caught:
        priya.decide(
            [shown.id], "keep", justification="still needed", expected_versions={shown.id: 1}
        )
    when = local_hhmm(admin.clock.now())
    assert caught.value.message == f"Review item #{shown.id} changed by sam at {when} — reload"
    assert "acme.example" not in caught.value.message and "Dormant" not in caught.value.message
    after = items_by_agent(priya, campaign.id)[104]
    assert (after.decision, after.decided_by, after.version) == ("revoke", "sam", 2)
    assert (after.changed_by, caught.value.current_version) == ("sam", 2)
    assert decisions(admin, shown.id) == 1  # nothing of priya's keep was written
    refused = [e for e in audit_events(admin.ctx, "review.decide") if e["outcome"] == "denied"]
    assert [e["details"]["reason"] for e in refused] == ["stale_edit"]

    # With the version she now sees, the explicit change goes through.
    detail = priya.change_decision(
        shown.id, "keep", reason="sam was wrong", justification="on the rota", expected_version=2
    )
    assert (detail.item.decision, detail.item.version) == ("keep", 3)


def test_changing_a_decision_someone_else_just_changed_is_refused(two: Any, admin: Any) -> None:
    priya, sam, campaign = two
    item = items_by_agent(priya, campaign.id)[103]
    priya.decide([item.id], "keep", expected_versions={item.id: 1})
    sam.change_decision(item.id, "revoke", reason="left the team", justification="leaver")
    with pytest.raises(StaleEdit, match=r"changed by sam at \d\d:\d\d — reload$"):
        priya.change_decision(
            item.id, "revoke", reason="x", justification="other", expected_version=2
        )
    assert items_by_agent(priya, campaign.id)[103].justification == "leaver"
    refused = audit_events(admin.ctx, "review.decision.change")
    assert [e["outcome"] for e in refused] == ["ok", "denied"]


def test_a_bulk_decision_leaves_items_changed_since_the_preview_alone(two: Any) -> None:
    priya, sam, campaign = two
    items = items_by_agent(priya, campaign.id)
    shown = {i.id: i.version for i in items.values()}  # the filtered rows priya looks at
    sam.reassign([items[109].id], "sam")  # still open, but no longer what priya saw
    sam.decide([items[103].id], "keep")  # decided by sam meanwhile

    result = priya.decide_bulk(
        list(shown), "keep", justification="needed for the rota", expected_versions=shown
    )
    assert (result.changed, result.left_alone, result.own_account) == (1, 1, 1)
    assert result.decided == len(shown) - 3
    after = items_by_agent(priya, campaign.id)
    assert after[109].decision is None and after[103].decided_by == "sam"

    # Only changed items left: the bulk call says who changed them, writes nothing.
    with pytest.raises(StaleEdit, match="changed by sam"):
        priya.decide_bulk(
            [items[109].id], "keep", justification="x", expected_versions={items[109].id: 1}
        )


def test_without_versions_the_cli_reads_and_writes_in_one_transaction(two: Any) -> None:
    """The CLI passes no version: the one it reads in the same transaction is current."""
    priya, sam, campaign = two
    item = items_by_agent(priya, campaign.id)[103]
    sam.reassign([item.id], "sam")
    assert priya.decide([item.id], "keep") == 1
    with pytest.raises(ReviewError, match="already decided"):
        sam.decide([item.id], "keep")  # a decision is still never overwritten


# ------------------------------------------------------------------ DSAR


@pytest.fixture
def desk(admin: Any) -> Desk:
    return make_desk(admin)


def test_a_dsar_step_on_a_request_changed_since_it_was_shown_is_refused(
    desk: Desk, admin: Any
) -> None:
    shown = desk.new()
    assert shown.version == 1
    ravi, _ = admin.add_operator("ravi", ["privacy_officer"])
    admin.clock.advance(120)
    moved = DsarService(desk.ctx, ravi).transition(shown.id, "verifying", expected_version=1)
    assert (moved.version, moved.changed_by) == (2, "ravi")

    with pytest.raises(StaleEdit) as caught:
        desk.svc().save_letter(shown.id, "acknowledgement", "Dear Dana", expected_version=1)
    when = local_hhmm(admin.clock.now())
    assert caught.value.message == f"{shown.reference} changed by ravi at {when} — reload"
    assert "Dana" not in caught.value.message and "customer.example" not in caught.value.message
    now = desk.svc().get(shown.id)
    assert (now.summary.status, now.version, len(now.timeline)) == ("verifying", 2, 2)
    assert [e["outcome"] for e in audit_events(desk.ctx, "dsar.letter.save")] == ["denied"]

    # A step that only adds to the timeline makes a new version too.
    saved = desk.svc().save_letter(shown.id, "acknowledgement", "Dear Dana", expected_version=2)
    assert (saved.version, saved.to_json()["version"]) == (3, 3)
    with pytest.raises(StaleEdit, match="changed by dpo"):
        DsarService(desk.ctx, ravi).verify(shown.id, method="video call", expected_version=2)


# ------------------------------------------------------------------ PostgreSQL


def test_pg_the_write_is_a_compare_and_swap_on_the_version(pg_engine: Engine) -> None:
    """Two officers' transactions read version 1; the second UPDATE … WHERE version = 1
    matches no row on PostgreSQL and becomes a StaleEdit, not a lost update."""
    from app.changes import refusing_stale

    migrate.upgrade(pg_engine)
    with Session(pg_engine) as s, s.begin():
        s.execute(insert(DsarRequest).values(**_request_row()))
    first, second = Session(pg_engine), Session(pg_engine)
    try:
        a = first.scalars(select(DsarRequest)).one()
        b = second.scalars(select(DsarRequest)).one()
        assert a.version == b.version == 1
        a.status, a.changed_by = "verifying", "priya"
        first.commit()
        b.status = "withdrawn"

        class Probe:  # the two things refusing_stale needs of a service
            ctx = _Ctx()
            principal = _Who()

        probe: Any = Probe()
        with (
            pytest.raises(StaleEdit, match="changed by another operator — reload"),
            refusing_stale(probe, "dsar.close", "DSAR-2026-0001", "dsar", "1"),
        ):
            second.flush()
        assert Probe.ctx.deferred[0].outcome == "denied"
        second.rollback()
        with Session(pg_engine) as s:
            row = s.scalars(select(DsarRequest)).one()
            assert (row.status, row.version, row.changed_by) == ("verifying", 2, "priya")
    finally:
        first.close()
        second.close()


def _request_row() -> dict[str, Any]:
    return {
        "reference": "DSAR-2026-0001",
        "requester_name": "Dana Customer",
        "emails_json": "[]",
        "phones_json": "[]",
        "ids_json": "[]",
        "request_type": "access",
        "regime": "uk-gdpr",
        "received_at": "2026-11-02T09:30:00Z",
        "received_date": "2026-11-02",
        "channel": "email",
        "notes": "",
        "status": "new",
        "extended": False,
        "created_at": "2026-11-02T09:30:00Z",
        "created_by": "dpo",
    }


class _Who:
    username, session_id = "sam", "s-1"


class _Ctx:
    def __init__(self) -> None:
        self.deferred: list[Any] = []

    class clock:
        @staticmethod
        def now() -> datetime:
            return datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def pending(self, action: str, **fields: Any) -> Any:
        from types import SimpleNamespace

        return SimpleNamespace(action=action, **fields)

    def defer(self, events: list[Any]) -> None:
        self.deferred.extend(events)
