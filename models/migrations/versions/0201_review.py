"""Access review: campaigns, reviewers, items, decisions, comments.

Revision ID: 0201
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0201"
down_revision = "0003"
branch_labels = ("review",)
depends_on = None

ZID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts(name: str, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(40), nullable=nullable)


def _json(name: str, default: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "ar_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("roster_snapshot_id", sa.Integer(), nullable=True),
        sa.Column("previous_campaign_id", sa.Integer(), nullable=True),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_value", sa.String(255), nullable=True),
        sa.Column("due_date", sa.String(10), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dormant_days", sa.Integer(), nullable=False),
        _json("settings_json", "{}"),
        _ts("created_at", nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _ts("signed_off_at"),
        sa.Column("signed_off_by", sa.String(64), nullable=True),
        sa.Column("sign_off_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ar_campaigns"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["hd_snapshots.id"], name="fk_ar_campaigns_snapshot_id_hd_snapshots"
        ),
        sa.ForeignKeyConstraint(
            ["roster_snapshot_id"],
            ["hd_snapshots.id"],
            name="fk_ar_campaigns_roster_snapshot_id_hd_snapshots",
        ),
        sa.ForeignKeyConstraint(
            ["previous_campaign_id"],
            ["ar_campaigns.id"],
            name="fk_ar_campaigns_previous_campaign_id_ar_campaigns",
        ),
    )
    op.create_index("ix_ar_campaigns_status", "ar_campaigns", ["status"])
    op.create_table(
        "ar_reviewers",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "operator_id", name="pk_ar_reviewers"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ar_campaigns.id"],
            ondelete="CASCADE",
            name="fk_ar_reviewers_campaign_id_ar_campaigns",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            ondelete="CASCADE",
            name="fk_ar_reviewers_operator_id_operators",
        ),
    )
    op.create_table(
        "ar_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", ZID, nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("role_name", sa.String(255), nullable=False),
        _json("groups_json", "[]"),
        _json("grants_json", "[]"),
        _json("findings_json", "[]"),
        _json("changes_json", "[]"),
        _json("facts_json", "{}"),
        sa.Column("finding_types", sa.String(400), nullable=False, server_default=""),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("target_role", sa.String(255), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        _ts("decided_at"),
        sa.PrimaryKeyConstraint("id", name="pk_ar_items"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ar_campaigns.id"],
            ondelete="CASCADE",
            name="fk_ar_items_campaign_id_ar_campaigns",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["operators.id"], name="fk_ar_items_reviewer_id_operators"
        ),
        sa.UniqueConstraint("campaign_id", "agent_id", name="uq_ar_items_campaign_agent"),
    )
    op.create_index("ix_ar_items_campaign_decision", "ar_items", ["campaign_id", "decision"])
    op.create_table(
        "ar_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("target_role", sa.String(255), nullable=True),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("operator", sa.String(64), nullable=False),
        _ts("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ar_decisions"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ar_items.id"],
            ondelete="CASCADE",
            name="fk_ar_decisions_item_id_ar_items",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ar_campaigns.id"],
            ondelete="CASCADE",
            name="fk_ar_decisions_campaign_id_ar_campaigns",
        ),
    )
    op.create_index("ix_ar_decisions_campaign_at", "ar_decisions", ["campaign_id", "at"])
    op.create_table(
        "ar_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ar_comments"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ar_items.id"],
            ondelete="CASCADE",
            name="fk_ar_comments_item_id_ar_items",
        ),
    )
    op.create_index("ix_ar_comments_item", "ar_comments", ["item_id"])
    op.create_table(
        "ar_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        _ts("checked_at", nullable=False),
        sa.Column("checked_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ar_verifications"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["ar_items.id"],
            ondelete="CASCADE",
            name="fk_ar_verifications_item_id_ar_items",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ar_campaigns.id"],
            ondelete="CASCADE",
            name="fk_ar_verifications_campaign_id_ar_campaigns",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["hd_snapshots.id"],
            name="fk_ar_verifications_snapshot_id_hd_snapshots",
        ),
    )
    op.create_index("ix_ar_verifications_campaign", "ar_verifications", ["campaign_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_ar_verifications_campaign", table_name="ar_verifications")
    op.drop_table("ar_verifications")
    op.drop_index("ix_ar_comments_item", table_name="ar_comments")
    op.drop_table("ar_comments")
    op.drop_index("ix_ar_decisions_campaign_at", table_name="ar_decisions")
    op.drop_table("ar_decisions")
    op.drop_index("ix_ar_items_campaign_decision", table_name="ar_items")
    op.drop_table("ar_items")
    op.drop_table("ar_reviewers")
    op.drop_index("ix_ar_campaigns_status", table_name="ar_campaigns")
    op.drop_table("ar_campaigns")
