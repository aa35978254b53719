"""Hostile and broken workspace files (issue 14): a zip-bomb backup is refused before
anything is extracted (SQLC-8: restore writes nothing unless the backup verifies), a
keys.json with absurd scrypt parameters is "malformed", never an internal error, and the
folder a killed backup leaves in backups/ is swept on open and named by verify."""

from __future__ import annotations

import fcntl
import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app import workspace_backup
from app.errors import BackupError, BadWorkspace
from app.workspace import PROCESS_START, Workspace
from app.workspace_backup import MAX_RATIO
from tests.conftest import FakeKeyring, MadeWorkspace
from tests.test_cli_workspace import _init, _login, clock, run  # noqa: F401

MANIFEST = json.dumps({"format": "privdesk-backup/1", "files": {}})


def _no_restore_debris(parent: Path, target: Path) -> None:
    assert not target.exists()
    assert list(parent.glob(".privdesk-restore-*")) == []


def _set_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite the central directory's uncompressed size of `member` (a lying header)."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == member.encode():
            struct.pack_into("<I", data, at + 24, size)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    else:
        raise AssertionError(member)
    path.write_bytes(bytes(data))


def test_zip_bomb_is_refused_before_extraction(tmp_path: Path) -> None:
    """40 MB of zeros in ~40 KB: over 100:1, refused from the header, nothing written."""
    bomb = tmp_path / "bomb.pdbk"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", MANIFEST)
        zf.writestr("keys.json", "{}")
        zf.writestr("privdesk.db", b"\0" * (40 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(BackupError) as err:
        Workspace.restore(bomb, tmp_path / "r")
    assert "bomb.pdbk: privdesk.db" in err.value.message
    assert f"over {MAX_RATIO}:1" in err.value.message
    assert "nothing was restored" in err.value.message
    _no_restore_debris(tmp_path, tmp_path / "r")


def test_member_declared_over_its_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.pdbk"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", MANIFEST)
        zf.writestr("keys.json", os.urandom(2 << 20))  # keys.json is a few KiB; cap 1 MiB
        zf.writestr("privdesk.db", b"x")
    with pytest.raises(BackupError, match=r"big\.pdbk: keys\.json declares 2,097,152 bytes"):
        Workspace.restore(big, tmp_path / "r")
    _no_restore_debris(tmp_path, tmp_path / "r")


def test_lying_header_cannot_expand_past_what_it_declared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header claims 64 KiB (ratio looks fine); the stream holds 40 MB of zeros."""
    liar = tmp_path / "liar.pdbk"
    with zipfile.ZipFile(liar, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", MANIFEST)
        zf.writestr("keys.json", "{}")
        zf.writestr("privdesk.db", b"\0" * (40 << 20))
    _set_declared_size(liar, "privdesk.db", 64 << 10)
    written: list[int] = []
    real = workspace_backup._extract_capped

    def spy(name: str, zf: Any, info: Any, out: Path) -> None:
        try:
            real(name, zf, info, out)
        finally:
            written.append(out.stat().st_size if out.exists() else 0)

    monkeypatch.setattr(workspace_backup, "_extract_capped", spy)
    with pytest.raises(BackupError, match=r"liar\.pdbk: .*nothing was restored"):
        Workspace.restore(liar, tmp_path / "r")
    assert max(written) <= 64 << 10  # never more than the header declared
    _no_restore_debris(tmp_path, tmp_path / "r")


def test_a_real_backup_still_restores(made: MadeWorkspace, tmp_path: Path) -> None:
    result = made.ws.backup(tmp_path / "ok.pdbk")
    with Workspace.restore(result.path, tmp_path / "r", passphrase=made.passphrase) as ws:
        assert ws.verify().ok


# ---------------------------------------------------------------- keys.json scrypt


BAD_PARAMS = [
    ({"n": 2**40, "r": 8, "p": 1}, "scrypt n must be a power of two"),
    ({"n": 0, "r": 8, "p": 1}, "scrypt n must be a power of two"),
    ({"n": 3000, "r": 8, "p": 1}, "scrypt n must be a power of two"),
    ({"n": 4096, "r": 0, "p": 1}, "scrypt r must be from 1 to 32"),
    ({"n": 4096, "r": 8, "p": 0}, "scrypt p must be from 1 to 16"),
    ({"n": 2**20, "r": 32, "p": 16}, "more than 1 GiB"),
    ({"n": "4096", "r": 8, "p": 1}, "scrypt n must be an integer"),
    ({"n": True, "r": 8, "p": 1}, "scrypt n must be an integer"),
    ("n=4096", "scrypt params is not an object"),
]


def _spoil(folder: Path, params: Any) -> None:
    keys_path = folder / "keys.json"
    keys = json.loads(keys_path.read_text())
    keys["kek"]["params"] = params
    keys_path.write_text(json.dumps(keys))


@pytest.mark.parametrize(("params", "why"), BAD_PARAMS)
def test_absurd_scrypt_parameters_are_malformed_not_internal(
    made: MadeWorkspace, fake_keyring: FakeKeyring, params: Any, why: str
) -> None:
    made.ws.close()
    _spoil(made.folder, params)
    fake_keyring.items.clear()
    with pytest.raises(BadWorkspace) as err:
        Workspace.open(made.folder, passphrase=made.passphrase)
    assert err.value.message.startswith("the passphrase wrap in keys.json is malformed: ")
    assert why in err.value.message


def test_missing_salt_is_malformed(made: MadeWorkspace, fake_keyring: FakeKeyring) -> None:
    made.ws.close()
    keys = json.loads((made.folder / "keys.json").read_text())
    keys["kek"]["salt"] = "AAAA"  # 3 bytes
    (made.folder / "keys.json").write_text(json.dumps(keys))
    with pytest.raises(BadWorkspace, match="malformed: salt must be 16 to 64 bytes"):
        Workspace.open(made.folder, passphrase=made.passphrase)


@pytest.mark.parametrize("command", ["info", "verify"])
@pytest.mark.parametrize(("params", "why"), BAD_PARAMS[:4])
def test_cli_says_malformed_and_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
    clock: Any,  # noqa: F811
    command: str,
    params: Any,
    why: str,
) -> None:
    ws = tmp_path / "ws"
    data = _init(capsys, monkeypatch, clock, ws)
    _login(capsys, monkeypatch, clock, ws, data["totp_secret"])
    _spoil(ws, params)
    code, _out, err = run(capsys, command, "-w", str(ws))
    assert code == 2
    assert err.startswith("privdesk: the passphrase wrap in keys.json is malformed: ")
    assert why in err and "internal error" not in err and err.count("\n") == 1


# ---------------------------------------------------------------- killed backup


def _leftover(folder: Path, name: str = ".privdesk-backup-k1ll3d") -> Path:
    left = folder / "backups" / name
    left.mkdir()
    (left / "privdesk.db").write_bytes(b"half a copy")
    (left / ".lock").write_bytes(b"")
    old = PROCESS_START - 3600
    os.utime(left, (old, old))
    return left


def test_killed_backup_leftover_is_swept_on_open(
    made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    made.ws.close()
    left = _leftover(made.folder)
    mine = made.folder / "backups" / "privdesk-keep.pdbk"  # the user's own files stay
    mine.write_bytes(b"a backup")
    other = made.folder / "backups" / "notes-privdesk-backup-x"
    other.mkdir()
    with Workspace.open(made.folder) as ws:
        assert not left.exists()
        assert mine.exists() and other.exists()
        assert ws.leftovers == ()
        assert ws.verify().ok


def test_a_running_backup_folder_is_not_swept(
    made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    made.ws.close()
    busy = _leftover(made.folder, ".privdesk-backup-busy")
    fd = os.open(busy / ".lock", os.O_WRONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process is still writing this backup
        with Workspace.open(made.folder):
            assert busy.exists()
    finally:
        os.close(fd)


def test_verify_removes_the_leftover_or_names_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_keyring: None,
    clock: Any,  # noqa: F811
) -> None:
    ws = tmp_path / "ws"
    data = _init(capsys, monkeypatch, clock, ws)
    _login(capsys, monkeypatch, clock, ws, data["totp_secret"])
    left = _leftover(ws)
    code, out, err = run(capsys, "verify", "-w", str(ws), "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "OK" and json.loads(out)["leftovers"] == []
    assert not left.exists()

    stuck = _leftover(ws, ".privdesk-backup-stuck")
    monkeypatch.setattr(workspace_backup.shutil, "rmtree", lambda *a, **k: None)
    code, out, err = run(capsys, "verify", "-w", str(ws))
    assert code == 0, err
    assert f"leftover of a killed backup could not be removed: {stuck}" in out


def test_gui_verify_text_names_a_stuck_leftover(
    made: MadeWorkspace, fake_keyring: FakeKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GUI's "Verify workspace" shows the same warning as `privdesk verify`."""
    from app.admin import HealthReport
    from app.audit.verify import VerifyResult, VerifyStatus
    from views.workspace_actions import health_text

    made.ws.close()
    stuck = _leftover(made.folder, ".privdesk-backup-stuck")
    monkeypatch.setattr(workspace_backup.shutil, "rmtree", lambda *a, **k: None)
    with Workspace.open(made.folder) as ws:
        assert ws.leftovers == (stuck,)
        audit = VerifyResult(VerifyStatus.OK, None, 0, None, "the chain is intact")
        text = health_text(HealthReport(ws.verify(), audit, ws.leftovers))
    assert f"Leftover of a killed backup could not be removed: {stuck}" in text
