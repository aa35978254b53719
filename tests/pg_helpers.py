"""The PostgreSQL half of the suite (issue 17, team mode): a fresh schema per test on the
throwaway cluster that `.ci/run` starts (tests/pg/cluster.sh) and names in
PRIVDESK_TEST_PG_URL. Without the variable these tests skip, and say how to run them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

PG_URL_VAR = "PRIVDESK_TEST_PG_URL"
SKIP_MESSAGE = f"PostgreSQL tests skipped: set {PG_URL_VAR} (.ci/run starts a cluster)"


def pg_url() -> str:
    """The SQLAlchemy URL of the test cluster (psycopg 3 driver), or skip the test."""
    raw = os.environ.get(PG_URL_VAR, "").strip()
    if not raw:
        pytest.skip(SKIP_MESSAGE)
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        pytest.fail(f"{PG_URL_VAR} must be a postgresql:// URL, got {url.get_backend_name()}://")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """An engine whose every connection works in a new, empty schema, dropped afterwards."""
    url = pg_url()
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
