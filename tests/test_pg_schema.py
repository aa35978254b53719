"""Team mode foundation (issue 17): the same Alembic migrations build the same schema on
PostgreSQL as on SQLite, and the audit log stays append-only there (AUD-5).

Runs against the throwaway cluster of tests/pg/cluster.sh (PRIVDESK_TEST_PG_URL); skips
with a message saying so when it is not set. FTS5 tables are SQLite-only: full-text search
on PostgreSQL is not built yet (README, "Team mode"), so they are left out by name.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, inspect, text

import models
import models.compliance
import models.drills
import models.dsar
import models.inventory
import models.monitoring
import models.redaction
import models.review  # every model module registers its tables
import models.training
import models.vendors
import models.zendesk_api
from app import migrate, store
from tests.pg_helpers import pg_engine

__all__ = ["pg_engine"]  # the fixture, imported for the tests below

FTS_ONLY_ON_SQLITE = {"fts_tickets", "fts_comments", "fts_people"}


def _affinity(column_type: sa.types.TypeEngine[Any]) -> str:
    """Rough storage class: what a value written by the models comes back as."""
    if isinstance(column_type, sa.Boolean):
        return "boolean"
    if isinstance(column_type, sa.Integer):
        return "integer"
    if isinstance(column_type, sa.Float):  # SQLite FLOAT, PostgreSQL DOUBLE PRECISION
        return "float"
    if isinstance(column_type, sa.String):
        return "text"
    if isinstance(column_type, sa.LargeBinary):
        return "binary"
    return type(column_type).__name__


def _schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """Table -> columns (name, nullability, affinity), keys, unique constraints, indexes."""
    insp = inspect(engine)
    found: dict[str, dict[str, Any]] = {}
    for table in insp.get_table_names():
        if table.startswith("sqlite_") or table.startswith("fts_"):
            continue  # FTS5 shadow tables (fts_x_data, ...) and SQLite's own
        found[table] = {
            "columns": {
                c["name"]: (c["nullable"], _affinity(c["type"])) for c in insp.get_columns(table)
            },
            "primary_key": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in insp.get_foreign_keys(table)
            ),
            # PostgreSQL lists the index behind each UNIQUE constraint too; those are
            # compared as the constraints they are.
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in insp.get_indexes(table)
                if ix["name"] and "duplicates_constraint" not in ix
            ),
            "unique": sorted(
                (uq["name"], tuple(uq["column_names"])) for uq in insp.get_unique_constraints(table)
            ),
        }
    return found


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """The product's own SQLCipher engine (a fresh random key), migrated to head."""
    engine = store.make_engine(tmp_path / "schema.db", secrets.token_bytes(32))
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def test_migrations_reach_every_head_on_postgresql(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    assert migrate.current_revisions(pg_engine) == migrate.head_revisions()


def test_postgresql_schema_matches_sqlite_for_every_model_table(
    pg_engine: Engine, sqlite_engine: Engine
) -> None:
    migrate.upgrade(pg_engine)
    on_pg, on_sqlite = _schema(pg_engine), _schema(sqlite_engine)
    model_tables = set(models.Base.metadata.tables)

    assert set(inspect(sqlite_engine).get_table_names()) >= FTS_ONLY_ON_SQLITE
    assert not FTS_ONLY_ON_SQLITE & set(inspect(pg_engine).get_table_names())
    assert model_tables <= set(on_sqlite)
    assert set(on_pg) == set(on_sqlite)
    for table in sorted(on_sqlite):
        assert on_pg[table] == on_sqlite[table], table


def test_model_columns_agree_with_the_migrated_postgresql_schema(pg_engine: Engine) -> None:
    """What the ORM writes is what the server has: no model column missing or extra."""
    migrate.upgrade(pg_engine)
    insp = inspect(pg_engine)
    for name, table in models.Base.metadata.tables.items():
        reflected = {c["name"]: c["nullable"] for c in insp.get_columns(name)}
        declared = {c.name: c.nullable for c in table.columns}
        assert set(reflected) == set(declared), name


def _one_audit_row(conn: sa.Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_log (seq, ts_utc, action, outcome, details_json, key_epoch, "
            "prev_mac, mac) VALUES (1, '2026-12-03T14:00:00Z', 'test.row', 'ok', '{}', 1, "
            "'00', '11')"
        )
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'denied'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
def test_audit_log_is_append_only_on_postgresql_aud5(pg_engine: Engine, statement: str) -> None:
    migrate.upgrade(pg_engine)
    with pg_engine.begin() as conn:
        _one_audit_row(conn)
    with pg_engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as refused:
        conn.execute(text(statement))
    assert "audit_log is append-only" in str(refused.value.orig)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM audit_log")).scalars().all() == ["ok"]


def test_migrations_downgrade_to_base_and_back_on_postgresql(pg_engine: Engine) -> None:
    migrate.upgrade(pg_engine)
    migrate.downgrade(pg_engine, "base")
    tables = set(inspect(pg_engine).get_table_names())
    assert tables <= {"alembic_version"}
    with pg_engine.connect() as conn:
        functions = conn.execute(
            text("SELECT proname FROM pg_proc WHERE proname = 'audit_log_append_only'")
        ).all()
    assert functions == []
    migrate.upgrade(pg_engine)
    assert migrate.current_revisions(pg_engine) == migrate.head_revisions()
