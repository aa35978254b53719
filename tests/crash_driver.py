"""A PrivDesk process for the kill -9 tests (tests/test_crash_safety.py): it opens a
workspace, signs in and runs one operation through the application's own API, and at a
named point prints ``PAUSED <point>`` on stdout and blocks until it is killed.

    python tests/crash_driver.py OPERATION POINT WORKSPACE [ARG]

The environment carries what a real process would get from the operator: the recovery
passphrase (PRIVDESK_PASSPHRASE; the keyring backend is keyring's `fail`, as in the whole
suite), the operator's password, TOTP secret and the instant the driver's clock reads
(CRASH_OPERATOR, CRASH_PASSWORD, CRASH_TOTP_SECRET, CRASH_AT), so every code it uses is fresh.

The points are places *between* the product's own steps, reached by wrapping the calls
that begin or end them (a JobControl's progress report, a batch writer, the rekey's stage
hook): no product code knows about this driver, and no point depends on a timer.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.clock import FixedClock  # noqa: E402
from app.context import AppContext  # noqa: E402
from app.jobs import JobControl  # noqa: E402
from app.security import totp  # noqa: E402
from app.security.auth import AuthService, Principal  # noqa: E402
from app.workspace import Workspace  # noqa: E402


def pause(point: str) -> None:
    """Announce the point and wait to be killed (stdin is a pipe the test never writes)."""
    sys.stdout.write(f"PAUSED {point}\n")
    sys.stdout.flush()
    sys.stdin.read()
    os._exit(3)  # stdin closed without a kill: the test gave up; never carry on


class PauseAt(JobControl):
    """Pauses at the first progress report whose `done` reaches `at` (a batch boundary)."""

    def __init__(self, point: str, at: int) -> None:
        super().__init__()
        self.point, self.at = point, at

    def report(self, done: int, total: int | None = None, message: str = "") -> None:
        super().report(done, total, message)
        if done >= self.at:
            pause(self.point)


def sign_in(ctx: AppContext, clock: FixedClock) -> Principal:
    secret = os.environ["CRASH_TOTP_SECRET"]
    code = totp.current_code(secret, clock.now())
    operator, password = os.environ["CRASH_OPERATOR"], os.environ["CRASH_PASSWORD"]
    return AuthService(ctx).login(operator, password, code, kind="cli").principal


def step_up(ctx: AppContext, clock: FixedClock, principal: Principal) -> Principal:
    clock.advance(30)
    code = totp.current_code(os.environ["CRASH_TOTP_SECRET"], clock.now())
    return AuthService(ctx).step_up(principal, code)


def wrap(owner: Any, name: str, after: Any) -> None:
    """Replace owner.name by a call of the original followed by `after(self, result, n)`."""
    original = getattr(owner, name)
    calls = [0]

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        calls[0] += 1
        after(self, result, calls[0])
        return result

    setattr(owner, name, wrapper)


def run_import(ctx: AppContext, principal: Principal, point: str, export: str) -> None:
    from app.helpdesk import HelpdeskService
    from app.importers.loader import Upserter

    if point == "import-first-batch":
        # The first 500 tickets are written (inside the import's one transaction).
        def first(self: Any, _result: Any, _n: int) -> None:
            if self.table.name == "hd_tickets" and self.count.inserted:
                pause(point)

        wrap(Upserter, "flush", first)
    elif point == "import-before-commit":
        # Every row and the import's audit event are written; COMMIT has not run.
        wrap(HelpdeskService, "_audit_import", lambda *_a: pause(point))
    HelpdeskService(ctx, principal).import_zendesk(Path(export))
    if point == "import-committed":
        pause(point)  # committed, the WAL not checkpointed, the context never closed


def run_history(ctx: AppContext, principal: Principal, point: str, run_id: str) -> None:
    from app.redaction.history import BATCH_TICKETS, HistoryService

    control = JobControl()
    if point == "history-two-batches":
        control = PauseAt(point, 2 * BATCH_TICKETS)  # reported after batch 2's commit
    elif point == "history-mid-batch":
        # Batch 3's rewrites and its audit event are written; COMMIT has not run.
        def third(_self: Any, _result: Any, n: int) -> None:
            if n == 3:
                pause(point)

        wrap(HistoryService, "_redact_batch", third)
    elif point == "history-before-done":
        # Every batch committed; the run's `done` transaction has not started.
        control = PauseAt(point, 10**9)
        from sqlalchemy import func, select

        from models.helpdesk import Ticket

        with ctx.read_session() as s:
            control.at = int(s.scalar(select(func.count()).select_from(Ticket)) or 0)
    HistoryService(ctx, principal).run(int(run_id), control)


def run_retention(ctx: AppContext, principal: Principal, point: str, run_id: str) -> None:
    from app.retention.service import BATCH, RetentionService

    control = PauseAt(point, BATCH)  # reported after the first batch's commit
    RetentionService(ctx, principal).run(int(run_id), control)


def run_zendesk_sync(ctx: AppContext, principal: Principal, point: str) -> None:
    from app.zendesk.pages import ApiImport
    from app.zendesk.sync import SyncService

    class PauseAfterPages(JobControl):
        """Pauses at the report that follows the commit of tickets page N (sync-pages-N)."""

        def report(self, done: int, total: int | None = None, message: str = "") -> None:
            super().report(done, total, message)
            if message.startswith(f"tickets: {point.rsplit('-', 1)[-1]} pages"):
                pause(point)

    control = JobControl()
    if point.startswith("sync-pages-"):
        control = PauseAfterPages()
    elif point == "sync-mid-page":
        # Page 2's tickets and comments are written; its cursor and COMMIT are not.
        def second(_self: Any, _result: Any, n: int) -> None:
            if n == 2:
                pause(point)

        wrap(ApiImport, "_tickets", second)
    SyncService(ctx, principal).sync(None, control)


def run_rekey(ctx: AppContext, principal: Principal, clock: FixedClock, point: str) -> None:
    from app.admin import AdminService

    original = Workspace.rekey

    def rekey(self: Workspace, *, stage: Any = None) -> int:
        return original(self, stage=lambda name: pause(point) if name == point else None)

    Workspace.rekey = rekey  # type: ignore[method-assign]
    AdminService(ctx, step_up(ctx, clock, principal)).rekey()


def run_backup(ctx: AppContext, principal: Principal, point: str) -> None:
    import zipfile

    from app import workspace_backup
    from app.admin import AdminService

    if point == "backup-copied":
        # The database copy sits in backups/.privdesk-backup-*/ and has been verified.
        original = workspace_backup.store.check_integrity

        def checked(*args: Any, **kwargs: Any) -> Any:
            report = original(*args, **kwargs)
            pause(point)
            return report

        workspace_backup.store.check_integrity = checked  # type: ignore[assignment]
    elif point == "backup-zip-written":
        # The archive holds every member; it has not been closed, synced or renamed.
        def written(_self: Any, _result: Any, _n: int) -> None:
            pause(point)

        wrap(zipfile.ZipFile, "write", written)
    AdminService(ctx, principal).backup()


def run_restore(point: str, backup: str, target: str) -> None:
    from app import workspace

    original = workspace.unpack_backup

    def unpacked(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)  # the staging folder holds the database and keys.json
        pause(point)

    workspace.unpack_backup = unpacked
    Workspace.restore(Path(backup), Path(target), passphrase=os.environ["PRIVDESK_PASSPHRASE"])


def main() -> None:
    operation, point, folder = sys.argv[1:4]
    extra = sys.argv[4:] or [""]
    if operation == "restore":
        run_restore(point, extra[0], extra[1])
        raise SystemExit(f"restore finished without reaching {point}")
    clock = FixedClock(datetime.fromisoformat(os.environ["CRASH_AT"]))
    ws = Workspace.open(Path(folder), passphrase=os.environ["PRIVDESK_PASSPHRASE"], clock=clock)
    ctx = AppContext.for_workspace(ws, clock)
    principal = sign_in(ctx, clock)
    if operation == "import":
        run_import(ctx, principal, point, extra[0])
    elif operation == "history":
        run_history(ctx, principal, point, extra[0])
    elif operation == "retention":
        run_retention(ctx, principal, point, extra[0])
    elif operation == "zendesk-sync":
        run_zendesk_sync(ctx, principal, point)
    elif operation == "rekey":
        run_rekey(ctx, principal, clock, point)
    elif operation == "backup":
        run_backup(ctx, principal, point)
    elif operation == "close" and point == "anchor-committed":
        # A clean shutdown anchors the head: `last_anchor_seq` is committed in the
        # database first, the line appended to audit-anchors.jsonl after the commit.
        from app.audit import anchors

        anchors.append_anchor = lambda *_a, **_k: pause(point)
        ctx.close()
    else:
        raise SystemExit(f"unknown operation {operation!r}")
    sys.stdout.write(f"FINISHED {operation} without reaching {point}\n")
    sys.stdout.flush()
    os._exit(4)


if __name__ == "__main__":
    main()
