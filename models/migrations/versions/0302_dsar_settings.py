"""DSAR settings join the one settings table (keys prefixed `dsar.`); ds_settings goes.

Revision ID: 0302
Revises: 0301
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0302"
down_revision = "0301"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Values are JSON text on both sides, so they move as they are.
    op.execute(
        "INSERT INTO settings (key, value_json) SELECT 'dsar.' || key, value_json FROM ds_settings"
    )
    op.drop_table("ds_settings")


def downgrade() -> None:
    op.create_table(
        "ds_settings",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_ds_settings"),
    )
    op.execute(
        "INSERT INTO ds_settings (key, value_json) "
        "SELECT substr(key, 6), value_json FROM settings WHERE key LIKE 'dsar.%'"
    )
    op.execute("DELETE FROM settings WHERE key LIKE 'dsar.%'")
