"""DSAR queue: optimistic concurrency on requests (issue 17).

`ds_requests.version` counts the request's changes (the service writes with
``UPDATE … WHERE version = <the version the officer saw>``); `changed_by` / `changed_at`
say who made the current version and when (operator username, UTC). Plain ADD COLUMN
with a server default: portable to PostgreSQL, and no table copy.

Revision ID: 0304
Revises: 0303
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0304"
down_revision = "0303"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "ds_requests",
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    op.add_column("ds_requests", sa.Column("changed_by", sa.String(64), nullable=True))
    op.add_column("ds_requests", sa.Column("changed_at", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ds_requests") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("changed_by")
        batch.drop_column("version")
