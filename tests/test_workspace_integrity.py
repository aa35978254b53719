"""Damage and tampering are reported as integrity failures, never as a wrong key (SQLC-3/4/5)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.errors import IntegrityFailure, WrongKeyError
from app.workspace import Workspace
from tests.conftest import MadeWorkspace, make_workspace

PAGE = 4096


def _fill(made: MadeWorkspace, rows: int = 2000) -> None:
    with made.ws.session() as s:
        s.execute(text("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)"))
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<:rows) "
                "INSERT INTO notes(body) SELECT 'note number ' || i || hex(randomblob(20)) FROM n"
            ),
            {"rows": rows},
        )


def _flip(path: Path, offset: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        original = fh.read(3)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in original))


def test_clean_database_verifies(made: MadeWorkspace) -> None:
    """SQLC-5: no cipher rows, integrity_check ok."""
    _fill(made)
    report = made.ws.verify()
    assert report.ok
    assert report.cipher_problems == ()
    assert report.integrity == ("ok",)


def test_flipped_bytes_in_a_data_page_is_integrity_failure(made: MadeWorkspace) -> None:
    """SQLC-4: page ≥ 2 damaged → the exact HMAC message, reported as integrity failure."""
    _fill(made)
    made.ws.close()
    db = made.folder / "privdesk.db"
    last_page = db.stat().st_size // PAGE  # filled last, so it holds `notes` rows
    _flip(db, (last_page - 1) * PAGE + 200)
    ws = Workspace.open(made.folder)  # page 1 is fine, so opening works…
    try:
        report = ws.verify()
        assert not report.ok
        assert f"HMAC verification failed for page {last_page}" in report.cipher_problems
        with pytest.raises(Exception, match="malformed"), ws.read_session() as s:
            s.execute(text("SELECT body FROM notes")).all()
    finally:
        ws.close()


def test_damaged_first_page_is_not_called_a_wrong_key(made: MadeWorkspace) -> None:
    """SQLC-4: page 1 damaged → 'integrity failure … privdesk verify', not 'wrong passphrase'."""
    _fill(made)
    made.ws.close()
    _flip(made.folder / "privdesk.db", 300)
    with pytest.raises(IntegrityFailure) as info:
        Workspace.open(made.folder)
    assert "integrity failure" in info.value.message
    assert "privdesk verify" in info.value.message
    assert "passphrase" not in info.value.message


def test_keys_of_another_workspace_is_a_wrong_key(
    made: MadeWorkspace, tmp_path: Path, fake_keyring
) -> None:
    """SQLC-3: a key that authenticates but does not open this file → WrongKeyError."""
    other = make_workspace(tmp_path / "other")
    other.ws.close()
    made.ws.close()
    shutil.copy(other.folder / "keys.json", made.folder / "keys.json")
    with pytest.raises(WrongKeyError, match="wrong key"):
        Workspace.open(made.folder)
    # …and the right key still opens it without restarting anything.
    shutil.copy(other.folder / "keys.json", tmp_path / "saved.json")
    keys = json.loads((tmp_path / "saved.json").read_text())
    assert keys["workspace_id"] != made.ws.workspace_id


def test_truncated_file_is_integrity_failure(made: MadeWorkspace) -> None:
    _fill(made, rows=4000)
    made.ws.close()
    db = made.folder / "privdesk.db"
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.truncate(size - PAGE // 2)
    ws = Workspace.open(made.folder)
    try:
        assert not ws.verify().ok
    finally:
        ws.close()
