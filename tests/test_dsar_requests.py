"""DSAR requests: intake, the status machine, timeline, verification, pauses, extension,
letters, permissions and audit (no personal data in audit details)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.dsar.errors import DsarError
from app.dsar.requests import DsarService
from app.security.guard import PermissionDenied
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import audit_events


@pytest.fixture
def desk(admin: Any) -> Desk:
    return make_desk(admin)


def test_intake_stores_utc_and_the_controllers_local_day_one(desk: Desk) -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST): day one is 1 July.
    d = desk.new(received_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    assert d.reference == "DSAR-2026-0001"
    assert d.received_at == "2026-06-30T23:30:00Z"
    assert d.summary.received_date == date(2026, 7, 1)
    assert d.summary.deadline.due == date(2026, 8, 3)  # 1 Aug 2026 is a Saturday
    assert d.calendar == "GB-ENG"
    assert d.summary.status == "new"
    assert desk.new().reference == "DSAR-2026-0002"


def test_intake_rejects_bad_input(desk: Desk) -> None:
    with pytest.raises(DsarError, match="email, phone or customer id"):
        desk.new(emails=[], phones=[])
    with pytest.raises(DsarError, match="CCPA"):
        desk.new(request_type="opt-out-sale")
    with pytest.raises(DsarError, match="future"):
        desk.new(received_at=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(Exception, match="calendar"):
        desk.new(calendar="ZZ")


def test_status_machine_and_timeline(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    svc.start_verification(ref)
    d = svc.verify(ref, method="matched email + last order", evidence_note="order 7781")
    assert d.summary.status == "in_progress"
    assert d.verifications[0].verified_by == "dpo"
    d = svc.pause(ref, on=date(2026, 11, 10), note="which period?")
    assert d.summary.status == "awaiting_clarification"
    assert d.summary.deadline.paused_now
    d = svc.resume(ref, on=date(2026, 11, 15))
    assert d.summary.status == "in_progress"
    assert d.summary.deadline.paused_days == 5
    assert d.summary.deadline.due == date(2026, 12, 7)  # 2 Dec + 5 days
    d = svc.close(ref, "completed")
    kinds = [(e.kind, e.to_status, e.actor) for e in d.timeline]
    assert kinds == [
        ("status", None, "dpo"),
        ("status", "verifying", "dpo"),
        ("verify", "in_progress", "dpo"),
        ("pause", "awaiting_clarification", "dpo"),
        ("resume", "in_progress", "dpo"),
        ("status", "completed", "dpo"),
    ]
    with pytest.raises(DsarError, match="closed"):
        svc.pause(ref)


def test_illegal_transitions_are_refused(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    with pytest.raises(DsarError, match="cannot become"):
        svc.close(ref, "completed")  # new → completed skips the work
    with pytest.raises(DsarError, match="not awaiting clarification"):
        svc.resume(ref)
    with pytest.raises(DsarError, match="reason"):
        svc.close(ref, "rejected")
    d = svc.close(ref, "rejected", reason="manifestly unfounded")
    assert d.outcome_reason == "manifestly unfounded"


def test_duplicates_are_linked(desk: Desk) -> None:
    first = desk.new().reference
    second = desk.new().reference
    d = desk.svc().close(second, "duplicate", duplicate_of=first)
    assert d.summary.status == "duplicate" and d.duplicate_of == first


def test_pause_method_setting_dpa_s54(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    svc.verify(ref, method="email")
    svc.pause(ref, on=date(2026, 11, 10))
    svc.resume(ref, on=date(2026, 11, 15))
    svc.set_setting("pause_method", "dpa-s54")
    assert svc.get(ref).summary.deadline.paused_days == 6
    with pytest.raises(DsarError):
        svc.set_setting("pause_method", "guess")


def test_identity_information_moves_the_gdpr_start(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    d = svc.verify(ref, method="passport seen on video call", info_received=date(2026, 11, 9))
    assert d.summary.deadline.clock_start == date(2026, 11, 9)
    assert d.summary.deadline.due == date(2026, 12, 9)


def test_extension_needs_reasons_and_timely_notice(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    svc.verify(ref, method="email")
    with pytest.raises(DsarError, match="reasons"):
        svc.extend(ref, reasons=" ")
    late = desk.new(received_at=datetime(2026, 10, 1, 9, 0, tzinfo=UTC)).reference
    svc.verify(late, method="email")
    with pytest.raises(DsarError, match="too late"):  # due 2 Nov, today 27 Nov
        svc.extend(late, reasons="complex")
    # Clock is 27 Nov 2026; received 2 Nov, original due 2 Dec: still in time.
    d = svc.extend(ref, reasons="many tickets across systems")
    assert d.summary.status == "extended" and d.summary.extended
    assert d.summary.deadline.due == date(2027, 2, 2)
    assert d.extension_reasons == "many tickets across systems"


def test_ccpa_queue_dates_and_list_filters(desk: Desk) -> None:
    desk.new(
        regime="ccpa", request_type="erasure", received_at=datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    )
    desk.new(regime="uk-gdpr")
    rows = desk.svc().list(regime="ccpa")
    assert len(rows) == 1
    assert rows[0].deadline.acknowledge_by == date(2026, 11, 17)  # 11 Nov is Veterans Day
    assert rows[0].deadline.due == date(2026, 12, 17)
    assert [r.regime for r in desk.svc().list(open_only=True)] == ["uk-gdpr", "ccpa"]


def test_overdue_state(desk: Desk) -> None:
    ref = desk.new(received_at=datetime(2026, 9, 1, 9, 0, tzinfo=UTC)).reference
    d = desk.svc().get(ref)
    assert d.summary.deadline.state == "overdue"
    assert d.summary.deadline.days_left < 0


def test_letters_are_filled_and_saved_on_the_timeline(desk: Desk) -> None:
    svc = desk.svc()
    ref = desk.new().reference
    text = svc.draft_letter(ref, "acknowledgement")
    assert "Dana Customer" in text and ref in text and "2026-12-02" in text
    svc.verify(ref, method="email")
    notice = svc.draft_letter(ref, "extension_notice", reasons="Several systems to search.")
    assert "Several systems to search." in notice and "2027-02-02" in notice
    d = svc.save_letter(ref, "extension_notice", notice + "\nEdited by hand.")
    assert d.timeline[-1].kind == "letter"
    assert d.timeline[-1].body is not None and d.timeline[-1].body.endswith("Edited by hand.")


def test_permissions_and_audit_without_personal_data(desk: Desk) -> None:
    ref = desk.new().reference
    with pytest.raises(PermissionDenied):
        DsarService(desk.ctx, desk.admin.principal).get(ref)  # administrator: no dsar.view
    auditor, _ = desk.admin.add_operator("aud", ["auditor"])
    assert DsarService(desk.ctx, auditor).get(ref).reference == ref
    with pytest.raises(PermissionDenied):
        DsarService(desk.ctx, auditor).close(ref, "withdrawn")
    views = audit_events(desk.ctx, "dsar.view")
    assert views and views[-1]["outcome"] == "ok"
    for action in ("dsar.create", "dsar.view", "dsar.close", "access.denied"):
        for event in audit_events(desk.ctx, action):
            raw = event["raw"]
            assert "dana" not in raw.lower() and "555" not in raw


def test_dashboard_counts(desk: Desk) -> None:
    svc = desk.svc()
    a = desk.new().reference
    desk.new(request_type="erasure")
    svc.verify(a, method="email")
    svc.close(a, "completed")
    dash = svc.dashboard()
    assert sum(dash.open_by_age.values()) == 1
    assert dash.on_time_by_month == {"2026-11": (1, 1)}
    assert dash.by_type == {"access": 1, "erasure": 1}
    assert dash.by_regime == {"uk-gdpr": 2}
    assert json.dumps(dash.open_by_age)


def test_detail_is_masked_and_reveal_needs_permission_reason_and_audit(desk: Desk) -> None:
    d = desk.new(ids=["CUST-88123"], notes="call back on +44 20 7946 0999")
    ref = d.reference
    assert d.masked  # even the intake's answer is masked
    d = desk.svc().get(ref)
    assert d.masked and d.emails == ("d***@c***.example",)
    assert d.phones == ("+* (***) ***-**67",) and d.ids == ("****-***23",)
    assert "7946 0999" not in d.notes and d.notes.endswith("99")
    raw = json.dumps(d.to_json())
    assert "dana@customer.example" not in raw and "123-4567" not in raw
    assert d.summary.requester_name == "Dana Customer"  # the name stays: it is the queue's key
    # Reveal: a reason is required; the auditor (dsar.view, no pii.reveal) is refused.
    with pytest.raises(PermissionDenied, match="reason"):
        desk.svc().get(ref, reveal=True, reason="  ")
    auditor, _ = desk.admin.add_operator("aud", ["auditor"])
    with pytest.raises(PermissionDenied):
        DsarService(desk.ctx, auditor).get(ref, reveal=True, reason="curious")
    # The administrator has neither dsar.view nor pii.reveal.
    with pytest.raises(PermissionDenied):
        DsarService(desk.ctx, desk.admin.principal).get(ref, reveal=True, reason="x")
    full = desk.svc().get(ref, reveal=True, reason="confirming the address with the requester")
    assert not full.masked
    assert full.emails == ("dana@customer.example",) and full.phones == ("+1 (555) 123-4567",)
    assert full.ids == ("CUST-88123",) and "7946 0999" in full.notes
    reveals = audit_events(desk.ctx, "pii.reveal")
    assert [e["outcome"] for e in reveals] == ["ok"]
    assert reveals[0]["details"] == {
        "request": d.id,
        "reason": "confirming the address with the requester",
    }
    assert "dana" not in reveals[0]["raw"].lower()
    # The next plain read is masked again.
    assert desk.svc().get(ref).masked
