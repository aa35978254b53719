"""Monitoring: alerts, evidence, alert timeline, suppressions, source cursors, rule versions.

Revision ID: 1101
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "1101"
down_revision = "0003"
branch_labels = ("monitoring",)
depends_on = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(40), nullable=nullable)


def _alert_child(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["mon_alerts.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_alert_id_mon_alerts",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "mon_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor_key", sa.String(80), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("ip_address", sa.String(64), nullable=True),
        _ts("first_at"),
        _ts("last_at"),
        sa.Column("event_count", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.Column("owner", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mon_alerts"),
        sa.UniqueConstraint("dedup_key", name="uq_mon_alerts_dedup_key"),
    )
    op.create_index("ix_mon_alerts_status_id", "mon_alerts", ["status", "id"])
    op.create_index("ix_mon_alerts_rule_actor", "mon_alerts", ["rule_id", "actor_key"])
    op.create_table(
        "mon_evidence",
        *_alert_child("mon_evidence"),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        _ts("at"),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_mon_evidence_alert_id", "mon_evidence", ["alert_id"])
    op.create_table(
        "mon_alert_events",
        *_alert_child("mon_alert_events"),
        _ts("at"),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_mon_alert_events_alert_id", "mon_alert_events", ["alert_id"])
    op.create_table(
        "mon_suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("actor_key", sa.String(80), nullable=True),
        sa.Column("ip_address", sa.String(64), nullable=True),
        _ts("until"),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mon_suppressions"),
    )
    op.create_index("ix_mon_suppressions_rule_id", "mon_suppressions", ["rule_id"])
    op.create_table(
        "mon_cursors",
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("position", sa.String(120), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("source", name="pk_mon_cursors"),
    )
    op.create_table(
        "mon_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_toml", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mon_rule_versions"),
        sa.UniqueConstraint("rule_id", "version", name="uq_mon_rule_versions"),
    )


def downgrade() -> None:
    for table in (
        "mon_rule_versions",
        "mon_cursors",
        "mon_suppressions",
        "mon_alert_events",
        "mon_evidence",
        "mon_alerts",
    ):
        op.drop_table(table)
