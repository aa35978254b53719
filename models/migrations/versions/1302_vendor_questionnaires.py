"""Edited vendor questionnaires kept as data; an OAuth token's user (issue 21).

Revision ID: 1302
Revises: 1301
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1302"
down_revision = "1301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vd_questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vd_questionnaires"),
        sa.UniqueConstraint("version", name="uq_vd_questionnaires_version"),
    )
    op.add_column("vd_integrations", sa.Column("user_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vd_integrations") as batch:
        batch.drop_column("user_id")
    op.drop_table("vd_questionnaires")
