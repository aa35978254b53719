"""Retention policies that really delete (issue 19, part 3), with a fixed clock
(2026-11-27, tests/conftest.py's FixedClock).

A run deletes exactly the simulated records, holds win (a DSAR hold on a ticket or a
person, a hold by tag), nothing is left in the FTS index or the decrypted database pages,
and a run that stopped half-way (a failed batch, a cancel) resumes to the same end.
The planted texts are others' test vectors (tests/data/redaction/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.jobs import Cancelled, JobControl
from app.retention.policies import Policy, RetentionError
from app.retention.service import RetentionService
from app.security.auth import StepUpRequired
from app.security.guard import PermissionDenied
from models.helpdesk import Comment, Person, Ticket
from tests.conftest import keys_of
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import audit_events, fts_match
from tests.test_dsar_fulfil import decrypted_pages
from tests.test_inventory_scan import vectors

CARD, CARD2 = vectors("stripe_cards.jsonl", "CREDIT_CARD", 2)
SSN = vectors("presidio.jsonl", "US_SSN", 1)[0]
# (id, status, updated_at, tags, requester)
TICKETS = [
    (9201, "closed", "2024-01-15T10:00:00Z", [], None),  # selected
    (9202, "closed", "2024-02-20T10:00:00Z", ["litigation"], None),  # held: tag
    (9203, "closed", "2024-03-01T10:00:00Z", [], None),  # held: ticket hold
    (9204, "solved", "2024-01-10T10:00:00Z", [], None),  # other status
    (9205, "closed", "2026-10-01T10:00:00Z", [], None),  # too recent
    (9206, "closed", "2024-04-02T10:00:00Z", [], 77001),  # held: person hold
    (9207, "closed", "2024-04-20T10:00:00Z", ["vip"], None),  # selected
]


def plant(desk: Desk) -> None:
    with desk.ctx.session() as s:
        for tid, status, updated, tags, requester in TICKETS:
            s.add(
                Ticket(
                    id=tid,
                    subject=f"Refund for order {tid}: {CARD if tid == 9201 else 'parcel late'}",
                    description=f"Customer wrote about order {tid}.",
                    status=status,
                    requester_id=requester,
                    tags_json=str(tags).replace("'", '"'),
                    created_at=updated,
                    updated_at=updated,
                    row_hash="h",
                )
            )
        s.flush()
        s.add(Comment(id=99201, ticket_id=9201, body=SSN, row_hash="h"))
        s.add(Comment(id=99202, ticket_id=9202, body=CARD2, row_hash="h"))


@pytest.fixture
def desk(admin: Any) -> Desk:
    d = make_desk(admin)
    plant(d)
    svc = RetentionService(d.ctx, d.officer)
    svc.add(Policy("closed-1y", "tickets", "delete", status="closed", older_than_days=365))
    svc.add_hold("ticket", "9203", "Tribunal claim 2026/114")
    svc.add_hold("person", "77001", "Insurance dispute")
    svc.add_hold("tag", "litigation", "Litigation hold from counsel")
    return d


def _ticket_ids(desk: Desk) -> set[int]:
    with desk.ctx.read_session() as s:
        return set(s.scalars(select(Ticket.id)))


def test_simulation_counts_held_samples_and_months(desk: Desk) -> None:
    sim = RetentionService(desk.ctx, desk.officer).simulate("closed-1y")
    assert {9201, 9207} <= set(sim.ids)
    assert not {9202, 9203, 9204, 9205, 9206} & set(sim.ids)
    assert sim.count == len(sim.ids) and sim.held >= 3
    assert sim.months["2024-01"] >= 1 and sim.months["2024-04"] >= 1
    sample = next(x for x in sim.samples if x["ticket"] == 9201)
    assert "[CREDIT_CARD]" in sample["subject"] and "4242" not in sample["subject"]
    data = sim.to_json()
    assert {"policy", "count", "held", "samples"} <= set(data) and data["policy"] == "closed-1y"
    assert any("archived tickets" in r for r in data["zendesk"])
    assert _ticket_ids(desk) >= {t[0] for t in TICKETS}  # a simulation changes nothing
    event = audit_events(desk.ctx, "retention.simulate")[-1]
    assert event["details"] == {"count": sim.count, "held": sim.held}


def test_run_deletes_exactly_the_simulated_set_holds_win_bytes_gone(desk: Desk) -> None:
    svc = RetentionService(desk.ctx, desk.officer)
    sim = svc.simulate("closed-1y")
    before = _ticket_ids(desk)
    desk.admin.clock.advance(6 * 60)
    with pytest.raises(StepUpRequired):
        svc.start("closed-1y")
    svc = RetentionService(desk.ctx, desk.stepped_up())
    started = svc.start("closed-1y")
    done = svc.run(started.id)
    assert done.status == "done" and done.total == sim.count
    assert before - _ticket_ids(desk) == set(sim.ids)
    assert {9202, 9203, 9204, 9205, 9206} <= _ticket_ids(desk)
    out = done.to_json()
    assert out["deleted"] == sim.count and out["held"] == sim.held
    cert = json.loads(Path(out["certificate"]).read_text("utf-8"))
    assert cert["ids_sha256"] == sim.plan_sha256 and cert["records"] == sim.count
    assert cert["counts"]["tickets_deleted"] == sim.count
    assert "DELETE /api/v2/tickets/destroy_many?ids=" in cert["helpdesk_plan"]["calls"][0]
    with desk.ctx.read_session() as s:
        assert s.get(Comment, 99201) is None and s.get(Comment, 99202) is not None
    # Nothing left in the full-text index or in any decrypted page (free pages included).
    assert fts_match(desk.ctx, "fts_tickets", '"order 9201"') == []
    assert fts_match(desk.ctx, "fts_tickets", '"order 9202"') == [9202]
    _kek, dek = keys_of(desk.ctx.workspace.folder, desk.admin.passphrase)
    plain = decrypted_pages(desk.ctx.workspace.db_path, dek)
    assert b"order 9202" in plain  # decryption works: the held ticket is readable
    for gone in (b"order 9201", b"order 9207", SSN.encode(), CARD.encode()):
        assert gone not in plain, gone
    wal = desk.ctx.workspace.db_path.with_name("privdesk.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    ended = audit_events(desk.ctx, "retention.done")[-1]["details"]
    assert ended["records"] == sim.count and ended["ids_sha256"] == sim.plan_sha256
    assert "9201" not in audit_events(desk.ctx, "retention.done")[-1]["raw"]


def test_a_run_that_stopped_half_way_resumes_to_the_same_end(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed batch rolls back alone; a cancel stops at a checkpoint; start resumes."""
    import app.retention.apply as apply_mod
    import app.retention.service as service_mod

    sim = RetentionService(desk.ctx, desk.officer).simulate("closed-1y")
    before = _ticket_ids(desk)
    monkeypatch.setattr(service_mod, "BATCH", 1)
    real, calls = apply_mod.apply_batch, []

    def failing(*a: Any, **kw: Any) -> Any:
        calls.append(a[2])
        if len(calls) == 2:
            raise OSError("disk went away")
        return real(*a, **kw)

    monkeypatch.setattr(apply_mod, "apply_batch", failing)
    svc = RetentionService(desk.ctx, desk.stepped_up())
    run = svc.start("closed-1y")
    with pytest.raises(OSError):
        svc.run(run.id)
    assert len(before - _ticket_ids(desk)) == 1  # the first batch committed, the second not
    monkeypatch.setattr(apply_mod, "apply_batch", real)
    control = JobControl()
    control.cancel()
    with pytest.raises(Cancelled):
        svc.run(run.id, control)
    assert RetentionService(desk.ctx, desk.officer).show("closed-1y")[1][0].status == "cancelled"
    again = RetentionService(desk.ctx, desk.stepped_up()).start("closed-1y")
    assert again.id == run.id and again.done == 2
    done = RetentionService(desk.ctx, desk.officer).run(again.id)
    assert done.status == "done" and before - _ticket_ids(desk) == set(sim.ids)


def test_users_policy_and_anonymise(desk: Desk) -> None:
    svc = RetentionService(desk.ctx, desk.officer)
    svc.add(Policy("old-users", "users", "delete", inactive_days=3650))
    sim = svc.simulate("old-users")
    assert 77001 not in sim.ids
    svc.add(Policy("anon", "tickets", "anonymise", status="closed", older_than_days=365))
    stepped = RetentionService(desk.ctx, desk.stepped_up())
    done = stepped.run(stepped.start("anon").id)
    assert done.counts["tickets_anonymised"] >= 2
    with desk.ctx.read_session() as s:
        t = s.get(Ticket, 9201)
        assert t is not None and "[CREDIT_CARD]" in (t.subject or "")
        assert s.get(Ticket, 9203) is not None and "4242" not in (t.subject or "")
        assert s.scalar(select(Person.id).limit(1)) is not None


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (Policy("x", "tickets", "delete"), "needs --older-than"),
        (Policy("x", "users", "delete"), "needs --inactive-for"),
        (Policy("x", "users", "delete", inactive_days=30, status="closed"), "apply to tickets"),
        (Policy("x", "tickets", "delete", status="open", older_than_days=9), "use review"),
        (Policy("x", "tickets", "shred", older_than_days=9), "--action must be one of"),
        (Policy("bad name", "tickets", "delete", older_than_days=9), "a name is letters"),
    ],
)
def test_bad_policies_are_refused(desk: Desk, policy: Policy, message: str) -> None:
    with pytest.raises(RetentionError, match=message):
        RetentionService(desk.ctx, desk.officer).add(policy)


def test_holds_list_and_the_auditor_reads_only(desk: Desk) -> None:
    holds = RetentionService(desk.ctx, desk.officer).holds()
    assert {(h.kind, h.ref) for h in holds} >= {
        ("ticket", "9203"),
        ("person", "77001"),
        ("tag", "litigation"),
    }
    auditor, _ = desk.admin.add_operator("aud", ["auditor"])
    reader = RetentionService(desk.ctx, auditor)
    assert [p.name for p in reader.policies()] == ["closed-1y"]
    with pytest.raises(PermissionDenied):
        reader.add_hold("tag", "x", "y")
    with pytest.raises(RetentionError, match="numeric id"):
        RetentionService(desk.ctx, desk.officer).add_hold("ticket", "abc", "r")


def test_an_evidence_pack_holds_the_runs_completed_in_its_period_only(desk: Desk) -> None:
    """Issue 21: evidence is exactly true — a Q4 pack does not carry a run of another period."""
    from datetime import date, timedelta

    from app.compliance.providers import retention_evidence
    from app.evidence_types import Period

    desk.admin.clock.advance(6 * 60)
    svc = RetentionService(desk.ctx, desk.stepped_up())
    done = svc.run(svc.start("closed-1y").id)
    today = desk.admin.clock.now().date()
    assert done.finished_at is not None and done.finished_at.startswith(today.isoformat())

    now = retention_evidence(desk.ctx, desk.officer, Period(today - timedelta(days=3), today))
    (file,) = now.files
    assert [r["run"] for r in json.loads(file.content)] == [done.id]
    assert not now.gaps

    before = Period(date(2026, 1, 1), today - timedelta(days=1))
    earlier = retention_evidence(desk.ctx, desk.officer, before)
    assert earlier.files == ()
    assert earlier.gaps == (
        "no retention run completed with a certificate between 2026-01-01 and "
        f"{(today - timedelta(days=1)).isoformat()}",
    )
