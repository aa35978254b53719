"""Incident drills: playbooks (versioned), roster, runs, steps, injects, breach records.

Revision ID: 0401
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0401"
down_revision = "0003"
branch_labels = ("drills",)
depends_on = None


def _text(name: str, default: str = "") -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def _ts(name: str, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(40), nullable=nullable)


def _run_child(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dr_runs.id"], ondelete="CASCADE", name=f"fk_{table}_run_id_dr_runs"
        ),
    ]


_CHILDREN = ("dr_run_steps", "dr_injects", "dr_timeline", "dr_tasks", "dr_notices")


def upgrade() -> None:
    op.create_table(
        "dr_playbooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        _ts("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dr_playbooks"),
        sa.UniqueConstraint("key", name="uq_dr_playbooks_key"),
    )
    op.create_table(
        "dr_playbook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_toml", sa.Text(), nullable=False),
        _text("change_note"),
        _ts("created_at", nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dr_playbook_versions"),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["dr_playbooks.id"],
            ondelete="CASCADE",
            name="fk_dr_playbook_versions_playbook_id_dr_playbooks",
        ),
        sa.UniqueConstraint("playbook_id", "version", name="uq_dr_playbook_versions"),
    )
    op.create_index("ix_dr_playbook_versions_playbook_id", "dr_playbook_versions", ["playbook_id"])
    op.create_table(
        "dr_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_role", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("deputy", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(200), nullable=False, server_default=""),
        sa.Column("phone", sa.String(60), nullable=False, server_default=""),
        _text("out_of_band"),
        sa.PrimaryKeyConstraint("id", name="pk_dr_roster"),
    )
    op.create_index("ix_dr_roster_team_role", "dr_roster", ["team_role"])
    op.create_table(
        "dr_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playbook_id", sa.Integer(), nullable=False),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("started_at", nullable=False),
        sa.Column("started_by", sa.String(80), nullable=False),
        _ts("closed_at"),
        _text("went_well"),
        _text("needs_improvement"),
        sa.PrimaryKeyConstraint("id", name="pk_dr_runs"),
        sa.ForeignKeyConstraint(
            ["playbook_id"], ["dr_playbooks.id"], name="fk_dr_runs_playbook_id_dr_playbooks"
        ),
        sa.CheckConstraint("kind IN ('drill', 'incident')", name="ck_dr_runs_kind"),
    )
    op.create_index("ix_dr_runs_playbook_id", "dr_runs", ["playbook_id"])
    op.create_index("ix_dr_runs_kind_started", "dr_runs", ["kind", "started_at"])
    op.create_table(
        "dr_run_steps",
        *_run_child("dr_run_steps"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(80), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_role", sa.String(40), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        _text("depends_json", "[]"),
        _text("decision"),
        _text("templates_json", "[]"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=False, server_default=""),
        _ts("started_at"),
        sa.Column("started_by", sa.String(80), nullable=True),
        _ts("finished_at"),
        sa.Column("finished_by", sa.String(80), nullable=True),
        _text("note"),
        _text("skip_reason"),
        sa.UniqueConstraint("run_id", "step_key", name="uq_dr_run_steps_key"),
    )
    op.create_table(
        "dr_injects",
        *_run_child("dr_injects"),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _text("expect"),
        _ts("due_at", nullable=False),
        _ts("delivered_at"),
        _ts("acknowledged_at"),
        sa.Column("acknowledged_by", sa.String(80), nullable=True),
        _text("response"),
    )
    op.create_table(
        "dr_timeline",
        *_run_child("dr_timeline"),
        _ts("at", nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_table(
        "dr_breaches",
        sa.Column("run_id", sa.Integer(), nullable=False),
        _text("nature"),
        _ts("detected_at"),
        _ts("aware_at"),
        sa.Column("aware_by", sa.String(80), nullable=True),
        _text("aware_reason"),
        _ts("aware_recorded_at"),
        sa.Column("risk_level", sa.String(16), nullable=False, server_default="unknown"),
        _ts("risk_decided_at"),
        _text("subject_categories"),
        sa.Column("subjects_approx", sa.Integer(), nullable=True),
        _text("record_categories"),
        sa.Column("records_approx", sa.Integer(), nullable=True),
        _text("data_categories"),
        _text("consequences"),
        _text("measures"),
        _text("dpo_contact"),
        _text("jurisdictions_json", "[]"),
        _text("residents_json", "{}"),
        _text("to_follow_json", "[]"),
        _ts("authority_notified_at"),
        _text("delay_reasons"),
        sa.PrimaryKeyConstraint("run_id", name="pk_dr_breaches"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dr_runs.id"], ondelete="CASCADE", name="fk_dr_breaches_run_id_dr_runs"
        ),
    )
    op.create_table(
        "dr_tasks",
        *_run_child("dr_tasks"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        _ts("closed_at"),
        sa.Column("closed_by", sa.String(80), nullable=True),
        sa.Column("resolution", sa.String(32), nullable=False, server_default=""),
        _text("justification"),
    )
    op.create_table(
        "dr_notices",
        *_run_child("dr_notices"),
        sa.Column("template_key", sa.String(40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _ts("updated_at", nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        _ts("approved_at"),
        sa.Column("approved_by", sa.String(80), nullable=True),
        sa.UniqueConstraint("run_id", "template_key", name="uq_dr_notices_template"),
    )
    op.create_table(
        "dr_improvements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("element", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("due", sa.String(10), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        _ts("closed_at"),
        sa.Column("closed_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dr_improvements"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["dr_runs.id"],
            ondelete="CASCADE",
            name="fk_dr_improvements_run_id_dr_runs",
        ),
    )
    for table in (*_CHILDREN, "dr_improvements"):
        op.create_index(f"ix_{table}_run_id", table, ["run_id"])


def downgrade() -> None:
    for table in (*_CHILDREN, "dr_improvements"):
        op.drop_index(f"ix_{table}_run_id", table_name=table)
    for table in ("dr_improvements", *reversed(_CHILDREN), "dr_breaches"):
        op.drop_table(table)
    op.drop_index("ix_dr_runs_kind_started", table_name="dr_runs")
    op.drop_index("ix_dr_runs_playbook_id", table_name="dr_runs")
    op.drop_table("dr_runs")
    op.drop_index("ix_dr_roster_team_role", table_name="dr_roster")
    op.drop_table("dr_roster")
    op.drop_index("ix_dr_playbook_versions_playbook_id", table_name="dr_playbook_versions")
    op.drop_table("dr_playbook_versions")
    op.drop_table("dr_playbooks")
