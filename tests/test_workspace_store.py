"""The encrypted file itself: SQLCipher settings, pragmas, refusing plain SQLite (SQLC-1,2,9,12)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app import store
from app.errors import NoCodecError, WorkspaceExists, WorkspaceNotFound
from app.workspace import Workspace
from tests.conftest import MadeWorkspace, make_workspace


def test_file_has_no_plaintext_header_and_salts_differ(tmp_path: Path, fake_keyring) -> None:
    """SQLC-1: the first 16 bytes are a random salt, not `SQLite format 3\\0`."""
    a = make_workspace(tmp_path / "a")
    b = make_workspace(tmp_path / "b")
    a.ws.close()
    b.ws.close()
    head_a = (a.folder / "privdesk.db").read_bytes()[:16]
    head_b = (b.folder / "privdesk.db").read_bytes()[:16]
    assert head_a != b"SQLite format 3\x00"
    assert head_a != head_b
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(a.folder / "privdesk.db").execute("SELECT * FROM sqlite_master").fetchall()


def test_cipher_settings_are_sqlcipher4_defaults(made: MadeWorkspace) -> None:
    """SQLC-2/SQLC-9: HMAC on, no plaintext header, SQLCipher 4.x."""
    settings = made.ws.cipher_settings()
    for name, value in store.EXPECTED_CIPHER_SETTINGS.items():
        assert settings[name] == value, name
    assert store.cipher_version().startswith("4.")


def test_every_connection_gets_the_safety_pragmas(made: MadeWorkspace) -> None:
    """DESIGN §2: WAL, synchronous=FULL, secure_delete, foreign keys, temp store in memory."""
    with made.ws.engine.connect() as conn:
        values = {
            name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in (
                "journal_mode",
                "synchronous",
                "secure_delete",
                "foreign_keys",
                "temp_store",
            )
        }
    assert values == {
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "foreign_keys": 1,
        "temp_store": 2,
    }


def test_refuses_to_run_on_plain_sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SQLC-2: if the linked library has no codec, nothing is created in plaintext."""
    monkeypatch.setattr(store, "_dbapi", lambda: sqlite3)
    with pytest.raises(NoCodecError, match="no encryption"):
        make_workspace(tmp_path / "plain")
    assert not (tmp_path / "plain").exists()


def test_create_refuses_non_empty_folder_and_open_refuses_non_workspace(
    tmp_path: Path, fake_keyring
) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceExists, match="not empty"):
        make_workspace(tmp_path / "busy")
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    with pytest.raises(WorkspaceNotFound, match=r"no keys\.json"):
        Workspace.open(tmp_path / "busy")
    with pytest.raises(WorkspaceNotFound, match="no such folder"):
        Workspace.open(tmp_path / "missing")


def test_workspace_layout_and_private_permissions(made: MadeWorkspace) -> None:
    folder = made.folder
    assert {p.name for p in folder.iterdir()} >= {"privdesk.db", "keys.json", "backups", "exports"}
    assert (folder / "keys.json").stat().st_mode & 0o077 == 0
    assert (folder / "privdesk.db").stat().st_mode & 0o077 == 0
    assert folder.stat().st_mode & 0o077 == 0


def test_data_survives_reopen(made: MadeWorkspace, fake_keyring) -> None:
    wid = made.ws.workspace_id
    made.ws.close()
    with Workspace.open(made.folder) as ws:
        assert ws.info()["workspace_id"] == wid
        assert ws.unlock.mode == "keyring"


def test_large_sort_leaves_no_plaintext_temp_files(
    made: MadeWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLC-12: temp_store=MEMORY and a TEMP_STORE=2 build: sorting spills nothing to disk."""
    spill = tmp_path / "tmpdir"
    spill.mkdir()
    monkeypatch.setenv("SQLITE_TMPDIR", str(spill))
    with made.ws.session() as s:
        s.execute(text("CREATE TABLE big(x TEXT)"))
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<20000) "
                "INSERT INTO big SELECT hex(randomblob(64)) FROM n"
            )
        )
    with made.ws.read_session() as s:
        rows = s.execute(text("SELECT x FROM big ORDER BY x DESC")).fetchall()
    assert len(rows) == 20000
    assert list(spill.iterdir()) == []
