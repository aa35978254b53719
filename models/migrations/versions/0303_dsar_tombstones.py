"""Tombstones of erased subjects: keyed hashes of their ids and identifiers, no clear values.

Revision ID: 0303
Revises: 0302
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0303"
down_revision = "0302"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ds_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["ds_requests.id"],
            ondelete="SET NULL",
            name="fk_ds_tombstones_request_id_ds_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ds_tombstones"),
        sa.UniqueConstraint("kind", "digest", name="uq_ds_tombstones_kind_digest"),
    )


def downgrade() -> None:
    op.drop_table("ds_tombstones")
