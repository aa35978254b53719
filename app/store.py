"""The SQLCipher connection: keying, pragmas, health checks and the backup API.

Only raw 32-byte keys (`x'<hex>'`) ever reach SQLCipher, so no PBKDF2 runs per connection
and no user-typed text is interpolated into a PRAGMA (SQLC-11). Errors are mapped to typed
application errors whose messages never include the key.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import QueuePool

from app.busy import busy_error, busy_timeout_ms
from app.errors import IntegrityFailure, NoCodecError, WrongKeyError

log = logging.getLogger(__name__)

EXPECTED_CIPHER_SETTINGS = {
    "cipher_page_size": "4096",
    "cipher_use_hmac": "1",
    "cipher_plaintext_header_size": "0",
    "cipher_hmac_algorithm": "HMAC_SHA512",
}

_CONNECTION_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
)


def _dbapi() -> Any:
    import sqlcipher3

    return sqlcipher3


def _key_pragma(dek: bytes) -> str:
    if len(dek) != 32:
        raise ValueError("database key must be 32 bytes")
    return f"PRAGMA key = \"x'{dek.hex()}'\""


def _quiet_codec(conn: Any) -> None:
    # SQLCipher writes codec errors to stderr; our own messages say it better, once.
    conn.execute("PRAGMA cipher_log_level = NONE")


def cipher_version() -> str:
    """SQLCipher version of the linked library; raises NoCodecError for plain SQLite (SQLC-2)."""
    conn = _dbapi().connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    if not row or not row[0]:
        raise NoCodecError(
            "the SQLite library in use has no encryption (SQLCipher) support; refusing to run"
        )
    return str(row[0])


def _keyed(db_path: Path, dek: bytes, *, check_same_thread: bool = True) -> Any:
    """A DB-API connection with the key set but not yet proven (no page read so far)."""
    conn = _dbapi().connect(str(db_path), check_same_thread=check_same_thread, isolation_level=None)
    try:
        _quiet_codec(conn)
        conn.execute(_key_pragma(dek))
    except BaseException:
        conn.close()
        raise
    return conn


def raw_connect(db_path: Path, dek: bytes) -> Any:
    """A keyed DB-API connection whose key has been proven by reading sqlite_master."""
    try:
        conn = _keyed(db_path, dek, check_same_thread=False)
    except Exception as exc:
        raise _classify_open_error(exc, db_path, dek) from None
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception as exc:
        conn.close()
        raise _classify_open_error(exc, db_path, dek) from None
    return conn


def _classify_open_error(exc: BaseException, db_path: Path, dek: bytes) -> Exception:
    text = str(exc)
    if "file is not a database" in text:
        # The key unwrapped with authentication, so either keys.json belongs to another file,
        # or page 1 is damaged. cipher_integrity_check tells them apart: with a wrong key
        # every page fails; with a damaged file only some do.
        bad, total = _failing_pages(db_path, dek)
        if total and bad < total:
            return IntegrityFailure(
                f"integrity failure: {db_path.name} is damaged (page MAC check failed on "
                f"{bad} of {total} pages); run `privdesk verify` or restore a backup"
            )
        return WrongKeyError(
            f"cannot open {db_path.name}: wrong key or damaged file "
            "(the key does not open this database)"
        )
    if "malformed" in text or "HMAC" in text:
        return IntegrityFailure(
            f"integrity failure: {db_path.name} is damaged; run `privdesk verify` "
            "or restore a backup"
        )
    if "unable to open" in text:
        return WrongKeyError(f"cannot open {db_path.name}: file missing or not readable")
    return IntegrityFailure(f"cannot open {db_path.name}: {type(exc).__name__}")


def _failing_pages(db_path: Path, dek: bytes) -> tuple[int, int]:
    size = db_path.stat().st_size if db_path.exists() else 0
    total = size // 4096
    try:
        conn = _keyed(db_path, dek)
        try:
            rows = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        finally:
            conn.close()
    except Exception:
        return total, total
    return len(rows), total


_WAIT = "privdesk_busy_timeout_ms"
_QUERY_ONLY = "privdesk_query_only"


def is_busy(exc: BaseException | None) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY), raised once the busy timeout ran out."""
    return exc is not None and "database is locked" in str(exc)


def make_engine(db_path: Path, dek: bytes) -> Engine:
    """An Engine over the encrypted file; every pooled connection is keyed and checked."""
    url = URL.create("sqlite+pysqlcipher", password=f"x'{dek.hex()}'", database=str(db_path))
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        connect_args={"check_same_thread": False, "isolation_level": None},
        hide_parameters=True,
    )

    wait_ms = busy_timeout_ms()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            # The dialect has set the key; prove it with a real read (never SELECT 1).
            cur.execute("SELECT count(*) FROM sqlite_master").fetchone()
            for pragma in _CONNECTION_PRAGMAS:
                cur.execute(pragma).fetchall()
            cur.execute(f"PRAGMA busy_timeout = {wait_ms}").fetchall()
            record.info[_WAIT] = wait_ms
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # pysqlite's implicit transactions are off (isolation_level=None); begin explicitly.
        # Writers take the write lock up front so an audit event and its change commit
        # together or not at all; readers stay deferred and never wait for a writer (WAL).
        # A "nowait" writer (a session touch, deferred audit events) gives up at once.
        options = conn.get_execution_options()
        wanted = 0 if options.get("privdesk_nowait") else wait_ms
        info = conn.connection.info
        if info.get(_WAIT) != wanted:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {wanted}")
            info[_WAIT] = wanted
        # A read transaction is also query_only: a write in one fails loudly instead of
        # being rolled back unseen (or upgrading to the write lock it must not take).
        read_only = bool(options.get("privdesk_read_only"))
        if info.get(_QUERY_ONLY) != read_only:
            conn.exec_driver_sql(f"PRAGMA query_only = {int(read_only)}")
            info[_QUERY_ONLY] = read_only
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    folder = db_path.parent

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # SQLITE_BUSY after the busy timeout: say who holds the lock, not "OperationalError".
        if is_busy(context.original_exception):
            raise busy_error(folder) from None

    return engine


@dataclass(frozen=True)
class IntegrityReport:
    cipher_problems: tuple[str, ...]
    integrity: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.cipher_problems and self.integrity == ("ok",)

    def summary(self) -> str:
        if self.ok:
            return "page MACs verified; B-tree integrity ok"
        parts = list(self.cipher_problems[:5]) + [i for i in self.integrity if i != "ok"][:5]
        return "; ".join(parts)


def check_integrity_conn(conn: Any) -> IntegrityReport:
    """Both checks: SQLCipher page MACs (no rows = clean) and SQLite's B-tree check (SQLC-5)."""
    try:
        cipher = tuple(str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check"))
    except Exception as exc:
        cipher = (f"cipher_integrity_check failed: {type(exc).__name__}",)
    try:
        logical = tuple(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
    except Exception as exc:
        logical = (f"integrity_check failed: {_short(exc)}",)
    return IntegrityReport(cipher, logical)


def inspect_file(db_path: Path, dek: bytes) -> IntegrityReport:
    """Both checks on a file too damaged to open normally: the key is not proven first,
    so a damaged page 1 still yields the per-page MAC report."""
    with contextlib.closing(_keyed(db_path, dek)) as conn:
        return check_integrity_conn(conn)


def check_integrity(db_path: Path, dek: bytes) -> IntegrityReport:
    with contextlib.closing(raw_connect(db_path, dek)) as conn:
        return check_integrity_conn(conn)


def cipher_settings(conn: Any) -> dict[str, str]:
    """`PRAGMA cipher_settings` parsed into {name: value} (SQLC-2, SQLC-9)."""
    settings: dict[str, str] = {}
    for (line,) in conn.execute("PRAGMA cipher_settings"):
        body = str(line).removeprefix("PRAGMA ").rstrip(";")
        name, _, value = body.partition(" = ")
        settings[name.strip()] = value.strip()
    return settings


def backup_to(src_conn: Any, target: Path, dek: bytes) -> None:
    """SQLCipher online backup, encrypted to encrypted under the same key (SQLC-8)."""
    dst = _keyed(target, dek)
    try:
        src_conn.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE").fetchall()
    finally:
        dst.close()


def rekey_file(db_path: Path, old_dek: bytes, new_dek: bytes) -> None:
    """Re-encrypt every page of `db_path` in place (callers run this on a copy)."""
    with contextlib.closing(raw_connect(db_path, old_dek)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE").fetchall()
        conn.execute(f"PRAGMA rekey = \"x'{new_dek.hex()}'\"")


def table_checksums(conn: Any) -> dict[str, str]:
    """Per-table SHA-256 over rows in rowid order: compares a restore to its source."""
    import hashlib

    sums: dict[str, str] = {}
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    for name in tables:
        digest = hashlib.sha256()
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            rows = conn.execute(f"SELECT * FROM {quoted}")
        except Exception:
            continue
        for row in rows:
            digest.update(repr(tuple(row)).encode("utf-8"))
        sums[name] = digest.hexdigest()
    return sums


@contextlib.contextmanager
def raw_connection(db_path: Path, dek: bytes) -> Iterator[Any]:
    conn = raw_connect(db_path, dek)
    try:
        yield conn
    finally:
        conn.close()


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
