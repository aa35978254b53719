"""Workspace backup files (`.pdbk`): one zip with the encrypted database, keys.json and a
SHA-256 manifest; writing one, and unpacking one with every member checked."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app import __version__, store
from app.clock import Clock, utc_iso
from app.errors import BackupError, IntegrityFailure
from app.workspace_keys import DB_NAME, KEYS_NAME

BACKUP_FORMAT = "privdesk-backup/1"
BACKUP_SUFFIX = ".pdbk"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int


def write_archive(
    to: Path, engine: Engine, dek: bytes, keys_path: Path, workspace_id: str, clock: Clock
) -> BackupResult:
    """Write the backup file `to`: a verified SQLCipher copy, keys.json and a manifest."""
    with tempfile.TemporaryDirectory(dir=to.parent, prefix=".privdesk-backup-") as tmp:
        db_copy = Path(tmp) / DB_NAME
        with engine.connect() as conn:
            store.backup_to(conn.connection.dbapi_connection, db_copy, dek)
            conn.rollback()
        after = store.check_integrity(db_copy, dek)
        if not after.ok:
            raise IntegrityFailure(f"backup copy failed verification: {after.summary()}")
        keys_bytes = keys_path.read_bytes()
        db_hash = sha256_file(db_copy)
        manifest = {
            "format": BACKUP_FORMAT,
            "workspace_id": workspace_id,
            "created_at": utc_iso(clock.now()),
            "app_version": __version__,
            "cipher_version": store.cipher_version(),
            "files": {
                DB_NAME: db_hash,
                KEYS_NAME: hashlib.sha256(keys_bytes).hexdigest(),
            },
        }
        partial = to.with_name(to.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
            zf.writestr(KEYS_NAME, keys_bytes)
            zf.write(db_copy, DB_NAME)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, to)
    return BackupResult(to, sha256_file(to), to.stat().st_size)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def unpack_backup(backup_file: Path, staging: Path) -> None:
    name = backup_file.name
    try:
        with zipfile.ZipFile(backup_file) as zf:
            members = set(zf.namelist())
            expected = {"manifest.json", KEYS_NAME, DB_NAME}
            if members != expected:
                raise BackupError(f"{name}: not a PrivDesk backup (unexpected contents)")
            manifest = json.loads(zf.read("manifest.json"))
            if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
                raise BackupError(f"{name}: manifest.json is not a {BACKUP_FORMAT} manifest")
            files = manifest.get("files", {})
            for member in (KEYS_NAME, DB_NAME):
                out = staging / member
                with zf.open(member) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                os.chmod(out, 0o600)
                if sha256_file(out) != files.get(member):
                    raise BackupError(
                        f"{name}: {member} does not match its SHA-256 in the manifest "
                        "(backup altered or damaged); nothing was restored"
                    )
    except zipfile.BadZipFile:
        raise BackupError(f"{name}: not a PrivDesk backup (not a zip archive)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError(f"{name}: manifest.json is unreadable") from None
