"""Backups, restore and key rotation (SQLC-6, SQLC-8), including a kill -9 mid-rotation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from app import store
from app.errors import BackupError, IntegrityFailure, WorkspaceExists, WrongKeyError
from app.workspace import Workspace
from tests.conftest import FakeKeyring, MadeWorkspace, SignedIn, keys_of

ROOT = Path(__file__).resolve().parent.parent


def _fill(ws: Workspace, rows: int = 1500) -> None:
    with ws.session() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS notes(id INTEGER PRIMARY KEY, body TEXT)"))
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<:rows) "
                "INSERT INTO notes(body) SELECT 'entry ' || i || hex(randomblob(16)) FROM n"
            ),
            {"rows": rows},
        )


def test_backup_restore_round_trip(made: MadeWorkspace, tmp_path: Path, fake_keyring) -> None:
    """SQLC-8: the restored workspace has identical table checksums and verifies clean."""
    _fill(made.ws)
    sums = made.ws.checksums()
    result = made.ws.backup()
    assert result.path.parent == made.folder / "backups"
    with zipfile.ZipFile(result.path) as zf:
        assert set(zf.namelist()) == {"manifest.json", "keys.json", "privdesk.db"}
        assert not zf.read("privdesk.db").startswith(b"SQLite format 3")
    fake_keyring.items.clear()  # restoring on another machine: only the passphrase helps
    restored = Workspace.restore(result.path, tmp_path / "restored", passphrase=made.passphrase)
    with restored:
        assert restored.checksums() == sums
        assert restored.verify().ok
        assert restored.unlock.mode == "passphrase"


def test_backup_opens_only_with_its_key(made: MadeWorkspace, tmp_path: Path) -> None:
    """SQLC-8: the DB inside a backup is encrypted under the workspace key, nothing else."""
    _fill(made.ws, 10)
    result = made.ws.backup(tmp_path / "b.pdbk")
    with zipfile.ZipFile(result.path) as zf:
        (tmp_path / "copy.db").write_bytes(zf.read("privdesk.db"))
    _kek, dek = keys_of(made.folder, made.passphrase)
    assert store.check_integrity(tmp_path / "copy.db", dek).ok
    with pytest.raises(WrongKeyError):
        store.raw_connect(tmp_path / "copy.db", os.urandom(32))


def test_tampered_backup_is_refused(made: MadeWorkspace, tmp_path: Path) -> None:
    _fill(made.ws)
    result = made.ws.backup(tmp_path / "b.pdbk")
    tampered = tmp_path / "tampered.pdbk"
    with zipfile.ZipFile(result.path) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = bytearray(src.read(name))
            if name == "privdesk.db":
                data[3 * 4096 + 100] ^= 0xFF
            dst.writestr(name, bytes(data))
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        Workspace.restore(tampered, tmp_path / "r1", passphrase=made.passphrase)
    assert not (tmp_path / "r1").exists()


def test_tampered_backup_with_forged_manifest_fails_integrity(
    made: MadeWorkspace, tmp_path: Path
) -> None:
    """Someone who also rewrites the manifest still cannot forge page MACs."""
    import hashlib

    _fill(made.ws)
    result = made.ws.backup(tmp_path / "b.pdbk")
    forged = tmp_path / "forged.pdbk"
    with zipfile.ZipFile(result.path) as src:
        members = {n: bytearray(src.read(n)) for n in src.namelist()}
    members["privdesk.db"][-100] ^= 0xFF
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["privdesk.db"] = hashlib.sha256(members["privdesk.db"]).hexdigest()
    members["manifest.json"] = bytearray(json.dumps(manifest).encode())
    with zipfile.ZipFile(forged, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, bytes(data))
    with pytest.raises(IntegrityFailure, match="failed verification"):
        Workspace.restore(forged, tmp_path / "r2", passphrase=made.passphrase)
    assert not (tmp_path / "r2").exists()


def test_restore_refuses_a_non_empty_target(made: MadeWorkspace, tmp_path: Path) -> None:
    result = made.ws.backup(tmp_path / "b.pdbk")
    with pytest.raises(WorkspaceExists):
        Workspace.restore(result.path, made.folder, passphrase=made.passphrase)


def test_not_a_backup_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdbk"
    junk.write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a zip archive"):
        Workspace.restore(junk, tmp_path / "r")


def test_rekey_old_key_fails_new_key_opens(made: MadeWorkspace, fake_keyring) -> None:
    """SQLC-6: rows unchanged, integrity clean, the old key no longer opens the file."""
    _fill(made.ws)
    sums = made.ws.checksums()
    _kek, old_dek = keys_of(made.folder, made.passphrase)
    generation = made.ws.rekey()
    assert generation == 2
    assert made.ws.checksums() == sums
    assert made.ws.verify().ok
    made.ws.close()
    with pytest.raises(WrongKeyError):
        store.raw_connect(made.folder / "privdesk.db", old_dek)
    _kek, new_dek = keys_of(made.folder, made.passphrase)
    assert new_dek != old_dek
    with Workspace.open(made.folder) as ws:
        assert ws.checksums() == sums
    assert not list(made.folder.glob("privdesk.db.rekey-*"))


CRASH_SCRIPT = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.conftest import FakeKeyring
import keyring
fake = FakeKeyring()
keyring.set_keyring(fake)
from app.workspace import Workspace
ws = Workspace.open(sys.argv[1], passphrase=sys.argv[2])
def stage(name):
    if name == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)
ws.rekey(stage=stage)
"""


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["copied", "verified", "pending-written", "swapped", "committed"])
def test_kill_during_rekey_leaves_an_openable_workspace(
    made: MadeWorkspace, stage: str, fake_keyring: FakeKeyring
) -> None:
    """SQLC-6: kill -9 at every step; the workspace opens (old or new key), data intact."""
    _fill(made.ws)
    sums = made.ws.checksums()
    made.ws.close()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_SCRIPT.format(root=str(ROOT)),
            str(made.folder),
            made.passphrase,
            stage,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with Workspace.open(made.folder, passphrase=made.passphrase) as ws:
        assert ws.checksums() == sums
        assert ws.verify().ok
    keys = json.loads((made.folder / "keys.json").read_text())
    assert "dek_pending" not in keys
    assert keys["dek_generation"] == (2 if stage in ("swapped", "committed") else 1)


def test_a_restored_backup_carries_its_audit_anchors_and_verifies_ok(
    admin: SignedIn, tmp_path: Path
) -> None:
    """AUD-7: the anchors file travels in the backup, so a restore is not ANCHORS_MISSING."""
    from app.audit.anchors import ANCHOR_FILENAME
    from app.audit.verify import VerifyStatus
    from app.context import AppContext

    with admin.ctx.session() as s:
        assert admin.ctx.audit.checkpoint(s) is not None
    anchors = (admin.ctx.workspace.folder / ANCHOR_FILENAME).read_bytes()
    result = admin.ctx.workspace.backup()
    with zipfile.ZipFile(result.path) as zf:
        assert zf.read(ANCHOR_FILENAME) == anchors

    restored = Workspace.restore(result.path, tmp_path / "restored", passphrase=admin.passphrase)
    try:
        assert (restored.folder / ANCHOR_FILENAME).read_bytes() == anchors
        ctx = AppContext(restored, admin.clock)
        with ctx.read_session() as s:
            outcome = ctx.audit.verify(s)
        assert outcome.status is VerifyStatus.OK, outcome
    finally:
        restored.close()
