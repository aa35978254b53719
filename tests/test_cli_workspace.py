"""The `privdesk` command line as a script would use it: exit codes, JSON, one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_json_then_commands_with_passphrase_env(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring
) -> None:
    ws = tmp_path / "ws"
    code, out, err = run(capsys, "init", "--workspace", str(ws), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"workspace_id", "recovery_passphrase", "keyring"}
    assert data["keyring"]["state"] == "no-backend"

    # Headless with no passphrase: exit 2 with one line saying why.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 2
    assert err.count("\n") == 1 and "system keyring unavailable" in err
    assert "Traceback" not in err

    monkeypatch.setenv("PRIVDESK_PASSPHRASE", data["recovery_passphrase"])
    code, out, err = run(capsys, "verify", "-w", str(ws), "--json")
    assert code == 0 and json.loads(out)["status"] == "OK"

    code, out, _ = run(capsys, "backup", "-w", str(ws), "--json")
    backup = Path(json.loads(out)["path"])
    assert code == 0 and backup.is_file()

    code, out, _ = run(capsys, "rekey", "-w", str(ws), "--json")
    assert code == 0 and json.loads(out)["key_generation"] == 2

    code, out, err = run(capsys, "restore", str(backup), "-w", str(tmp_path / "r"), "--json")
    assert code == 0, err
    assert json.loads(out)["workspace_id"] == data["workspace_id"]

    monkeypatch.setenv("PRIVDESK_PASSPHRASE", "WRONG-WRONG-WRONG")
    code, out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 2 and err.strip() == "privdesk: wrong recovery passphrase"


def test_verify_exit_1_on_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, no_keyring
) -> None:
    ws = tmp_path / "ws"
    _code, out, _ = run(capsys, "init", "-w", str(ws), "--json")
    monkeypatch.setenv("PRIVDESK_PASSPHRASE", json.loads(out)["recovery_passphrase"])
    db = ws / "privdesk.db"
    with open(db, "r+b") as fh:
        fh.seek(db.stat().st_size - 300)
        fh.write(b"\x00\x01\x02")
    code, out, _err = run(capsys, "verify", "-w", str(ws), "--json")
    assert code == 1
    assert json.loads(out)["status"] == "FAILED"


def test_bad_usage_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err

    code, _out, err = run(capsys, "verify")
    assert code == 2 and "no workspace given" in err


def test_missing_workspace_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "verify", "-w", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err


@pytest.mark.slow
def test_console_script_and_module_entry_point(tmp_path: Path) -> None:
    """`python -m app` works and selftest reports SQLCipher 4 and the Qt plugin."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "app", "selftest", "--json"],
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
