"""Data inventory, records of processing and retention (issue 19).

Revision ID: 1001
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1001"
down_revision = "0003"
branch_labels = ("inventory",)
depends_on = None


def _s(name: str, n: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(n), nullable=nullable)


def _t(name: str, default: str = "") -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def _updated() -> list[sa.Column[str]]:
    return [_s("updated_at", 40), _s("updated_by", 64)]


def upgrade() -> None:
    op.create_table(
        "inv_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("key", 80),
        _s("name", 200),
        _s("kind", 32),
        _s("owner", 200),
        _s("location", 200),
        _s("vendor", 200),
        _t("measures"),
        _t("notes"),
        *_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_inv_systems"),
        sa.UniqueConstraint("key", name="uq_inv_systems_key"),
    )
    op.create_table(
        "inv_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("key", 80),
        _s("name", 200),
        _s("sensitivity", 32),
        _t("entity_types_json", "[]"),
        _t("fields_json", "[]"),
        _t("notes"),
        *_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_inv_categories"),
        sa.UniqueConstraint("key", name="uq_inv_categories_key"),
    )
    op.create_table(
        "inv_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("key", 80),
        _s("name", 200),
        _t("purpose"),
        _s("lawful_basis", 40),
        _s("special_condition", 40),
        _t("legitimate_interest"),
        _t("subjects_json", "[]"),
        _t("categories_json", "[]"),
        _t("recipients_json", "[]"),
        _t("systems_json", "[]"),
        _t("transfers"),
        _t("safeguard"),
        _t("retention"),
        _t("measures"),
        _t("source"),
        _t("joint_controller"),
        *_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_inv_activities"),
        sa.UniqueConstraint("key", name="uq_inv_activities_key"),
    )
    op.create_table(
        "inv_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("status", 16),
        _s("started_at", 40),
        _s("finished_at", 40, nullable=True),
        _s("started_by", 64),
        sa.Column("records", sa.Integer(), nullable=False),
        _t("result_json", "{}"),
        sa.PrimaryKeyConstraint("id", name="pk_inv_scans"),
    )
    op.create_table(
        "rt_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("name", 80),
        _s("target", 16),
        _s("status", 32, nullable=True),
        sa.Column("older_than_days", sa.Integer(), nullable=True),
        sa.Column("inactive_days", sa.Integer(), nullable=True),
        _s("tag", 120, nullable=True),
        _s("group_ref", 120, nullable=True),
        _s("action", 16),
        _s("style", 16),
        _s("created_at", 40),
        _s("created_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_rt_policies"),
        sa.UniqueConstraint("name", name="uq_rt_policies_name"),
    )
    op.create_table(
        "rt_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("tag", 120),
        sa.Column("reason", sa.Text(), nullable=False),
        _s("created_at", 40),
        _s("created_by", 64),
        _s("released_at", 40, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rt_holds"),
    )
    op.create_table(
        "rt_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        _s("status", 16),
        _s("started_at", 40),
        _s("started_by", 64),
        _s("finished_at", 40, nullable=True),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        _t("counts_json", "{}"),
        _t("certificate_json", "{}"),
        _t("certificate_path"),
        sa.PrimaryKeyConstraint("id", name="pk_rt_runs"),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["rt_policies.id"],
            ondelete="CASCADE",
            name="fk_rt_runs_policy_id_rt_policies",
        ),
    )
    op.create_index("ix_rt_runs_policy_id", "rt_runs", ["policy_id"])
    op.create_index("ix_rt_runs_status", "rt_runs", ["status"])


def downgrade() -> None:
    for table in (
        "rt_runs",
        "rt_holds",
        "rt_policies",
        "inv_scans",
        "inv_activities",
        "inv_categories",
        "inv_systems",
    ):
        op.drop_table(table)
