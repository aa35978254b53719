"""Workspace backup files (`.pdbk`): one zip with the encrypted database, keys.json and a
SHA-256 manifest; writing one, and unpacking one with every member checked."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine

from app import __version__, store
from app.audit.anchors import ANCHOR_FILENAME
from app.clock import Clock, utc_iso
from app.errors import BackupError, IntegrityFailure
from app.workspace_keys import DB_NAME, KEYS_NAME, fsync_dir

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # Windows: no flock; the age check alone guards a running backup
    fcntl = None

BACKUP_FORMAT = "privdesk-backup/1"
BACKUP_SUFFIX = ".pdbk"
# The temporary folder a backup is assembled in (removed when it finishes; a killed backup
# leaves it behind, and `Workspace.open` sweeps such leftovers from backups/).
TEMP_PREFIX = ".privdesk-backup-"
# A restore unpacks into such a folder beside its target, renamed into place once verified.
RESTORE_PREFIX = ".privdesk-restore-"
PARTIAL_SUFFIX = BACKUP_SUFFIX + ".partial"
LOCK_NAME = ".lock"

# Limits checked on every member of a backup *before* anything is extracted, then enforced
# again while streaming (a lying header cannot write more than its own limit):
# - privdesk.db at most 64 GiB (PrivDesk's stores are well under 10 GiB; SQLCipher pages
#   are encrypted, so the database never compresses: backups store it uncompressed);
# - keys.json and manifest.json at most 1 MiB each (a few KiB in practice);
# - any member over 1 MiB expanding more than 100:1 is refused (a zip bomb; real members
#   are stored or compress a few times at most).
MEMBER_LIMITS = {
    "manifest.json": 1 << 20,
    KEYS_NAME: 1 << 20,
    DB_NAME: 64 << 30,
    ANCHOR_FILENAME: 256 << 20,  # one short line per checkpoint
}
# The audit anchors travel with the database they anchor (a restore without them would
# verify ANCHORS_MISSING); older backups, and workspaces that never anchored, lack it.
OPTIONAL_MEMBERS = frozenset({ANCHOR_FILENAME})
MAX_RATIO = 100
RATIO_FLOOR = 1 << 20


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int


def write_archive(
    to: Path, engine: Engine, dek: bytes, keys_path: Path, workspace_id: str, clock: Clock
) -> BackupResult:
    """Write the backup file `to`: a verified SQLCipher copy, keys.json and a manifest."""
    with (
        tempfile.TemporaryDirectory(dir=to.parent, prefix=TEMP_PREFIX) as tmp,
        _held_lock(Path(tmp) / LOCK_NAME),
    ):
        db_copy = Path(tmp) / DB_NAME
        anchors_path = keys_path.parent / ANCHOR_FILENAME
        # A checkpoint written during the copy would make the file disagree with the copied
        # database's `last_anchor_seq`: copy again until the file is the same before and after.
        for _attempt in range(3):
            anchors_before = _read_optional(anchors_path)
            with engine.connect() as conn:
                store.backup_to(conn.connection.dbapi_connection, db_copy, dek)
                conn.rollback()
            anchors_bytes = _read_optional(anchors_path)
            if anchors_bytes == anchors_before:
                break
        after = store.check_integrity(db_copy, dek)
        if not after.ok:
            raise IntegrityFailure(f"backup copy failed verification: {after.summary()}")
        keys_bytes = keys_path.read_bytes()
        files = {DB_NAME: sha256_file(db_copy), KEYS_NAME: hashlib.sha256(keys_bytes).hexdigest()}
        if anchors_bytes is not None:
            files[ANCHOR_FILENAME] = hashlib.sha256(anchors_bytes).hexdigest()
        manifest = {
            "format": BACKUP_FORMAT,
            "workspace_id": workspace_id,
            "created_at": utc_iso(clock.now()),
            "app_version": __version__,
            "cipher_version": store.cipher_version(),
            "files": files,
        }
        # Assembled inside the locked folder, so a kill leaves nothing that looks like a
        # backup and the sweep on open removes it all; renamed into place when complete.
        partial = Path(tmp) / (to.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
            zf.writestr(KEYS_NAME, keys_bytes)
            if anchors_bytes is not None:
                zf.writestr(ANCHOR_FILENAME, anchors_bytes)
            zf.write(db_copy, DB_NAME)
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, to)
        fsync_dir(to.parent)
    return BackupResult(to, sha256_file(to), to.stat().st_size)


def _read_optional(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _held_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` while a backup runs, so the sweep on open can tell a
    live backup (lock held) from one whose process was killed (lock free)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _in_use(folder: Path) -> bool:
    lock = folder / LOCK_NAME
    if fcntl is None or not lock.exists():
        return False
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


@dataclass(frozen=True)
class Sweep:
    """What a sweep removed, and what it found but could not remove."""

    removed: tuple[Path, ...] = ()
    stuck: tuple[Path, ...] = ()

    def __add__(self, other: Sweep) -> Sweep:
        return Sweep(self.removed + other.removed, self.stuck + other.stuck)


def sweep_leftovers(
    folder: Path, older_than: float, *, prefix: str = TEMP_PREFIX, partials: bool = True
) -> Sweep:
    """Remove what a killed backup or restore left in `folder`: temporary folders named
    `prefix*` (`.privdesk-backup-*`, or `.privdesk-restore-*` beside a restore target) and,
    with `partials`, unfinished archives `*.pdbk.partial` (written by earlier versions
    beside the backup; this one assembles the archive inside its locked folder). Only
    those patterns, only entries last changed before `older_than` (the process start)
    and, for folders, not locked by a running backup or restore."""
    removed: list[Path] = []
    stuck: list[Path] = []
    try:
        candidates = sorted(folder.glob(prefix + "*"))
        if partials:
            candidates += sorted(folder.glob("*" + PARTIAL_SUFFIX))
    except OSError:
        return Sweep()
    for path in candidates:
        try:
            if path.is_symlink():
                continue
            is_dir = path.is_dir()
            if is_dir != path.name.startswith(prefix) or not (is_dir or path.is_file()):
                continue
            if path.stat().st_mtime >= older_than or (is_dir and _in_use(path)):
                continue
        except OSError:
            continue
        if is_dir:
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
        (stuck if path.exists() else removed).append(path)
    return Sweep(tuple(removed), tuple(stuck))


def sweep_workspace(folder: Path, older_than: float) -> Sweep:
    """Leftovers of a killed backup in the workspace `folder`'s backups/ (temporary folders,
    `*.pdbk.partial`) and of a killed restore beside it (a restore stages in its target's
    parent, so a workspace restored as a sibling finds them)."""
    return sweep_leftovers(folder / "backups", older_than) + sweep_leftovers(
        folder.parent, older_than, prefix=RESTORE_PREFIX, partials=False
    )


def leftover_kind(path: Path) -> str:
    """ "backup" or "restore": what left `path` behind (for messages)."""
    return "restore" if path.name.startswith(RESTORE_PREFIX) else "backup"


@contextlib.contextmanager
def staging_folder(parent: Path, older_than: float) -> Iterator[tuple[Path, Sweep]]:
    """A locked `.privdesk-restore-*` folder in `parent` to unpack a restore into (the
    caller renames it into place or it is removed); leftovers of killed restores in
    `parent` are swept first. The lock file is gone before the folder is renamed."""
    swept = sweep_leftovers(parent, older_than, prefix=RESTORE_PREFIX, partials=False)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=RESTORE_PREFIX))
    try:
        with _held_lock(staging / LOCK_NAME):
            yield staging, swept
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def release_staging(staging: Path) -> None:
    """Drop the lock file before the staging folder becomes the workspace."""
    (staging / LOCK_NAME).unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_members(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse before extracting: unexpected or duplicate members, a declared size over its
    limit, or a compression ratio over MAX_RATIO (a zip bomb)."""
    names = [i.filename for i in infos]
    required = sorted(set(MEMBER_LIMITS) - OPTIONAL_MEMBERS)
    if len(set(names)) != len(names) or sorted(set(names) - OPTIONAL_MEMBERS) != required:
        raise BackupError(f"{name}: not a PrivDesk backup (unexpected contents)")
    for info in infos:
        limit = MEMBER_LIMITS[info.filename]
        if info.file_size > limit:
            raise BackupError(
                f"{name}: {info.filename} declares {info.file_size:,} bytes, over the "
                f"{limit:,}-byte limit; refused, nothing was restored"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise BackupError(
                f"{name}: {info.filename} expands {info.file_size:,} bytes from "
                f"{info.compress_size:,} (over {MAX_RATIO}:1, a zip bomb); refused, "
                "nothing was restored"
            )


def _extract_capped(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path) -> None:
    """Stream one member, stopping once it exceeds what its header declared (or its limit)."""
    cap = min(info.file_size, MEMBER_LIMITS[info.filename])
    written = 0
    with zf.open(info) as src, open(out, "wb") as dst:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > cap:
                raise BackupError(
                    f"{name}: {info.filename} expands past its declared {cap:,} bytes; "
                    "refused, nothing was restored"
                )
            dst.write(chunk)


def unpack_backup(backup_file: Path, staging: Path) -> None:
    name = backup_file.name
    try:
        with zipfile.ZipFile(backup_file) as zf:
            infos = zf.infolist()
            check_members(name, infos)
            by_name = {i.filename: i for i in infos}
            manifest_info = by_name["manifest.json"]
            with zf.open(manifest_info) as fh:
                manifest_bytes = fh.read(MEMBER_LIMITS["manifest.json"] + 1)
            if len(manifest_bytes) > MEMBER_LIMITS["manifest.json"]:
                raise BackupError(f"{name}: manifest.json is over its size limit; refused")
            manifest = json.loads(manifest_bytes)
            if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
                raise BackupError(f"{name}: manifest.json is not a {BACKUP_FORMAT} manifest")
            files = manifest.get("files", {})
            if not isinstance(files, dict):
                raise BackupError(f"{name}: manifest.json is not a {BACKUP_FORMAT} manifest")
            members = [KEYS_NAME, DB_NAME] + [m for m in OPTIONAL_MEMBERS if m in by_name]
            for member in members:
                out = staging / member
                _extract_capped(name, zf, by_name[member], out)
                os.chmod(out, 0o600)
                if sha256_file(out) != files.get(member):
                    raise BackupError(
                        f"{name}: {member} does not match its SHA-256 in the manifest "
                        "(backup altered or damaged); nothing was restored"
                    )
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise BackupError(
                f"{name}: damaged (a member fails its CRC); nothing was restored"
            ) from None
        raise BackupError(f"{name}: not a PrivDesk backup (not a zip archive)") from None
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error):
        raise BackupError(f"{name}: damaged or unsupported zip; nothing was restored") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError(f"{name}: manifest.json is unreadable") from None
