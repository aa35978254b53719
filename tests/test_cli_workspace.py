"""The `privdesk` command line as a script would use it: exit codes, JSON, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from app.clock import FixedClock, SystemClock
from app.security import totp

PASSWORD = "a long admin passphrase 42"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    """The CLI builds SystemClocks; tests steer them so each TOTP code is a fresh step."""
    fixed = FixedClock()
    monkeypatch.setattr(SystemClock, "now", lambda self: fixed.now())
    monkeypatch.setattr(SystemClock, "monotonic", lambda self: fixed.monotonic())
    return fixed


def _init(capsys, monkeypatch, clock: FixedClock, ws: Path) -> dict:
    monkeypatch.setenv("PRIVDESK_PASSWORD", PASSWORD)
    code, out, err = run(capsys, "init", "--workspace", str(ws), "--admin", "dana", "--json")
    assert code == 0, err
    data = json.loads(out)
    monkeypatch.setenv("PRIVDESK_PASSPHRASE", data["recovery_passphrase"])
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(data["totp_secret"], clock.now()))
    code, _out, err = run(capsys, "operators", "confirm", "dana", "-w", str(ws))
    assert code == 0, err
    return data


def _login(capsys, monkeypatch, clock: FixedClock, ws: Path, secret: str) -> None:
    clock.advance(30)
    monkeypatch.setenv("PRIVDESK_OPERATOR", "dana")
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, clock.now()))
    code, out, err = run(capsys, "login", "-w", str(ws), "--json")
    assert code == 0, err
    monkeypatch.setenv("PRIVDESK_SESSION", json.loads(out)["session"])
    monkeypatch.delenv("PRIVDESK_TOTP")


def test_init_login_and_workspace_commands(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring,
    clock: FixedClock,
) -> None:
    ws = tmp_path / "ws"
    data = _init(capsys, monkeypatch, clock, ws)
    assert set(data) >= {"workspace_id", "recovery_passphrase", "keyring", "totp_uri"}
    assert data["keyring"]["state"] == "no-backend"
    assert Path(data["verifier_kit"]).is_file()

    # Headless, no passphrase: exit 2 with one line saying why.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    passphrase = data["recovery_passphrase"]
    monkeypatch.delenv("PRIVDESK_PASSPHRASE")
    code, _out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 2
    assert err.count("\n") == 1 and "system keyring unavailable" in err
    assert "Traceback" not in err
    monkeypatch.setenv("PRIVDESK_PASSPHRASE", passphrase)

    # Not signed in: refused with a one-line reason.
    code, _out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 2 and "operator needed" in err

    _login(capsys, monkeypatch, clock, ws, data["totp_secret"])
    code, out, err = run(capsys, "verify", "-w", str(ws), "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "OK"

    code, out, _ = run(capsys, "backup", "-w", str(ws), "--json")
    backup = Path(json.loads(out)["path"])
    assert code == 0 and backup.is_file()

    code, out, err = run(capsys, "rekey", "-w", str(ws), "--json")
    assert code == 0, err
    assert json.loads(out)["key_generation"] == 2

    code, out, err = run(
        capsys, "audit", "verify", "-w", str(ws), "--kit", data["verifier_kit"], "--json"
    )
    assert code == 0, err
    assert json.loads(out)["status"] == "OK" and json.loads(out)["with_kit"] is True

    code, out, err = run(capsys, "restore", str(backup), "-w", str(tmp_path / "r"), "--json")
    assert code == 0, err
    assert json.loads(out)["workspace_id"] == data["workspace_id"]

    monkeypatch.setenv("PRIVDESK_PASSPHRASE", "WRONG-WRONG-WRONG")
    code, out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 2 and err.strip() == "privdesk: wrong recovery passphrase"


def test_verify_exit_1_on_damage(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring,
    clock: FixedClock,
) -> None:
    ws = tmp_path / "ws"
    data = _init(capsys, monkeypatch, clock, ws)
    _login(capsys, monkeypatch, clock, ws, data["totp_secret"])
    db = ws / "privdesk.db"
    with open(db, "r+b") as fh:
        fh.seek(db.stat().st_size - 300)
        fh.write(b"\x00\x01\x02")
    code, out, err = run(capsys, "verify", "-w", str(ws), "--json")
    assert code == 1, err
    report = json.loads(out)
    assert report["status"] == "FAILED"
    assert any("HMAC verification failed for page" in p for p in report["cipher_integrity_check"])
    # Whether the damaged page stops sign-in (then the report comes from the key alone and
    # names the integrity failure) depends on which table the last page holds.
    assert "integrity failure" in report.get("error", "integrity failure")


def test_bad_usage_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "no-such-command")
    assert code == 2
    assert err.count("\n") == 1 and "invalid choice" in err

    code, _out, err = run(capsys, "verify")
    assert code == 2 and "no workspace given" in err


def test_missing_workspace_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "verify", "-w", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err


@pytest.mark.slow
def test_console_script_and_module_entry_point(tmp_path: Path) -> None:
    """`python -m views` (what `privdesk` runs) selftests SQLCipher 4 and the Qt plugin."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "views", "selftest", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    data = json.loads(proc.stdout)
    assert data["sqlcipher"]["version"].startswith("4.")
    assert data["qt"]["ok"] is True
    assert data["keyring"]["state"] == "no-backend"  # conftest forces the fail backend


def test_unexpected_error_is_one_line_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad things happen: the user still gets one line, never a traceback with data in it."""
    from app.cli import machine

    def boom(_args: object) -> int:
        raise RuntimeError("customer jane@example.com broke it")

    monkeypatch.setattr(machine, "cmd_selftest", boom)
    code, _out, err = run(capsys, "selftest")
    assert code == 2
    assert err == (
        "privdesk: internal error (RuntimeError); run again with PRIVDESK_DEBUG=1 for details\n"
    )
