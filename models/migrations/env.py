"""Alembic environment: always runs on a connection handed in by the application.

The database is encrypted, so Alembic never opens it from a URL; `app.migrate` passes a
keyed connection through `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from models.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `privdesk` (the database is encrypted)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite ALTER TABLE goes through batch mode
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
