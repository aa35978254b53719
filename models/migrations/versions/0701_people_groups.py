"""Directory: a person's groups from a CSV import (other help desks have no group ids).

Revision ID: 0701
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0701"
down_revision = "0003"
branch_labels = ("directory",)
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch (copy-and-rename) would drop the fts_people triggers.
    op.add_column(
        "hd_people", sa.Column("groups_json", sa.Text(), nullable=False, server_default="[]")
    )


def downgrade() -> None:
    op.drop_column("hd_people", "groups_json")  # SQLite 3.35+ drops a column in place
