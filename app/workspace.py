"""The encrypted workspace: a folder holding `privdesk.db`, `keys.json`, `backups/`, `exports/`.

`Workspace.create` makes the store and its key envelope; `Workspace.open` unlocks it
(keyring first, then the recovery passphrase), refuses plain SQLite, migrates after a
backup copy, and hands out SQLAlchemy sessions. Backups, restore, verification and key
rotation live here because each must hold the raw key, which leaves this module only for
its two helpers: `app.workspace_keys` (keys.json) and `app.workspace_backup` (.pdbk files).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app import __version__, migrate, store
from app.clock import Clock, SystemClock, utc_iso
from app.crypto import envelope
from app.crypto.envelope import ScryptParams
from app.errors import (
    BackupError,
    IntegrityFailure,
    PassphraseRequired,
    WorkspaceExists,
    WorkspaceNotFound,
)
from app.keystore import KeyringState, KeyringStatus, KeyringStore
from app.workspace_backup import (
    BACKUP_SUFFIX,
    TEMP_PREFIX,
    BackupResult,
    Sweep,
    release_staging,
    staging_folder,
    sweep_leftovers,
    sweep_workspace,
    unpack_backup,
    write_archive,
)
from app.workspace_keys import (
    DB_NAME,
    KEYS_FORMAT,
    KEYS_NAME,
    aad_kek,
    dek_wrap,
    finish_rotation,
    fsync_dir,
    kek_fingerprint,
    read_keys,
    unwrap_dek,
    unwrap_kek_with_passphrase,
    write_json_atomic,
)
from models.workspace import WorkspaceInfo

UnlockMode = Literal["keyring", "passphrase"]
# Called at named points of a multi-step operation; crash tests kill the process there.
StageHook = Callable[[str], None]
# Temporary files of this product older than this instant were left by an earlier process.
PROCESS_START = time.time()


@dataclass(frozen=True)
class UnlockInfo:
    """How the workspace was unlocked and what the keyring said, for the status bar."""

    mode: UnlockMode
    keyring: KeyringStatus

    def describe(self) -> str:
        if self.mode == "keyring":
            return f"unlocked with the system keyring ({self.keyring.backend.rsplit('.', 2)[-2]})"
        return f"unlocked with the recovery passphrase — {self.keyring.reason}"


@dataclass(frozen=True)
class Created:
    workspace: Workspace
    recovery_passphrase: str
    keyring: KeyringStatus


class Workspace:
    """An unlocked workspace. Holds the engine; the raw key stays private to this object."""

    def __init__(
        self,
        folder: Path,
        keys: dict[str, Any],
        kek: bytes,
        dek: bytes,
        unlock: UnlockInfo,
        keyring_store: KeyringStore,
        clock: Clock,
    ) -> None:
        self.folder = folder
        self.workspace_id: str = keys["workspace_id"]
        self.unlock = unlock
        self.clock = clock
        self._keys = keys
        self._kek = kek
        self._keyring = keyring_store
        self._engine: Engine | None = None
        self.leftovers: tuple[Path, ...] = ()  # found but could not be removed
        self.swept: tuple[Path, ...] = ()  # removed since this workspace was opened
        self._bind(dek)

    def _bind(self, dek: bytes) -> None:
        """Engine and session factories over the file, keyed with `dek`."""
        self._dek = dek
        engine = store.make_engine(self.db_path, dek)
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(privdesk_read_only=True), expire_on_commit=False
        )

    def subkey(self, info: bytes) -> bytes:
        """A key for one purpose (HKDF from the KEK, salted with the workspace id).

        From the KEK, not the DEK: `rekey` rotates the DEK, and keyed hashes made with a
        DEK-derived key would stop matching after it. The KEK lasts the workspace's life.
        """
        return envelope.derive(self._kek, info, self.workspace_id.encode())

    @property
    def key_generation(self) -> int:
        """How many database keys this workspace has had (1 until the first rekey)."""
        return int(self._keys["dek_generation"])

    def __repr__(self) -> str:
        return f"Workspace({str(self.folder)!r}, id={self.workspace_id!r}, {self.unlock.mode})"

    # paths
    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @property
    def keys_path(self) -> Path:
        return self.folder / KEYS_NAME

    @property
    def backups_dir(self) -> Path:
        return self.folder / "backups"

    @property
    def exports_dir(self) -> Path:
        return self.folder / "exports"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("workspace is closed")
        return self._engine

    # ------------------------------------------------------------ create / open

    @classmethod
    def create(
        cls,
        folder: Path,
        *,
        keyring_store: KeyringStore | None = None,
        scrypt_params: ScryptParams | None = None,
        clock: Clock | None = None,
    ) -> Created:
        """Make a new workspace; returns it with the recovery passphrase (show it once)."""
        folder = Path(folder)
        clock = clock or SystemClock()
        keyring_store = keyring_store or KeyringStore()
        store.cipher_version()
        if (folder / KEYS_NAME).exists() or (folder / DB_NAME).exists():
            raise WorkspaceExists(f"{folder}: already holds a workspace")
        if folder.exists() and any(folder.iterdir()):
            raise WorkspaceExists(f"{folder}: folder is not empty; choose an empty folder")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for sub in ("backups", "exports"):
            (folder / sub).mkdir(mode=0o700, exist_ok=True)

        workspace_id = str(uuid.uuid4())
        dek, kek = envelope.new_key(), envelope.new_key()
        passphrase = envelope.new_recovery_passphrase()
        params = scrypt_params or ScryptParams()
        params.check()
        salt = secrets.token_bytes(16)
        pk = envelope.stretch(passphrase, salt, params)
        kek_wrap: dict[str, Any] = envelope.wrap(pk, kek, aad_kek(workspace_id))
        kek_wrap.update(
            {
                "wrapped_by": "recovery-passphrase",
                "kdf": "scrypt",
                "params": params.to_json(),
                "salt": envelope.b64e(salt),
            }
        )
        keys: dict[str, Any] = {
            "format": KEYS_FORMAT,
            "workspace_id": workspace_id,
            "created_at": utc_iso(clock.now()),
            "kek_id": kek_fingerprint(kek),
            "kek": kek_wrap,
            "dek_generation": 1,
            "dek": dek_wrap(workspace_id, kek, dek, 1),
        }
        keyring_status = keyring_store.put_kek(workspace_id, kek)

        db_path = folder / DB_NAME
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        conn = store.raw_connect(db_path, dek)
        conn.execute("PRAGMA journal_mode = WAL").fetchall()
        conn.close()
        write_json_atomic(folder / KEYS_NAME, keys)

        mode: UnlockMode = (
            "keyring" if keyring_status.state is KeyringState.AVAILABLE else ("passphrase")
        )
        ws = cls(folder, keys, kek, dek, UnlockInfo(mode, keyring_status), keyring_store, clock)
        migrate.upgrade(ws.engine)
        with ws.session() as s:
            s.add_all(
                [
                    WorkspaceInfo(key="workspace_id", value=workspace_id),
                    WorkspaceInfo(key="created_at", value=keys["created_at"]),
                    WorkspaceInfo(key="created_by_version", value=__version__),
                ]
            )
        return Created(ws, passphrase, keyring_status)

    @classmethod
    def open(
        cls,
        folder: Path,
        *,
        passphrase: str | None = None,
        keyring_store: KeyringStore | None = None,
        clock: Clock | None = None,
        run_migrations: bool = True,
    ) -> Workspace:
        """Unlock: system keyring first, then the recovery passphrase.

        Raises PassphraseRequired (carrying the keyring status) when the keyring cannot
        supply the key and no passphrase was given, WrongPassphraseError,
        WrongKeyError, IntegrityFailure or NoCodecError.
        """
        folder = Path(folder)
        clock = clock or SystemClock()
        keyring_store = keyring_store or KeyringStore()
        if not (folder / KEYS_NAME).exists():
            if not folder.exists():
                raise WorkspaceNotFound(f"{folder}: no such folder")
            raise WorkspaceNotFound(f"{folder}: not a PrivDesk workspace (no keys.json)")
        store.cipher_version()
        keys = read_keys(folder / KEYS_NAME)
        workspace_id = keys["workspace_id"]

        kek, status = keyring_store.get_kek(workspace_id)
        mode: UnlockMode = "keyring"
        if kek is not None and kek_fingerprint(kek) != keys.get("kek_id"):
            kek = None
            status = KeyringStatus(
                KeyringState.ERROR,
                status.backend,
                "the system keyring holds a different key for this workspace",
            )
        if kek is None:
            if passphrase is None:
                raise PassphraseRequired(
                    f"recovery passphrase needed: {status.reason}", keyring_status=status
                )
            kek = unwrap_kek_with_passphrase(keys, passphrase)
            mode = "passphrase"

        dek = finish_rotation(folder, keys, kek)
        ws = cls(folder, keys, kek, dek, UnlockInfo(mode, status), keyring_store, clock)
        ws.sweep_leftovers()
        if run_migrations:
            try:
                ws._migrate()
            except BaseException:
                ws.close()
                raise
        return ws

    @classmethod
    def inspect(
        cls,
        folder: Path,
        *,
        passphrase: str | None = None,
        keyring_store: KeyringStore | None = None,
    ) -> store.IntegrityReport:
        """Both integrity checks on a file too damaged to open normally (no writes)."""
        folder = Path(folder)
        keys = read_keys(folder / KEYS_NAME)
        kek, status = (keyring_store or KeyringStore()).get_kek(keys["workspace_id"])
        if kek is None or kek_fingerprint(kek) != keys.get("kek_id"):
            if passphrase is None:
                raise PassphraseRequired(
                    f"recovery passphrase needed: {status.reason}", keyring_status=status
                )
            kek = unwrap_kek_with_passphrase(keys, passphrase)
        return store.inspect_file(folder / DB_NAME, unwrap_dek(keys, kek))

    def _migrate(self) -> None:
        heads = migrate.head_revisions()
        current = migrate.current_revisions(self.engine)
        if current == heads:
            return
        if current:
            stamp = self.clock.now().strftime("%Y%m%dT%H%M%SZ")
            revs = "+".join(sorted(current))
            target = self.backups_dir / f"pre-migration-{revs}-{stamp}.db"
            self.backups_dir.mkdir(mode=0o700, exist_ok=True)
            # Copied inside a `.privdesk-backup-*` folder and renamed when complete: a kill
            # mid-copy leaves a leftover the next open sweeps, never a half copy under the
            # name a recovery would trust.
            staging = Path(tempfile.mkdtemp(dir=self.backups_dir, prefix=TEMP_PREFIX))
            try:
                with self.engine.connect() as conn:
                    raw = conn.connection.dbapi_connection
                    store.backup_to(raw, staging / target.name, self._dek)
                    conn.rollback()
                os.replace(staging / target.name, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        migrate.upgrade(self.engine)

    def close(self) -> None:
        if self._engine is not None:
            with contextlib.suppress(Exception), self._engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ sessions

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE): commits on success, rolls back on error."""
        with self._sessions() as s, s.begin():
            yield s

    @contextlib.contextmanager
    def read_session(self) -> Iterator[Session]:
        """A deferred, read-only transaction that never waits for writers."""
        with self._read_sessions() as s:
            try:
                yield s
            finally:
                s.rollback()

    def info(self) -> dict[str, str]:
        with self.read_session() as s:
            return {row.key: row.value for row in s.scalars(select(WorkspaceInfo))}

    # ------------------------------------------------------------ keyring

    def enrol_keyring(self) -> KeyringStatus:
        """Store the KEK in the system keyring (e.g. after a passphrase unlock)."""
        status = self._keyring.put_kek(self.workspace_id, self._kek)
        if status.state is KeyringState.AVAILABLE:
            self.unlock = UnlockInfo(self.unlock.mode, status)
        return status

    def forget_keyring(self) -> bool:
        """Remove this machine's keyring copy; the recovery passphrase still opens it (KR-8)."""
        return self._keyring.delete_kek(self.workspace_id)

    def keyring_status(self) -> KeyringStatus:
        return self._keyring.status(self.workspace_id)

    # ------------------------------------------------------------ health

    def sweep_leftovers(self) -> tuple[Path, ...]:
        """Remove what killed backups and restores left (`sweep_workspace`): `swept` keeps
        what was removed, `leftovers` (returned) what could not be; verify names both."""
        sweep = sweep_workspace(self.folder, PROCESS_START)
        self.swept, self.leftovers = self.swept + sweep.removed, sweep.stuck
        return self.leftovers

    def _note(self, sweep: Sweep) -> None:
        self.swept, self.leftovers = self.swept + sweep.removed, self.leftovers + sweep.stuck

    def verify(self) -> store.IntegrityReport:
        """SQLCipher page MACs and the SQLite B-tree check on the live file."""
        with self.engine.connect() as conn:
            report = store.check_integrity_conn(conn.connection.dbapi_connection)
            conn.rollback()
        return report

    def cipher_settings(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            settings = store.cipher_settings(conn.connection.dbapi_connection)
            conn.rollback()
        return settings

    def checksums(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            sums = store.table_checksums(conn.connection.dbapi_connection)
            conn.rollback()
        return sums

    # ------------------------------------------------------------ backup

    def backup(self, to: Path | None = None) -> BackupResult:
        """One file: encrypted DB (SQLCipher backup API), keys.json and a SHA-256 manifest."""
        before = self.verify()
        if not before.ok:
            raise IntegrityFailure(
                f"integrity failure before backup: {before.summary()}; run `privdesk verify`"
            )
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%SZ")
        if to is None:
            self.backups_dir.mkdir(mode=0o700, exist_ok=True)
            to = self.backups_dir / f"privdesk-{self.workspace_id[:8]}-{stamp}{BACKUP_SUFFIX}"
        to = Path(to)
        if to.exists():
            raise BackupError(f"{to}: already exists; choose another name")
        to.parent.mkdir(parents=True, exist_ok=True)
        if to.parent.resolve() != self.backups_dir.resolve():
            self._note(sweep_leftovers(to.parent, PROCESS_START))
        return write_archive(
            to, self.engine, self._dek, self.keys_path, self.workspace_id, self.clock
        )

    @classmethod
    def restore(
        cls,
        backup_file: Path,
        target: Path,
        *,
        passphrase: str | None = None,
        keyring_store: KeyringStore | None = None,
        clock: Clock | None = None,
    ) -> Workspace:
        """Unpack a backup into a new folder; verified before it is declared restored."""
        backup_file, target = Path(backup_file), Path(target)
        if target.exists() and any(target.iterdir()):
            raise WorkspaceExists(f"{target}: folder is not empty; restore into a new folder")
        if not backup_file.is_file():
            raise BackupError(f"{backup_file}: no such backup file")
        store.cipher_version()
        target.parent.mkdir(parents=True, exist_ok=True)
        # A kill leaves this folder; the next restore here, or an open beside it, sweeps it.
        with staging_folder(target.parent, PROCESS_START) as (staging, swept):
            unpack_backup(backup_file, staging)
            for sub in ("backups", "exports"):
                (staging / sub).mkdir(mode=0o700, exist_ok=True)
            ws = cls.open(
                staging,
                passphrase=passphrase,
                keyring_store=keyring_store,
                clock=clock,
                run_migrations=False,
            )
            try:
                report = ws.verify()
            finally:
                ws.close()
            if not report.ok:
                raise IntegrityFailure(f"backup failed verification: {report.summary()}")
            if target.exists():
                target.rmdir()
            release_staging(staging)  # the folder's mtime is now: no sweep takes it
            os.replace(staging, target)
        restored = cls.open(target, passphrase=passphrase, keyring_store=keyring_store, clock=clock)
        restored._note(swept)
        return restored

    # ------------------------------------------------------------ key rotation

    def rekey(self, *, stage: StageHook | None = None) -> int:
        """Rotate the database key (SQLC-6); returns the new key generation.

        A verified copy is rekeyed and swapped in with os.replace; keys.json carries both
        keys across the swap, so a crash at any point leaves a workspace that opens.
        """
        hook = stage or (lambda _name: None)
        before = self.verify()
        if not before.ok:
            raise IntegrityFailure(f"integrity failure before rekey: {before.summary()}")
        sums_before = self.checksums()
        old_dek, new_dek = self._dek, envelope.new_key()
        generation = int(self._keys["dek_generation"]) + 1
        tmp = self.folder / f"{DB_NAME}.rekey-{generation}"
        tmp.unlink(missing_ok=True)

        with self.engine.connect() as conn:
            store.backup_to(conn.connection.dbapi_connection, tmp, old_dek)
            conn.rollback()
        hook("copied")
        store.rekey_file(tmp, old_dek, new_dek)
        with store.raw_connection(tmp, new_dek) as conn:
            copy_report = store.check_integrity_conn(conn)
            copy_sums = store.table_checksums(conn)
        if not copy_report.ok or copy_sums != sums_before:
            tmp.unlink(missing_ok=True)
            raise IntegrityFailure("the re-encrypted copy did not verify; nothing was changed")
        hook("verified")

        keys = dict(self._keys)
        keys["dek_pending"] = dek_wrap(self.workspace_id, self._kek, new_dek, generation)
        write_json_atomic(self.keys_path, keys)
        hook("pending-written")

        self.close()  # checkpoints and removes the WAL so it cannot replay onto the new file
        for suffix in ("-wal", "-shm"):
            side = self.db_path.with_name(DB_NAME + suffix)
            if side.exists():
                side.unlink()
        os.replace(tmp, self.db_path)
        fsync_dir(self.folder)
        hook("swapped")

        keys["dek"] = keys.pop("dek_pending")
        keys["dek_generation"] = generation
        write_json_atomic(self.keys_path, keys)
        hook("committed")

        self._keys = keys
        self._bind(new_dek)
        return generation
