"""Monitoring: periodic log reviews (summary, sign-off).

Revision ID: 1102
Revises: 1101
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1102"
down_revision = "1101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mon_log_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.String(10), nullable=False),
        sa.Column("period_end", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("started_by", sa.String(80), nullable=False),
        sa.Column("signed_at", sa.String(40), nullable=True),
        sa.Column("signed_by", sa.String(80), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mon_log_reviews"),
        sa.UniqueConstraint("period_start", "period", name="uq_mon_log_reviews_period"),
    )


def downgrade() -> None:
    op.drop_table("mon_log_reviews")
