"""Monitoring alerts over a generated Zendesk access log and audit log (issue 20).

Imported through the real Zendesk importer, evaluated by `privdesk alerts run`'s service:
each planted pattern raises exactly its alert, the month of normal work before it raises
none, a re-run raises nothing (high-water marks plus dedup keys), and the workflow —
acknowledge, dismiss with a reason and a suppression, escalate into a real incident —
is audited with ids only (AUD-3: no personal data in audit details; AUTH-11 roles).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.drills.runs import RunService
from app.helpdesk import HelpdeskService
from app.monitoring.records import MonitoringError
from app.monitoring.service import AlertService
from app.security.guard import PermissionDenied
from models.drills import TimelineEntry
from tests.conftest import SignedIn
from tests.drills_helpers import long_sessions
from tests.helpers_auth import events
from tests.monitoring_helpers import (
    ADMIN,
    PLANT_DAY,
    PLANTED,
    LogWriter,
    at,
    history,
    planted_day,
)


@pytest.fixture
def world(admin: SignedIn, tmp_path: Path) -> Iterator[SimpleNamespace]:
    long_sessions(admin)
    officer, _ = admin.add_operator("olivia", ["privacy_officer"])
    lead, _ = admin.add_operator("ivan", ["incident_lead"])
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    w = LogWriter()
    history(w)
    HelpdeskService(admin.ctx, officer).import_zendesk(w.write(tmp_path / "history"))
    planted_day(w)
    HelpdeskService(admin.ctx, officer).import_zendesk(w.write(tmp_path / "planted"))
    yield SimpleNamespace(
        signed=admin,
        ctx=admin.ctx,
        officer=AlertService(admin.ctx, officer),
        lead=AlertService(admin.ctx, lead),
        auditor=AlertService(admin.ctx, auditor),
        lead_principal=lead,
        writer=w,
        tmp=tmp_path,
    )


def _pairs(alerts: object) -> set[tuple[str, str]]:
    return {(a.rule, a.subject.split("#")[-1].rstrip(")")) for a in alerts}  # type: ignore[attr-defined]


def test_each_planted_pattern_raises_exactly_its_alert_and_normal_work_none(world) -> None:
    result = world.officer.run()
    assert _pairs(result.alerts) == PLANTED
    assert result.new == len(PLANTED)
    assert result.read["access_log"] > 5000
    by_rule = {a.rule: a for a in result.alerts}
    bulk = by_rule["bulk_user_reads"]
    assert bulk.event_count >= 60 and bulk.severity == "high"
    assert by_rule["off_hours_access"].event_count == 3
    assert by_rule["new_ip"].event_count == 2
    assert by_rule["export_downloaded"].subject == f"Staff {ADMIN} (agent #{ADMIN})"
    for a in result.alerts:
        assert a.first_at.startswith(PLANT_DAY.isoformat())


def test_a_second_run_creates_nothing_and_reads_only_new_events(world) -> None:
    world.officer.run()
    again = world.officer.run()
    assert again.new == 0 and again.alerts == ()
    assert again.read.get("access_log", 0) == 0
    assert len(world.officer.list_alerts()) == len(PLANTED)
    # A later import: only its events are new; one more token raises one more alert.
    w = world.writer
    w.change(ADMIN, at(PLANT_DAY + timedelta(days=1), 9, 0), "create", "api_token", "API token", "")
    HelpdeskService(world.ctx, world.officer.principal).import_zendesk(w.write(world.tmp / "later"))
    later = world.officer.run()
    assert [a.rule for a in later.alerts] == ["api_token_created"]
    assert later.read["zendesk_audit"] == 1


def test_alert_detail_has_the_evidence_rows_and_the_rule_explanation(world) -> None:
    result = world.officer.run()
    alert = next(a for a in result.alerts if a.rule == "new_ip")
    detail = world.officer.show(alert.id)
    assert detail.ip_address == "203.0.113.50"
    assert [e.source for e in detail.evidence] == ["access_log", "access_log"]
    assert all(e.event_id.startswith("01JAL") for e in detail.evidence)
    assert detail.evidence[0].detail.startswith("GET /api/v2/tickets/")
    assert "30 days" in detail.explanation
    assert [t.kind for t in detail.timeline] == ["raised"]


def test_workflow_ack_dismiss_with_suppression_and_its_audit_trail(world) -> None:
    result = world.officer.run()
    ids = {a.rule: a.id for a in result.alerts}
    acked = world.officer.ack(ids["off_hours_access"])
    assert acked.status == "acknowledged" and acked.owner == "olivia"
    with pytest.raises(MonitoringError, match="reason"):
        world.officer.dismiss(ids["off_hours_access"], "  ")
    dismissed = world.officer.dismiss(
        ids["off_hours_access"], "night shift this week (ticket HR-12)", suppress_days=7
    )
    assert dismissed.status == "dismissed"
    assert [a.id for a in world.officer.list_alerts("dismissed")] == [ids["off_hours_access"]]
    with pytest.raises(MonitoringError, match="dismissed; it cannot be acknowledged"):
        world.officer.ack(ids["off_hours_access"])
    detail = world.officer.show(ids["off_hours_access"])
    assert [t.kind for t in detail.timeline] == ["raised", "ack", "dismiss"]
    assert "night shift" in detail.reason
    # the same agent off hours again, within the seven days: suppressed, not raised
    w = world.writer
    w.read(2002, at(PLANT_DAY + timedelta(days=2), 22, 0))
    HelpdeskService(world.ctx, world.officer.principal).import_zendesk(w.write(world.tmp / "x"))
    again = world.officer.run()
    assert again.new == 0 and again.suppressed == 1
    audit = events(world.ctx, "monitoring.dismiss")
    assert audit[-1].details == {
        "rule": "off_hours_access",
        "suppress_days": 7,
        "suppress": "actor",
    }
    assert "night shift" not in str([e.details for e in events(world.ctx)])


def test_escalate_opens_an_incident_run_with_the_alert_as_first_entry(world) -> None:
    result = world.officer.run()
    bulk = next(a for a in result.alerts if a.rule == "bulk_user_reads")
    escalated = world.officer.escalate(bulk.id)
    assert escalated.status == "escalated" and escalated.run_id is not None
    runs = RunService(world.ctx, world.lead_principal)
    run = runs.detail(escalated.run_id)
    assert run.run.kind == "incident"
    assert run.run.playbook_key == "insider-mass-export"
    assert run.timeline[0].kind == "alert"
    assert f"alert #{bulk.id} (bulk_user_reads" in run.timeline[0].text
    assert "Staff" not in run.timeline[0].text  # ids, not names, in the drills tables
    with world.ctx.session() as s:
        kinds = s.scalars(
            select(TimelineEntry.kind)
            .where(TimelineEntry.run_id == escalated.run_id)
            .order_by(TimelineEntry.id)
        ).all()
    assert kinds[:2] == ["alert", "run.start"]
    with pytest.raises(MonitoringError, match="escalated; it cannot be escalated"):
        world.officer.escalate(bulk.id)
    # The incident lead sees the escalated alert and only that one.
    assert [a.id for a in world.lead.list_alerts()] == [bulk.id]
    assert world.lead.show(bulk.id).alert.run_id == escalated.run_id
    other = next(a for a in result.alerts if a.rule == "new_ip")
    with pytest.raises(MonitoringError, match="no escalated alert"):
        world.lead.show(other.id)


def test_roles_auditor_reads_only_lead_cannot_run(world) -> None:
    """AUTH-11: the service enforces who may work alerts, not the buttons."""
    result = world.officer.run()
    first = result.alerts[0].id
    assert len(world.auditor.list_alerts()) == len(PLANTED)
    world.auditor.show(first)
    for call in (
        lambda: world.auditor.ack(first),
        lambda: world.auditor.dismiss(first, "no"),
        lambda: world.auditor.escalate(first),
        lambda: world.auditor.run(),
        lambda: world.lead.run(),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_retention_deletes_imported_logs_older_than_the_setting(world) -> None:
    """Kept beyond Zendesk's 90 days, for as long as the workspace says (0: for ever)."""
    from app.settings import SettingError
    from models.helpdesk import AccessLog

    w = world.writer
    w.read(2001, at(PLANT_DAY - timedelta(days=200), 10, 0))
    HelpdeskService(world.ctx, world.officer.principal).import_zendesk(w.write(world.tmp / "old"))
    with world.ctx.session() as s, pytest.raises(SettingError, match="at least 90 days"):
        world.ctx.settings.set(s, "monitoring.log_retention_days", 30)
    first = world.officer.run()
    assert first.purged == {}  # the default keeps everything
    with world.ctx.session() as s:
        world.ctx.settings.set(s, "monitoring.log_retention_days", 120)
    second = world.officer.run()
    assert second.purged == {"access_log": 1, "zendesk_audit": 0}
    with world.ctx.read_session() as s:
        oldest = s.scalar(select(AccessLog.timestamp).order_by(AccessLog.timestamp).limit(1))
    assert oldest is not None and oldest >= "2026-10-"
    assert events(world.ctx, "monitoring.run")[-1].details["purged"] == second.purged
