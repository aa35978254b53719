"""kill -9 in the middle of a retention run (issue 19): the committed batches are deleted
with the run's checkpoint and audit event, the rest untouched; the workspace verifies; the
run resumes (step-up) and deletes exactly the simulated set, which a re-import of the same
export does not bring back. AUD-1, SQLC-5 (SECURITY.md).

Uses the crash harness of tests/test_crash_safety.py (a real process, SIGKILL at a point
announced on stdout, no timers).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.retention.policies import Policy
from app.retention.service import BATCH, RetentionService
from models.helpdesk import Ticket
from models.inventory import RetentionRun
from tests.conftest import SignedIn
from tests.helpdesk_helpers import audit_events, fts_match
from tests.test_crash_safety import (
    cli_verify,
    crash,
    import_now,
    make_export,
    reopen,
    step_up,
    world,
)

__all__ = ["cli_verify", "world"]  # fixtures, imported for the test below
TICKETS = 250  # + the fixture's 3: batches of 100, 100 and 52 (one held)


def _ids(ctx: Any) -> set[int]:
    with ctx.read_session() as s:
        return set(s.scalars(select(Ticket.id)))


def test_a_killed_retention_run_resumes_and_deletes_exactly_the_simulated_set(
    world: SignedIn, tmp_path: Path, cli_verify: Any
) -> None:
    export = make_export(tmp_path, TICKETS)
    import_now(world, world.ctx, world.principal, export)
    rosa, secret = world.add_operator("rosa", ["privacy_officer"])
    svc = RetentionService(world.ctx, rosa)
    svc.add(Policy("all-old", "tickets", "delete", older_than_days=1))
    svc.add_hold("ticket", "20005", "litigation")
    sim = svc.simulate("all-old")
    assert sim.count == TICKETS + 3 - 1 and sim.held == 1
    before = _ids(world.ctx)
    run = RetentionService(world.ctx, step_up(world, world.ctx, rosa, secret)).start("all-old")
    crash(world, "retention", "retention-first-batch", str(run.id), as_="rosa", secret=secret)
    cli_verify(world)

    ctx, principal = reopen(world, "rosa", secret)
    try:
        with ctx.read_session() as s:
            row = s.get(RetentionRun, run.id)
            assert row is not None and (row.status, row.done) == ("running", BATCH)
        first = sorted(sim.ids)[:BATCH]
        assert before - _ids(ctx) == set(first)
        assert fts_match(ctx, "fts_tickets", f'"Order question {first[-1] - 20_000}"') == []
        assert len(audit_events(ctx, "retention.batch")) == 1
        assert audit_events(ctx, "retention.done") == []

        service = RetentionService(ctx, step_up(world, ctx, principal, secret))
        again = service.start("all-old")
        assert again.id == run.id and again.done == BATCH
        done = service.run(again.id)
        assert done.status == "done" and before - _ids(ctx) == set(sim.ids)
        assert 20005 in _ids(ctx)
        assert len(audit_events(ctx, "retention.batch")) == -(-sim.count // BATCH)
        assert audit_events(ctx, "retention.done")[0]["details"]["ids_sha256"] == sim.plan_sha256
        # Re-importing the same export does not bring the deleted tickets back (tombstones).
        import_now(world, ctx, principal, export)
        assert before - _ids(ctx) == set(sim.ids)
    finally:
        ctx.close()
    cli_verify(world)
