"""Access review: a changed decision records why it was changed (ar_decisions.change_reason).

Every decision stays in `ar_decisions`; a row with `change_reason` replaced an earlier
decision on the same item through the explicit "change decision" action.

Revision ID: 0202
Revises: 0201
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0202"
down_revision = "0201"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ar_decisions") as batch:
        batch.add_column(sa.Column("change_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ar_decisions") as batch:
        batch.drop_column("change_reason")
