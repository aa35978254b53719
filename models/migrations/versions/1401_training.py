"""Training: programmes, completions, phishing results, quiz exports and results.

Revision ID: 1401
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1401"
down_revision = "0003"
branch_labels = ("training",)
depends_on = None


def _ts(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(40), nullable=nullable)


def _programme_fk(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["programme_id"],
        ["trn_programmes.id"],
        ondelete=ondelete,
        name=f"fk_{table}_programme_id_trn_programmes",
    )


def upgrade() -> None:
    op.create_table(
        "trn_programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("audience_json", sa.Text(), nullable=False),
        sa.Column("recurrence_months", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trn_programmes"),
        sa.UniqueConstraint("name", name="uq_trn_programmes_name"),
    )
    op.create_table(
        "trn_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=False),
        _ts("completed_at"),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        _ts("imported_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trn_completions"),
        _programme_fk("trn_completions", "CASCADE"),
        sa.UniqueConstraint(
            "programme_id", "email_index", "completed_at", name="uq_trn_completions_entry"
        ),
    )
    op.create_index("ix_trn_completions_email_index", "trn_completions", ["email_index"])
    op.create_table(
        "trn_phishing_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign", sa.String(200), nullable=False),
        sa.Column("result_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        _ts("sent_at", nullable=True),
        _ts("opened_at", nullable=True),
        _ts("clicked_at", nullable=True),
        _ts("submitted_at", nullable=True),
        _ts("reported_at", nullable=True),
        _ts("modified_at", nullable=True),
        sa.Column("source_hash", sa.String(64), nullable=False),
        _ts("imported_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trn_phishing_results"),
        sa.UniqueConstraint("campaign", "result_id", name="uq_trn_phishing_results_campaign_rid"),
    )
    op.create_index("ix_trn_phishing_results_email_index", "trn_phishing_results", ["email_index"])
    op.create_table(
        "trn_quiz_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.String(64), nullable=False),
        sa.Column("quiz", sa.String(120), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=False),
        sa.Column("key_hex", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trn_quiz_exports"),
        _programme_fk("trn_quiz_exports", "SET NULL"),
        sa.UniqueConstraint("export_id", name="uq_trn_quiz_exports_export_id"),
    )
    op.create_table(
        "trn_quiz_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        _ts("completed_at"),
        _ts("imported_at"),
        sa.PrimaryKeyConstraint("id", name="pk_trn_quiz_results"),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["trn_quiz_exports.export_id"],
            ondelete="CASCADE",
            name="fk_trn_quiz_results_export_id_trn_quiz_exports",
        ),
        sa.UniqueConstraint("export_id", name="uq_trn_quiz_results_export_id"),
    )


def downgrade() -> None:
    for table in (
        "trn_quiz_results",
        "trn_quiz_exports",
        "trn_phishing_results",
        "trn_completions",
        "trn_programmes",
    ):
        op.drop_table(table)
