"""Truncation and anchor-file attacks through `privdesk audit verify` (issue 14; AUD-2d, AUD-7).

The attacker holds the database key: they open the workspace with the recovery passphrase,
drop the append-only trigger (defence in depth, AUD-5), cut the tail of `audit_log`, make
`audit_state` agree with the new tail, put the trigger back, and delete or shorten
`audit-anchors.jsonl`. They leave `last_anchor_seq` alone here: the database's own record of
the newest exported checkpoint is what catches them. Every run goes through the CLI, which
opens the workspace as the app does (evolving the key, appending events), so the app itself
must not paper over the evidence either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.audit.anchors import ANCHOR_FILENAME, read_anchors
from app.cli.main import main
from app.clock import FixedClock, SystemClock
from app.security import totp
from app.workspace import Workspace

PASSWORD = "a long admin passphrase 42"
NO_DELETE = "audit_log_no_delete"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Cli:
    def __init__(self, capsys: Any, monkeypatch: Any, clock: FixedClock, ws: Path) -> None:
        self.capsys, self.clock, self.ws = capsys, clock, ws
        monkeypatch.setenv("PRIVDESK_PASSWORD", PASSWORD)
        code, out, err = run(capsys, "init", "--workspace", str(ws), "--admin", "dana", "--json")
        assert code == 0, err
        data = json.loads(out)
        self.passphrase = data["recovery_passphrase"]
        self.kit = data["verifier_kit"]
        secret = data["totp_secret"]
        monkeypatch.setenv("PRIVDESK_PASSPHRASE", self.passphrase)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, clock.now()))
        code, _out, err = run(capsys, "operators", "confirm", "dana", "-w", str(ws))
        assert code == 0, err
        clock.advance(30)
        monkeypatch.setenv("PRIVDESK_OPERATOR", "dana")
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, clock.now()))
        code, out, err = run(capsys, "login", "-w", str(ws), "--json")
        assert code == 0, err
        monkeypatch.setenv("PRIVDESK_SESSION", json.loads(out)["session"])
        monkeypatch.delenv("PRIVDESK_TOTP")

    @property
    def anchors_path(self) -> Path:
        return self.ws / ANCHOR_FILENAME

    def verify(self, *, kit: bool = False) -> tuple[int, dict[str, Any]]:
        self.clock.advance(60)
        extra = ["--kit", self.kit] if kit else []
        code, out, err = run(self.capsys, "audit", "verify", "-w", str(self.ws), *extra, "--json")
        assert "Traceback" not in err
        return code, json.loads(out)

    def verify_text(self) -> tuple[int, str]:
        self.clock.advance(60)
        code, out, _err = run(self.capsys, "audit", "verify", "-w", str(self.ws))
        return code, out

    def db(self, statement: str, **params: Any) -> list[Any]:
        """Raw SQL through the keyed connection: what someone with the DB key can do."""
        ws = Workspace.open(self.ws, passphrase=self.passphrase, clock=self.clock)
        try:
            with ws.engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            ws.close()

    def state(self) -> Any:
        return self.db("SELECT last_seq, last_anchor_seq FROM audit_state WHERE id = 1")[0]

    def cut_tail(self, keep: int) -> None:
        """Delete every event after `keep` and make audit_state agree with the new tail."""
        [(trigger_sql,)] = self.db(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n", n=NO_DELETE
        )
        self.db(f"DROP TRIGGER {NO_DELETE}")
        self.db("DELETE FROM audit_log WHERE seq > :k", k=keep)
        [(mac,)] = self.db("SELECT mac FROM audit_log WHERE seq = :k", k=keep)
        self.db("UPDATE audit_state SET last_seq = :k, head_mac = :m WHERE id = 1", k=keep, m=mac)
        self.db(trigger_sql)
        assert self.db("SELECT count(*) FROM sqlite_master WHERE name = :n", n=NO_DELETE) == [(1,)]


@pytest.fixture
def cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
) -> Cli:
    fixed = FixedClock()
    monkeypatch.setattr(SystemClock, "now", lambda self: fixed.now())
    monkeypatch.setattr(SystemClock, "monotonic", lambda self: fixed.monotonic())
    c = Cli(capsys, monkeypatch, fixed, tmp_path / "ws")
    for _ in range(3):  # some history; each run anchors its head at shutdown
        assert c.verify()[0] == 0
    return c


def test_clean_workspace_verifies_ok_with_and_without_the_kit(cli: Cli) -> None:
    for kit in (False, True):
        code, report = cli.verify(kit=kit)
        assert (code, report["status"]) == (0, "OK"), report
    last_seq, last_anchor_seq = cli.state()
    assert last_anchor_seq == last_seq == read_anchors(cli.anchors_path)[-1].seq


def test_truncated_tail_and_deleted_anchor_file_is_truncated(cli: Cli) -> None:
    """Issue 14: this verified OK, with and without the kit (AUD-2d, AUD-7)."""
    _last_seq, recorded = cli.state()
    cli.cut_tail(2)
    cli.anchors_path.unlink()

    for kit in (False, True):
        code, report = cli.verify(kit=kit)
        assert (code, report["status"], report["seq"]) == (1, "TRUNCATED", recorded), report
        assert f"checkpoint at event {recorded}" in report["message"]
    code, out = cli.verify_text()
    assert code == 1 and out.startswith("TRUNCATED: ") and f"event {recorded}" in out
    # The app's own runs (key evolution, shutdown checkpoint) did not re-create the file
    # or lower the recorded checkpoint, which would have hidden the attack.
    assert not cli.anchors_path.exists()
    assert cli.state()[1] == recorded
    # Once the app has written past the recorded checkpoint, the missing file still says so.
    # (`count` is the length of the log the verification saw, its own run's events included.)
    while (report := cli.verify()[1])["count"] < recorded:
        assert report["status"] == "TRUNCATED", report
    assert report["status"] == "ANCHORS_MISSING", report
    code, report = cli.verify(kit=True)
    assert (code, report["status"], report["seq"]) == (1, "ANCHORS_MISSING", recorded)


def test_deleted_anchor_file_is_anchors_missing_and_stays_so(cli: Cli) -> None:
    _last_seq, recorded = cli.state()
    cli.anchors_path.unlink()

    for kit in (False, True, False):  # each run writes events and a shutdown checkpoint
        code, report = cli.verify(kit=kit)
        assert (code, report["status"], report["seq"]) == (1, "ANCHORS_MISSING", recorded)
        assert ANCHOR_FILENAME in report["message"] and str(recorded) in report["message"]
    code, out = cli.verify_text()
    assert code == 1 and out.startswith("ANCHORS_MISSING: ") and str(recorded) in out
    assert not cli.anchors_path.exists()


def test_shortened_anchor_file_is_truncated(cli: Cli) -> None:
    _last_seq, recorded = cli.state()
    lines = cli.anchors_path.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 3
    cli.anchors_path.write_bytes(b"".join(lines[:-2]))  # the two newest checkpoints go
    newest = read_anchors(cli.anchors_path)[-1].seq
    assert newest < recorded

    for kit in (False, True):
        code, report = cli.verify(kit=kit)
        assert (code, report["status"], report["seq"]) == (1, "TRUNCATED", recorded), report
        assert f"ends at event {newest}" in report["message"]
    assert read_anchors(cli.anchors_path)[-1].seq == newest  # nothing appended over it


def test_truncated_tail_grown_again_is_truncated_not_epoch_mismatch(cli: Cli) -> None:
    """Issue 14: with the kit this was EPOCH_MISMATCH (without it, MODIFIED).

    The last event goes; the next run writes new events at and past its seq under the new
    epoch, so the anchor at that seq meets a different, later event."""
    _last_seq, recorded = cli.state()
    assert read_anchors(cli.anchors_path)[-1].seq == recorded
    cli.cut_tail(recorded - 1)

    for kit in (True, False):
        code, report = cli.verify(kit=kit)
        assert (code, report["status"], report["seq"]) == (1, "TRUNCATED", recorded), report
        assert f"truncated before event {recorded}" in report["message"]
