"""The rules against events written by others (tests/data/monitoring/README.md).

Panther's Zendesk rule test events (Apache-2.0) and Zendesk's own reference examples go
through the same field mapping as imported records; each must raise exactly the rule ids
listed for it, and Zendesk's example access-log record imports and raises nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.helpdesk import HelpdeskService
from app.importers.problems import ImportFailed
from app.monitoring.engine import evaluate, evaluate_all
from app.monitoring.rules import builtin_rules
from app.monitoring.service import AlertService
from app.monitoring.sources import _access_event, _zendesk_event
from models.helpdesk import AccessLog, ZendeskAuditLog
from tests.conftest import SignedIn

DATA = Path(__file__).parent / "data" / "monitoring"
PANTHER = json.loads((DATA / "panther_zendesk_audit_samples.json").read_text())
UTC = ZoneInfo("UTC")


def _row(log: dict[str, object], new_id: int | None = None) -> ZendeskAuditLog:
    keep = {c.name for c in ZendeskAuditLog.__table__.columns}
    values = {k: v for k, v in log.items() if k in keep}
    if new_id is not None:
        values["id"] = new_id
    return ZendeskAuditLog(**values, extra_json="{}", row_hash="")


@pytest.mark.parametrize(
    "sample", PANTHER["samples"], ids=lambda s: f"{s['panther_rule']}:{s['test']}"
)
def test_panther_zendesk_samples_raise_exactly_our_listed_rules(sample: dict) -> None:
    event = _zendesk_event(_row(sample["log"]))
    assert event is not None
    rules = [r for r in builtin_rules() if r.source == "zendesk_audit"]
    fired = sorted(f.rule.id for f in evaluate_all(rules, {"zendesk_audit": ((event,), 0)}, UTC))
    assert fired == sorted(sample["privdesk_rules"])


def test_five_panther_suspension_events_in_an_hour_raise_many_suspensions() -> None:
    sample = next(s for s in PANTHER["samples"] if s["test"] == "Zendesk - Suspension Enabled")
    events = tuple(_zendesk_event(_row(sample["log"], n)) for n in range(1, 6))
    (rule,) = [r for r in builtin_rules() if r.id == "many_suspensions"]
    assert all(e is not None for e in events)
    findings = evaluate(rule, events, 0, UTC)  # type: ignore[arg-type]
    assert len(findings) == 1 and len(findings[0].events) == 5
    assert evaluate(rule, events[:4], 0, UTC) == []  # type: ignore[arg-type]


def test_zendesk_reference_examples_raise_nothing(admin: SignedIn) -> None:
    """A role change *to* End User is not an escalation; one ordinary read is no pattern.

    Both examples go through the importer as published — the access-log record is the
    webhook's, whose `user_id` is a string of digits ("6596848315901") where the REST API
    has an integer; it is the same id and imports as one.
    """
    officer, _ = admin.add_operator("olivia", ["privacy_officer"])
    helpdesk = HelpdeskService(admin.ctx, officer)
    helpdesk.import_zendesk(DATA / "zendesk_audit_logs_reference.json")
    result = helpdesk.import_zendesk(DATA / "access_log_webhook_example.json")
    assert result.counts["access_logs"]["inserted"] == 1
    with admin.ctx.session() as s:
        (row,) = s.scalars(select(AccessLog)).all()
    assert row.user_id == 6596848315901
    event = _access_event(row)
    assert event is not None
    assert event.fields["path"] == "/api/v2/tickets.json"
    assert event.fields["category"] == "Tickets"
    assert event.line == "GET /api/v2/tickets.json (200)"

    run = AlertService(admin.ctx, officer).run()
    assert run.read["zendesk_audit"] == 1 and run.read["access_log"] == 1
    assert run.alerts == ()


def test_an_access_log_user_id_that_is_not_digits_is_refused_by_name(
    admin: SignedIn, tmp_path: Path
) -> None:
    page = json.loads((DATA / "access_log_webhook_example.json").read_text())
    page["access_logs"][0]["user_id"] = "6596848315901x"
    bad = tmp_path / "access_logs.json"
    bad.write_text(json.dumps(page))
    with pytest.raises(ImportFailed) as err:
        HelpdeskService(admin.ctx, admin.principal).import_zendesk(bad)
    assert "access_logs.json" in str(err.value)
    assert "user_id '6596848315901x' is not an integer" in str(err.value)
    with admin.ctx.session() as s:
        assert s.scalars(select(AccessLog)).all() == []
