"""kill -9 at named points of import, history redaction, rekey, backup and restore (issue 14).

Each test runs the operation in a real OS process (tests/crash_driver.py, through the
application's API), waits for the driver's ``PAUSED <point>`` line (no timer), SIGKILLs
it, and then checks what a user would see next: the workspace opens with the same
passphrase, `privdesk verify` (the CLI, with the verifier kit) says OK, and exactly the
committed work is there.

Requirement ids (../shared/SECURITY.md): AUD-1 (a change and its audit event commit
together or not at all), SQLC-5 (both integrity checks clean), SQLC-6 (a kill mid-rekey
leaves a file that opens with the old or the new key), AUD-2 (the audit chain verifies).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from app import workspace as workspace_module
from app.audit.anchors import save_kit
from app.cli.main import main
from app.clock import SystemClock
from app.context import AppContext
from app.redaction.history import BATCH_TICKETS, HistoryService, fts_count
from app.security.auth import AuthService, Principal
from app.workspace import Workspace
from models.helpdesk import Comment, Ticket
from models.redaction import RedactionRun
from tests.conftest import ADMIN_PASSWORD, SignedIn, sign_in_admin
from tests.helpdesk_helpers import ZENDESK, audit_events, read_ndjson, write_ndjson

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "tests" / "crash_driver.py"
IMPORTED = 600  # tickets added to the fixture's 3 for the import tests: 2 batches of 500
REDACTED = 420  # for history redaction: batches of 200, 200 and 23
WAIT_S = 120  # an upper bound on a driver reaching its point, not a delay


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(tmp_path: Path, no_keyring: None) -> Iterator[SignedIn]:
    """A passphrase-only workspace (no keyring, as on CI) with its first administrator;
    the verifier kit saved beside it for `privdesk verify --kit`."""
    signed = sign_in_admin(tmp_path / "ws")
    save_kit(tmp_path / "kit.json", signed.kit)
    yield signed
    close_once(signed.ctx)


def email(n: int) -> str:
    return f"crash.subject{n}@customer.example"


def make_export(tmp_path: Path, generated: int = IMPORTED) -> Path:
    """The ndjson fixture export (Zendesk's API example shapes) plus `generated` tickets
    cloned from its first one, each with its own e-mail address in text and a comment."""
    folder = tmp_path / "export"
    folder.mkdir()
    for src in (ZENDESK / "ndjson").iterdir():
        (folder / src.name).write_bytes(src.read_bytes())
    tickets = read_ndjson(folder / "tickets.ndjson")
    template = tickets[0]
    for n in range(generated):
        ticket_id = 20_000 + n
        clone = {k: v for k, v in template.items() if k not in ("url", "comments")}
        text = f"Please call me back, write to {email(n)} about order {n}."
        clone.update(id=ticket_id, subject=f"Order question {n}", description=text)
        clone["comments"] = [
            {"id": 900_000 + n, "type": "Comment", "author_id": 2001, "body": text,
             "public": True, "created_at": "2024-04-01T10:00:00Z"}
        ]  # fmt: skip
        tickets.append(clone)
    write_ndjson(folder / "tickets.ndjson", tickets)
    return folder


# ---------------------------------------------------------------- kill at a point


def close_once(ctx: AppContext) -> None:
    if ctx.workspace._engine is not None:
        ctx.close()


ROSA_PASSWORD = "a sunny day in the office 7"  # SignedIn.add_operator's default


def crash(
    world: SignedIn, operation: str, point: str, *extra: str, as_: str = "admin", secret: str = ""
) -> None:
    """Close our own handle, run the driver to `point` as operator `as_`, SIGKILL it there."""
    close_once(world.ctx)
    world.clock.advance(300)  # the driver's codes are later steps than any used so far
    env = {
        **os.environ,
        "PRIVDESK_PASSPHRASE": world.passphrase,
        "CRASH_OPERATOR": as_,
        "CRASH_PASSWORD": ADMIN_PASSWORD if as_ == "admin" else ROSA_PASSWORD,
        "CRASH_TOTP_SECRET": secret or world.secret,
        "CRASH_AT": world.clock.now().isoformat(),
    }
    folder = str(world.ctx.workspace.folder)
    errors = Path(folder).parent / f"driver-{point}.stderr"  # a file: a pipe could fill
    with open(errors, "w") as err_file:
        proc = subprocess.Popen(
            [sys.executable, str(DRIVER), operation, point, folder, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err_file,
            env=env,
            cwd=ROOT,
            text=True,
        )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], WAIT_S)
        line = proc.stdout.readline() if ready else ""
        if line != f"PAUSED {point}\n":
            proc.kill()
            proc.communicate(timeout=WAIT_S)
            pytest.fail(f"driver did not reach {point}: {line!r}\n{errors.read_text()}")
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=WAIT_S)
    world.clock.advance(300)


def code(world: SignedIn, secret: str = "") -> str:
    from app.security import totp

    world.clock.advance(30)
    return totp.current_code(secret or world.secret, world.clock.now())


def reopen(world: SignedIn, as_: str = "admin", secret: str = "") -> tuple[AppContext, Principal]:
    """What the operator does next: open with the same passphrase and sign in."""
    ws = Workspace.open(world.ctx.workspace.folder, passphrase=world.passphrase)
    ctx = AppContext.for_workspace(ws, world.clock)
    password = ADMIN_PASSWORD if as_ == "admin" else ROSA_PASSWORD
    return ctx, AuthService(ctx).login(as_, password, code(world, secret)).principal


def step_up(world: SignedIn, ctx: AppContext, principal: Principal, secret: str = "") -> Principal:
    return AuthService(ctx).step_up(principal, code(world, secret))


@pytest.fixture
def cli_verify(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`privdesk verify --kit … --json` as the operator runs it after the crash."""

    def run(world: SignedIn) -> dict[str, Any]:
        from app.security import totp

        monkeypatch.setattr(SystemClock, "now", lambda self: world.clock.now())
        monkeypatch.setattr(SystemClock, "monotonic", lambda self: world.clock.monotonic())
        world.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_PASSPHRASE", world.passphrase)
        monkeypatch.setenv("PRIVDESK_OPERATOR", "admin")
        monkeypatch.setenv("PRIVDESK_PASSWORD", ADMIN_PASSWORD)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(world.secret, world.clock.now()))
        folder = world.ctx.workspace.folder
        capsys.readouterr()
        code = main(["verify", "-w", str(folder), "--kit", str(folder.parent / "kit.json"),
                     "--json"])  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 0, out + err
        data: dict[str, Any] = json.loads(out)
        assert data["status"] == "OK" and data["audit"]["status"] == "OK", data
        assert data["cipher_integrity_check"] == [] and data["integrity_check"] == ["ok"]
        return data

    return run


def counts(ctx: AppContext) -> dict[str, int]:
    with ctx.read_session() as s:
        return {
            name: int(s.scalar(sql_select(func.count()).select_from(m)) or 0)
            for name, m in (("tickets", Ticket), ("comments", Comment))
        }


def import_now(world: SignedIn, ctx: AppContext, principal: Principal, export: Path) -> None:
    from app.helpdesk import HelpdeskService

    HelpdeskService(ctx, principal).import_zendesk(export)


# ---------------------------------------------------------------- import


@pytest.mark.parametrize("point", ["import-first-batch", "import-before-commit"])
def test_import_killed_before_commit_leaves_nothing_and_reruns(
    world: SignedIn, tmp_path: Path, point: str, cli_verify: Any
) -> None:
    """AUD-1, SQLC-5: an import is one transaction. Killed after its first 500 tickets were
    written, or with every row and its audit event written but not committed, it leaves
    no ticket, no comment and no `import.zendesk` event; verify is OK; the same import
    run again completes."""
    export = make_export(tmp_path)
    crash(world, "import", point, str(export))
    cli_verify(world)
    ctx, principal = reopen(world)
    try:
        assert counts(ctx) == {"tickets": 0, "comments": 0}
        assert audit_events(ctx, "import.zendesk") == []
        import_now(world, ctx, principal, export)
        assert counts(ctx) == {"tickets": 3 + IMPORTED, "comments": 4 + IMPORTED}
    finally:
        ctx.close()
    cli_verify(world)


def test_import_killed_after_commit_keeps_all_of_it(
    world: SignedIn, tmp_path: Path, cli_verify: Any
) -> None:
    """AUD-1, SQLC-5: killed right after COMMIT (WAL never checkpointed, no clean close):
    every ticket and comment and the one `import.zendesk` event are there."""
    export = make_export(tmp_path)
    crash(world, "import", "import-committed", str(export))
    cli_verify(world)
    ctx, _principal = reopen(world)
    try:
        assert counts(ctx) == {"tickets": 3 + IMPORTED, "comments": 4 + IMPORTED}
        assert len(audit_events(ctx, "import.zendesk")) == 1
    finally:
        ctx.close()


# ---------------------------------------------------------------- history redaction


def redacted_state(ctx: AppContext) -> tuple[list[int], list[int]]:
    """(ids of generated tickets whose address is gone, ids where it is still stored)."""
    gone, kept = [], []
    with ctx.read_session() as s:
        for ticket_id, description in s.execute(
            sql_select(Ticket.id, Ticket.description).where(Ticket.id >= 20_000).order_by(Ticket.id)
        ):
            (kept if email(ticket_id - 20_000) in (description or "") else gone).append(ticket_id)
    return gone, kept


@pytest.mark.parametrize(
    ("point", "committed_batches"),
    [("history-two-batches", 2), ("history-mid-batch", 2), ("history-before-done", 3)],
)
def test_history_redaction_killed_keeps_committed_batches_and_resumes(
    world: SignedIn, tmp_path: Path, cli_verify: Any, point: str, committed_batches: int
) -> None:
    """AUD-1, SQLC-5: each batch of tickets is rewritten together with the run's checkpoint
    and its audit event. Killed after 2 batches, in the middle of batch 3, or after the
    last batch before the run is marked done: exactly the committed batches are redacted
    (in the tables and in the FTS index) and recorded, the rest are untouched; verify is
    OK; resuming the run finishes the job."""
    import_now(world, world.ctx, world.principal, make_export(tmp_path, REDACTED))
    rosa, secret = world.add_operator("rosa", ["redaction_admin"])
    run = HistoryService(world.ctx, step_up(world, world.ctx, rosa, secret)).start()
    total = 3 + REDACTED
    crash(world, "history", point, str(run.id), as_="rosa", secret=secret)
    cli_verify(world)

    ctx, principal = reopen(world, "rosa", secret)
    try:
        applied = min(committed_batches * BATCH_TICKETS, total)
        with ctx.read_session() as s:
            row = s.get(RedactionRun, run.id)
            assert row is not None
            assert (row.status, row.done_tickets) == ("running", applied)
            ids = list(s.scalars(sql_select(Ticket.id).order_by(Ticket.id)))
            assert row.last_ticket_id == ids[applied - 1]
            last = ids[applied - 1]
            first_kept = ids[applied] if applied < total else None
            assert fts_count(s, "fts_tickets", email(last - 20_000)) == 0
            if first_kept is not None:
                assert fts_count(s, "fts_tickets", email(first_kept - 20_000)) == 1
        gone, kept = redacted_state(ctx)
        assert gone == [i for i in ids if 20_000 <= i <= last]
        assert kept == [i for i in ids if i > last]
        assert len(audit_events(ctx, "redaction.history.batch")) == committed_batches
        assert audit_events(ctx, "redaction.history.done") == []

        service = HistoryService(ctx, step_up(world, ctx, principal, secret))
        service.resume(run.id)
        done = service.run(run.id)
        assert (done.status, done.done_tickets) == ("done", total)
        assert redacted_state(ctx) == ([i for i in ids if i >= 20_000], [])
        batches = -(-total // BATCH_TICKETS)
        assert len(audit_events(ctx, "redaction.history.batch")) == batches
    finally:
        ctx.close()
    cli_verify(world)


# ---------------------------------------------------------------- rekey


@pytest.mark.parametrize(("point", "generation"), [("pending-written", 1), ("swapped", 2)])
def test_rekey_killed_after_dek_pending_opens_with_one_key_and_keeps_data(
    world: SignedIn, tmp_path: Path, cli_verify: Any, point: str, generation: int
) -> None:
    """SQLC-6: killed once keys.json holds `dek_pending` (before the swap: the old key
    opens; after it: the new key does). Either way the workspace opens with the same
    passphrase, keys.json is settled (no pending key, no rekey copy), verify is OK and
    every ticket is there as it was."""
    import_now(world, world.ctx, world.principal, make_export(tmp_path, 20))
    with world.ctx.read_session() as s:
        before = list(s.execute(sql_select(Ticket.id, Ticket.description).order_by(Ticket.id)))
    crash(world, "rekey", point)
    folder = world.ctx.workspace.folder
    assert "dek_pending" in json.loads((folder / "keys.json").read_text())
    cli_verify(world)
    keys = json.loads((folder / "keys.json").read_text())
    assert "dek_pending" not in keys and keys["dek_generation"] == generation
    assert not list(folder.glob("privdesk.db.rekey-*"))
    ctx, _principal = reopen(world)
    try:
        with ctx.read_session() as s:
            after = list(s.execute(sql_select(Ticket.id, Ticket.description).order_by(Ticket.id)))
        assert after == before
        assert len(audit_events(ctx, "keys.rekey")) == 1
    finally:
        ctx.close()


# ---------------------------------------------------------------- leftovers


def started_after_the_kill(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep removes only what is older than the sweeping process: the next process
    the operator starts is, here, this one from now on."""
    import time

    monkeypatch.setattr(workspace_module, "PROCESS_START", time.time())


@pytest.mark.parametrize("point", ["backup-copied", "backup-zip-written"])
def test_killed_backup_leaves_nothing_after_the_next_open(
    world: SignedIn, cli_verify: Any, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    """SQLC-8, issue 14: a backup killed after its database copy, or with the archive
    written but not renamed, leaves its temporary folder (and no `.pdbk` that could be
    taken for a finished backup); the next open removes it, verify names what it removed
    and is OK, and a new backup works."""
    backups = world.ctx.workspace.backups_dir
    crash(world, "backup", point)
    left = sorted(p.name for p in backups.iterdir())
    assert left and all(n.startswith(".privdesk-backup-") for n in left), left
    started_after_the_kill(monkeypatch)
    data = cli_verify(world)
    assert data["leftovers"] == []
    assert [Path(p).name for p in data["swept"]] == left
    assert list(backups.iterdir()) == []
    ctx, principal = reopen(world)
    try:
        from app.admin import AdminService

        result = AdminService(ctx, principal).backup()
        assert [p.name for p in backups.iterdir()] == [result.path.name]
    finally:
        ctx.close()


def test_partial_backup_files_are_swept_and_named(
    world: SignedIn, cli_verify: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `*.pdbk.partial` in backups/ (as an earlier version left it when killed while
    writing the archive) is removed on open and named by verify; finished backups stay."""
    backups = world.ctx.workspace.backups_dir
    finished = backups / "privdesk-kept.pdbk"
    finished.write_bytes(b"a finished backup")
    partial = backups / "privdesk-killed.pdbk.partial"
    partial.write_bytes(b"PK half an archive")
    os.utime(partial, (0, 0))  # left by an earlier process
    close_once(world.ctx)
    started_after_the_kill(monkeypatch)
    data = cli_verify(world)
    assert [Path(p).name for p in data["swept"]] == [partial.name]
    assert sorted(p.name for p in backups.iterdir()) == [finished.name]


def test_killed_restore_leaves_its_staging_folder_swept_on_the_next_restore_and_open(
    world: SignedIn, tmp_path: Path, cli_verify: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restore killed after unpacking leaves `.privdesk-restore-*` beside its target
    (holding the encrypted database and keys.json) and no target. Opening a workspace in
    that folder removes it and verify names it; a new restore into the same folder works
    and leaves no staging folder behind."""
    from app.admin import AdminService

    backup = AdminService(world.ctx, world.principal).backup()
    target = tmp_path / "restored"
    crash(world, "restore", "restore-unpacked", str(backup.path), str(target))
    staging = sorted(p.name for p in tmp_path.glob(".privdesk-restore-*"))
    assert len(staging) == 1 and not target.exists()
    started_after_the_kill(monkeypatch)
    data = cli_verify(world)
    assert list(tmp_path.glob(".privdesk-restore-*")) == []
    assert [Path(p).name for p in data["swept"]] == staging

    crash(world, "restore", "restore-unpacked", str(backup.path), str(target))
    started_after_the_kill(monkeypatch)
    restored = Workspace.restore(backup.path, target, passphrase=world.passphrase)
    try:
        assert restored.verify().ok
    finally:
        restored.close()
    assert list(tmp_path.glob(".privdesk-restore-*")) == []


# ---------------------------------------------------------------- audit anchors


def test_killed_between_anchor_commit_and_anchor_file_append(
    world: SignedIn, cli_verify: Any
) -> None:
    """AUD-2, AUD-7: a clean shutdown anchors the chain head; killed after the database
    recorded that anchor (`last_anchor_seq`) and before the line reached
    audit-anchors.jsonl, the next verify must still be OK: the database kept the signed
    line and the next start appends it (app.audit.log._repair_lost_anchor)."""
    crash(world, "close", "anchor-committed")
    cli_verify(world)


# ---------------------------------------------------------------- leftovers, no process


def old_folder(parent: Path, name: str) -> Path:
    left = parent / name
    left.mkdir()
    (left / "privdesk.db").write_bytes(b"an encrypted copy")
    (left / ".lock").write_bytes(b"")
    old = workspace_module.PROCESS_START - 3600
    os.utime(left, (old, old))
    return left


def test_a_running_restore_is_not_swept_and_a_stuck_one_is_named(
    world: SignedIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging folder whose restore still holds its lock stays; one that cannot be
    removed is named by verify as the leftover of a killed restore."""
    import fcntl

    from app import workspace_backup
    from app.admin import AdminService
    from app.cli.workspace import leftover_of

    busy = old_folder(tmp_path, ".privdesk-restore-busy")
    fd = os.open(busy / ".lock", os.O_WRONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        health = AdminService(world.ctx, world.principal).verify()
        assert busy.exists() and health.swept == () and health.leftovers == ()
    finally:
        os.close(fd)
    stuck = old_folder(tmp_path, ".privdesk-restore-stuck")
    monkeypatch.setattr(workspace_backup.shutil, "rmtree", lambda *a, **k: None)
    health = AdminService(world.ctx, world.principal).verify()
    assert set(health.leftovers) == {busy, stuck} and health.ok
    assert leftover_of(stuck) == "restore"


def test_a_backup_to_another_folder_sweeps_leftovers_there(world: SignedIn, tmp_path: Path) -> None:
    """`privdesk backup --to DIR/x.pdbk`: what a killed backup left in DIR goes first."""
    from app.admin import AdminService

    elsewhere = tmp_path / "usb"
    elsewhere.mkdir()
    left = old_folder(elsewhere, ".privdesk-backup-killed")
    partial = elsewhere / "old.pdbk.partial"
    partial.write_bytes(b"PK")
    os.utime(partial, (0, 0))
    result = AdminService(world.ctx, world.principal).backup(elsewhere / "x.pdbk")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.pdbk"]
    assert set(world.ctx.workspace.swept) >= {left, partial} and result.size > 0
