"""Signed audit anchors (AUD-10): the next anchor's signing key and the epoch's first seq.

Revision ID: 0501
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0003"
branch_labels = ("audit",)
depends_on = None


def upgrade() -> None:
    # Existing workspaces get their first (root) signing key at the next start.
    with op.batch_alter_table("audit_state") as batch:
        batch.add_column(sa.Column("anchor_sign_key", sa.LargeBinary(), nullable=True))
        batch.add_column(
            sa.Column("anchor_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("anchor_root_epoch", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_anchor_line", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("epoch_start_seq", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE audit_state SET epoch_start_seq = last_seq")


def downgrade() -> None:
    with op.batch_alter_table("audit_state") as batch:
        batch.drop_column("epoch_start_seq")
        batch.drop_column("last_anchor_line")
        batch.drop_column("anchor_root_epoch")
        batch.drop_column("anchor_count")
        batch.drop_column("anchor_sign_key")
