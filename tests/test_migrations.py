"""Schema migrations on open: an encrypted pre-migration copy first, then upgrade to head."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest

from app import migrate, store
from app.clock import FixedClock
from app.errors import WrongKeyError
from app.keystore import KeyringStore
from app.workspace import Workspace
from tests.conftest import FakeKeyring, keys_of, make_workspace

HEAD_TABLES = {"audit_log", "audit_state", "operators", "operator_roles", "operator_sessions"}
TABLES_0001 = {"alembic_version", "workspace_info", "settings"}


def tables(conn: object) -> set[str]:
    rows = conn.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {r[0] for r in rows}


def test_workspace_at_0001_is_backed_up_encrypted_then_upgraded(
    tmp_path: Path, fake_keyring: FakeKeyring
) -> None:
    made = make_workspace(tmp_path / "ws")
    workspace_id = made.ws.workspace_id
    migrate.downgrade(made.ws.engine, "0001")
    assert migrate.current_revisions(made.ws.engine) == {"0001"}
    made.ws.close()
    assert list((made.folder / "backups").iterdir()) == []

    ws = Workspace.open(made.folder, keyring_store=KeyringStore(), clock=FixedClock())
    try:
        assert migrate.current_revisions(ws.engine) == migrate.head_revisions() != {"0001"}
        with ws.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert tables(raw) >= HEAD_TABLES | TABLES_0001
            triggers = {
                r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            }
            assert triggers >= {"audit_log_no_update", "audit_log_no_delete"}
            conn.rollback()
        assert ws.info()["workspace_id"] == workspace_id  # 0001 data survives the upgrade
    finally:
        ws.close()

    # FixedClock starts at 2026-11-27 12:00:00 UTC.
    [backup] = list((made.folder / "backups").iterdir())
    assert backup.name == "pre-migration-0001-20261127T120000Z.db"
    assert backup.read_bytes()[:16] != b"SQLite format 3\x00"
    with (
        contextlib.closing(sqlite3.connect(backup)) as plain,
        pytest.raises(sqlite3.DatabaseError, match="file is not a database"),
    ):
        plain.execute("SELECT count(*) FROM sqlite_master").fetchone()
    with pytest.raises(WrongKeyError):
        store.raw_connect(backup, os.urandom(32))

    _kek, dek = keys_of(made.folder, made.passphrase)
    with store.raw_connection(backup, dek) as conn:
        assert tables(conn) == TABLES_0001
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        info = dict(conn.execute("SELECT key, value FROM workspace_info").fetchall())
        assert info["workspace_id"] == workspace_id
        assert store.check_integrity_conn(conn).ok


def test_fresh_workspace_at_head_makes_no_pre_migration_backup(
    tmp_path: Path, fake_keyring: FakeKeyring
) -> None:
    made = make_workspace(tmp_path / "ws")
    assert migrate.current_revisions(made.ws.engine) == migrate.head_revisions()
    made.ws.close()

    ws = Workspace.open(made.folder, keyring_store=KeyringStore(), clock=FixedClock())
    try:
        assert migrate.current_revisions(ws.engine) == migrate.head_revisions()
    finally:
        ws.close()
    assert list((made.folder / "backups").iterdir()) == []


def test_workspace_upgraded_from_0001_opens_in_the_app(
    tmp_path: Path, fake_keyring: FakeKeyring
) -> None:
    from app.context import AppContext

    made = make_workspace(tmp_path / "ws")
    migrate.downgrade(made.ws.engine, "0001")
    made.ws.close()
    ws = Workspace.open(made.folder, keyring_store=KeyringStore(), clock=FixedClock())
    try:
        ctx = AppContext.for_workspace(ws)
        with ctx.read_session() as s:
            assert ctx.audit.verify(s).ok
        ctx.close()
    finally:
        ws.close()
    kits = list((made.folder / "exports").glob("audit-verifier-kit-*.json"))
    assert len(kits) == 1, "the upgraded workspace's verifier kit is handed out once, in exports/"


def test_dsar_settings_move_into_the_one_settings_table(
    tmp_path: Path, fake_keyring: FakeKeyring
) -> None:
    """A workspace from before the registry keeps its DSAR settings (0301 → 0302)."""
    from sqlalchemy import text

    from app.settings import SETTINGS

    made = make_workspace(tmp_path / "ws")
    migrate.downgrade(made.ws.engine, "0301")
    with made.ws.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO ds_settings (key, value_json) VALUES ('timezone', :v)"),
            {"v": '"Europe/Dublin"'},
        )
    migrate.upgrade(made.ws.engine)
    with made.ws.engine.connect() as conn:
        assert "ds_settings" not in tables(conn.connection.dbapi_connection)
        conn.rollback()
    with made.ws.session() as s:
        assert SETTINGS.get(s, "dsar.timezone") == "Europe/Dublin"
        assert SETTINGS.is_default(s, "dsar.pause_method")
    made.ws.close()
