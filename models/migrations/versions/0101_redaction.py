"""Redaction: versioned rules, pseudonym key, history-redaction runs, labelled cases.

Revision ID: 0101
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0101"
down_revision = "0003"
branch_labels = ("redaction",)
depends_on = None

ZID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rd_rules",
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name="pk_rd_rules"),
    )
    op.create_table(
        "rd_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("definition_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rd_rule_versions"),
        sa.UniqueConstraint("rule_id", "version", name="uq_rd_rule_versions_rule_version"),
    )
    op.create_table(
        "rd_keys",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_rd_keys"),
    )
    op.create_table(
        "rd_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.Column("rule_ids_json", sa.Text(), nullable=False),
        sa.Column("ruleset_json", sa.Text(), nullable=False),
        sa.Column("style", sa.String(16), nullable=False),
        sa.Column("total_tickets", sa.Integer(), nullable=False),
        sa.Column("done_tickets", sa.Integer(), nullable=False),
        sa.Column("last_ticket_id", ZID, nullable=False),
        sa.Column("tickets_changed", sa.Integer(), nullable=False),
        sa.Column("comments_changed", sa.Integer(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rd_runs"),
    )
    op.create_index("ix_rd_runs_status", "rd_runs", ["status"])
    op.create_table(
        "rd_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("labels_json", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rd_cases"),
    )


def downgrade() -> None:
    op.drop_table("rd_cases")
    op.drop_index("ix_rd_runs_status", "rd_runs")
    op.drop_table("rd_runs")
    op.drop_table("rd_keys")
    op.drop_table("rd_rule_versions")
    op.drop_table("rd_rules")
