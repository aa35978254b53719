"""Zendesk API connection, sync state and staged directory pages (issue 18).

Revision ID: 0901
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0901"
down_revision = "0003"
branch_labels = ("zendesk_api",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zd_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subdomain", sa.String(64), nullable=False),
        sa.Column("base_url", sa.String(255), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("auth", sa.String(8), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(255), nullable=True),
        sa.Column("owner_role", sa.String(16), nullable=True),
        sa.Column("connected_at", sa.String(40), nullable=False),
        sa.Column("connected_by", sa.String(64), nullable=False),
        sa.Column("budget_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zd_connection"),
    )
    op.create_table(
        "zd_sync_state",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=True),
        sa.Column("last_sync_at", sa.String(40), nullable=True),
        sa.Column("last_objects", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name="pk_zd_sync_state"),
    )
    op.create_table(
        "zd_staged",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zd_staged"),
    )
    op.create_index("ix_zd_staged_kind_page", "zd_staged", ["kind", "page"])


def downgrade() -> None:
    op.drop_index("ix_zd_staged_kind_page", table_name="zd_staged")
    op.drop_table("zd_staged")
    op.drop_table("zd_sync_state")
    op.drop_table("zd_connection")
