"""Two processes on one workspace: a long import holds the write lock (issue 14, locking).

The attack of the issue: during a long import, `search` and `dsar new` in another process
failed after the busy timeout with "internal error (OperationalError)". Now a read never
takes the write lock (its audit events are spooled and sealed later, AUTH-12), a writer
that cannot get the lock says who holds it and exits 2, and afterwards `privdesk verify`
is OK (SQLC-5) with both processes' data and audit events in the chain.

The import is held still at a test hook (`PRIVDESK_TEST_HOLD`, two FIFOs): no sleeps, no
timers; every wait is a blocking read that ends when the other side acts.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app import busy
from app.audit import spool
from app.busy import BUSY_NAME, BUSY_TIMEOUT_ENV
from app.clock import FixedClock, utc_iso
from app.context import AppContext
from app.dsar.records import NewRequest
from app.dsar.requests import DsarService
from app.errors import WorkspaceBusy
from app.helpdesk import HelpdeskService
from app.keystore import KeyringStore
from app.search import KINDS, SearchService
from app.security import operators, totp
from app.security.auth import TOUCH_EVERY, AuthService, Principal, SessionLocked
from app.security.guard import READ_ACTIONS
from app.security.operators import OperatorService
from app.security.permissions import Role
from app.testhooks import HOLD_ENV
from app.workspace import Workspace
from models.dsar import DsarRequest
from models.helpdesk import Ticket
from models.security import AuditEntry, OperatorSession
from tests.conftest import ADMIN_PASSWORD, FAST_SCRYPT, SignedIn, sign_in_admin
from tests.helpdesk_helpers import ZENDESK
from tests.helpers_auth import events
from views.common.errors import error_text

PASSWORD = "a sunny day in the office 7"
ROOT = Path(__file__).resolve().parent.parent
DSAR_NEW = (
    "dsar",
    "new",
    "--name",
    "Sam Subject",
    "--type",
    "access",
    "--regime",
    "uk-gdpr",
    "--received",
    "2026-12-01",
    "--email",
    "sam.subject@example.org",
)


@dataclass
class Desk:
    folder: Path
    env: dict[str, str]
    passphrase: str


def _code(secret: str, clock: FixedClock) -> str:
    clock.advance(30)  # each code a fresh step (no replay)
    return totp.current_code(secret, clock.now())


def make_desk(folder: Path) -> Desk:
    """A workspace with a privacy officer "priya" holding a CLI session token.

    The clock starts five minutes back and moves in 30 s steps, so the CLI processes
    (real clock) see a session a little in the past, well inside its idle limit."""
    clock = FixedClock(current=datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    new = AppContext.create(
        folder, keyring_store=KeyringStore(), scrypt_params=FAST_SCRYPT, clock=clock
    )
    ctx = new.ctx
    auth = AuthService(ctx)
    enrol = auth.bootstrap_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    auth.confirm_enrolment("admin", _code(enrol.secret, clock))
    admin = auth.login("admin", ADMIN_PASSWORD, _code(enrol.secret, clock)).principal
    added = OperatorService(ctx, admin).add("priya", "Priya", [Role.PRIVACY_OFFICER.value])
    priya = operators.activate(ctx, "priya", added.enrolment_code, PASSWORD)
    auth.confirm_enrolment("priya", _code(priya.secret, clock))
    login = auth.login("priya", PASSWORD, _code(priya.secret, clock), kind="cli")
    ctx.close()
    assert login.token
    env = {
        **os.environ,
        "PRIVDESK_WORKSPACE": str(folder),
        "PRIVDESK_PASSPHRASE": new.recovery_passphrase,
        "PRIVDESK_SESSION": login.token,
        BUSY_TIMEOUT_ENV: "300",  # a blocked writer gives up after 0.3 s, not 10 s
    }
    env.pop(HOLD_ENV, None)
    return Desk(folder, env, new.recovery_passphrase)


def cli(desk: Desk, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *argv],
        env=desk.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class HeldImport:
    """`import zendesk` in its own process, stopped inside its one write transaction."""

    def __init__(self, desk: Desk, tmp: Path, source: Path) -> None:
        self.go = tmp / "hold"
        self.reached = tmp / "hold.reached"
        os.mkfifo(self.go)
        os.mkfifo(self.reached)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "import", "zendesk", str(source)],
            env={**desk.env, HOLD_ENV: f"import={self.go}"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # If the import ends before the hold (a failure), unblock our read of `reached`.
        threading.Thread(target=self._unblock_when_gone, daemon=True).start()

    def _unblock_when_gone(self) -> None:
        self.proc.wait()
        for fifo in (self.reached, self.go):
            with contextlib.suppress(OSError):  # ENXIO: nobody reads it, nothing to unblock
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    def wait_until_holding(self) -> None:
        with open(self.reached, encoding="utf-8") as fifo:
            pid = fifo.read()
        if pid != str(self.proc.pid):
            out, err = self.proc.communicate(timeout=60)
            pytest.fail(f"the import ended before holding: {self.proc.returncode} {err}{out}")

    def release(self) -> tuple[int, str, str]:
        with open(self.go, "w", encoding="utf-8") as fifo:
            fifo.write("go")
        out, err = self.proc.communicate(timeout=300)
        return self.proc.returncode, out, err


def open_ctx(desk: Desk) -> AppContext:
    ws = Workspace.open(desk.folder, keyring_store=KeyringStore(), passphrase=desk.passphrase)
    return AppContext(ws)


def count(ctx: AppContext, model: Any, *where: Any) -> int:
    with ctx.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_search_succeeds_and_dsar_new_says_busy_while_another_process_imports(
    tmp_path: Path,
) -> None:
    """Issue 14: the attack run with two real processes; AUTH-12 reads stay audited, SQLC-5."""
    desk = make_desk(tmp_path / "ws")
    first = cli(desk, "import", "zendesk", str(ZENDESK / "ndjson"))
    assert first.returncode == 0, first.stderr

    held = HeldImport(desk, tmp_path, ZENDESK / "api")
    try:
        held.wait_until_holding()
        record = json.loads((desk.folder / BUSY_NAME).read_text(encoding="utf-8"))
        assert set(record) == {"operation", "operator", "started_utc", "pid"}  # nothing else
        assert record["operation"] == "import" and record["operator"] == "priya"
        started = datetime.fromisoformat(record["started_utc"].replace("Z", "+00:00"))

        # Readers: never the write lock, never "internal error".
        search = cli(desk, "search", "charged")
        assert search.returncode == 0, search.stderr
        assert search.stderr == "" and "hit" in search.stdout
        assert "Card charged twice" in search.stdout  # committed by the first import
        listed = cli(desk, "dsar", "list")
        assert listed.returncode == 0 and listed.stderr == "", listed.stderr

        # A writer: it finishes, or it says exactly who holds the lock and exits 2.
        intake = cli(desk, *DSAR_NEW)
        busy = f"the workspace is busy: an import is running (started {started:%H:%M} by priya)"
        assert (intake.returncode, intake.stderr) in ((0, ""), (2, f"privdesk: {busy}\n"))
        assert "internal error" not in intake.stderr
    finally:
        code, _out, err = held.release()
    assert code == 0, err
    assert not (desk.folder / BUSY_NAME).exists()

    if intake.returncode == 2:  # the intake the lock refused, run again now it is free
        again = cli(desk, *DSAR_NEW)
        assert again.returncode == 0, again.stderr

    verify = cli(desk, "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stdout.startswith("OK") and "audit log: OK" in verify.stdout

    ctx = open_ctx(desk)
    try:
        assert count(ctx, DsarRequest) == 1
        assert count(ctx, Ticket) >= 3
        assert count(ctx, AuditEntry, AuditEntry.action == "import.zendesk") == 2
        # The search's event waited in the spool and was sealed after the import.
        with ctx.read_session() as s:
            searched = [
                json.loads(r.details_json)
                for r in s.scalars(select(AuditEntry).where(AuditEntry.action == "search"))
            ]
        assert len(searched) == 1 and "deferred_from" in searched[0]
    finally:
        ctx.workspace.close()


# ---------------------------------------------------------------- in one process


@pytest.fixture
def officer(admin: SignedIn) -> Principal:
    principal, _secret = admin.add_operator("priya", [Role.PRIVACY_OFFICER.value])
    return principal


def stored_last_seen(ctx: AppContext, principal: Principal) -> str | None:
    with ctx.read_session() as s:
        row = s.get(OperatorSession, principal.session_id)
        assert row is not None
        return row.last_seen_at


@contextlib.contextmanager
def write_locked(ctx: AppContext) -> Iterator[None]:
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) meanwhile."""
    with ctx.workspace.session() as s:
        s.connection()  # the transaction (and its lock) starts here
        yield


def test_a_read_while_another_connection_writes_neither_fails_nor_waits(
    admin: SignedIn, officer: Principal
) -> None:
    """AUTH-9 session checks and AUTH-12 audited reads while the write lock is taken: the
    search answers, its touch is skipped, its event is spooled and sealed by the next write."""
    ctx, clock = admin.ctx, admin.clock
    clock.advance(61)  # a touch is due
    before = stored_last_seen(ctx, officer)
    with write_locked(ctx):
        assert AuthService(ctx).check(officer).username == "priya"
        assert SearchService(ctx, officer).search("refund", KINDS, 5) == []
        assert HelpdeskService(ctx, officer).status() is not None
        assert len(spool.waiting(ctx.workspace.folder)) == 1  # the search's event
    assert stored_last_seen(ctx, officer) == before  # skipped, not waited for
    with ctx.session() as s:  # the next writer seals the spooled events first
        s.connection()
    assert spool.waiting(ctx.workspace.folder) == []
    deferred = [e for e in events(ctx) if "deferred_from" in e.details]
    assert [e.action for e in deferred] == ["search"]
    assert all(e.actor == "priya" and e.session_id == officer.session_id for e in deferred)
    with ctx.read_session() as s:
        assert ctx.audit.verify(s).status.name == "OK"


def test_last_seen_at_is_written_at_most_once_a_minute(admin: SignedIn, officer: Principal) -> None:
    """AUTH-9: reads touch the session at most every TOUCH_EVERY (60 s)."""
    ctx, clock = admin.ctx, admin.clock
    service = HelpdeskService(ctx, officer)
    clock.advance(61)
    service.status()
    first = stored_last_seen(ctx, officer)
    assert first == utc_iso(clock.now())
    for _ in range(5):  # 50 s of use: nothing written
        clock.advance(10)
        service.status()
        assert stored_last_seen(ctx, officer) == first
    clock.advance(10)  # 60 s since the stored value
    service.status()
    assert stored_last_seen(ctx, officer) == utc_iso(clock.now())
    assert timedelta(seconds=60) == TOUCH_EVERY


def test_idle_time_is_exact_in_process_and_at_most_a_minute_early_elsewhere(
    admin: SignedIn, officer: Principal
) -> None:
    """AUTH-9 idle lock with a coarse stored last-seen: this process measures from its own
    exact sight of the session; another process (a fresh context) from the stored value,
    which is less than TOUCH_EVERY behind, so it locks at most 60 s early, never late."""
    ctx, clock = admin.ctx, admin.clock
    service = HelpdeskService(ctx, officer)
    clock.advance(61)
    service.status()  # stored = T0
    clock.advance(30)
    service.status()  # seen at T0+30 here; stored stays T0
    idle = 15 * 60
    clock.advance(idle - 1)  # idle - 1 s since the last action, idle + 29 s since T0
    elsewhere = AppContext(ctx.workspace, clock)
    with pytest.raises(SessionLocked):
        AuthService(elsewhere).check(officer)  # 29 s early: inside the documented bound
    assert AuthService(ctx).check(officer).username == "priya"  # exact here: not idle yet
    clock.advance(idle)
    with pytest.raises(SessionLocked):
        AuthService(ctx).check(officer)


def test_a_writer_that_cannot_get_the_lock_names_the_long_operation(
    tmp_path: Path, fake_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's sentence, from the lock record, through the real service path; the GUI
    shows the same sentence (views.common.errors), never "internal error"."""
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "50")
    signed = sign_in_admin(tmp_path / "ws")
    try:
        officer, _ = signed.add_operator("priya", [Role.PRIVACY_OFFICER.value])
        ctx, clock = signed.ctx, signed.clock
        new = NewRequest("Sam Subject", "access", "uk-gdpr", clock.now(), emails=["s@x.example"])
        folder = ctx.workspace.folder
        with (
            write_locked(ctx),
            busy.holding(folder, "import", "priya", clock),
            pytest.raises(WorkspaceBusy) as caught,
        ):
            DsarService(ctx, officer).create(new)
        started = clock.now()  # UTC, as every time the CLI prints
        message = f"the workspace is busy: an import is running (started {started:%H:%M} by priya)"
        assert caught.value.message == message and caught.value.exit_code == 2
        assert error_text(caught.value) == message
        assert not (folder / BUSY_NAME).exists()
        DsarService(ctx, officer).create(new)  # free again: it goes through
    finally:
        signed.ctx.close()


def test_a_lock_record_of_a_dead_process_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    record = {
        "operation": "import",
        "operator": "priya",
        "started_utc": "2026-12-03T10:42:00Z",
        "pid": int(gone.stdout),
    }
    (tmp_path / BUSY_NAME).write_text(json.dumps(record), encoding="utf-8")
    assert busy.read_record(tmp_path) is None
    assert "another PrivDesk process is writing" in busy.busy_error(tmp_path).message
    record["pid"] = os.getpid()
    (tmp_path / BUSY_NAME).write_text(json.dumps(record), encoding="utf-8")
    assert busy.busy_error(tmp_path).message.endswith("(started 10:42 by priya)")


def test_wal_is_on_for_every_connection(admin: SignedIn) -> None:
    engine = admin.ctx.workspace.engine
    conns = [engine.connect() for _ in range(3)]  # three pooled connections at once
    try:
        modes = [
            c.connection.dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]
            for c in conns
        ]
    finally:
        for c in conns:
            c.close()
    assert modes == ["wal"] * 3
    with admin.ctx.read_session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_an_altered_spool_file_is_recorded_and_set_aside(admin: SignedIn) -> None:
    """AUD: a spool file that does not decrypt is not silently dropped."""
    folder = admin.ctx.workspace.folder
    d = spool.spool_dir(folder)
    d.mkdir()
    (d / f"forged{spool.SUFFIX}").write_bytes(b"PDSP1" + b"\0" * 40)
    with admin.ctx.session() as s:
        s.connection()
    assert [e.details for e in events(admin.ctx, "audit.spool_invalid")] == [{"spool": "forged"}]
    assert (d / "forged.invalid").exists() and spool.waiting(folder) == []


def test_every_read_action_names_an_authorized_call_in_app() -> None:
    """READ_ACTIONS is matched by name: a typo would silently leave a read taking the lock."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py"))
    missing = [a for a in sorted(READ_ACTIONS) if f'action="{a}"' not in source]
    assert missing == []
