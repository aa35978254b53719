"""Policies, acknowledgements, evidence packs, trust-summary approvals (issue 21).

Revision ID: 1501
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1501"
down_revision = "0003"
branch_labels = ("compliance",)
depends_on = None


def _s(name: str, n: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(n), nullable=nullable)


def _i(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "cp_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("key", 80),
        _i("version"),
        _s("title", 200),
        _s("file_name", 255),
        _s("sha256", 64),
        _i("size"),
        _s("owner", 64),
        _s("status", 16),
        _s("approved_at", 40, nullable=True),
        _s("approved_by", 64, nullable=True),
        _s("next_review", 10),
        _s("created_at", 40),
        _s("created_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_cp_policies"),
        sa.UniqueConstraint("key", "version", name="uq_cp_policies_key"),
    )
    op.create_table(
        "cp_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        _i("policy_id"),
        _s("operator", 64),
        _s("at", 40),
        sa.PrimaryKeyConstraint("id", name="pk_cp_acknowledgements"),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["cp_policies.id"],
            ondelete="CASCADE",
            name="fk_cp_acknowledgements_policy_id_cp_policies",
        ),
        sa.UniqueConstraint("policy_id", "operator", name="uq_cp_ack_operator"),
    )
    op.create_index("ix_cp_acknowledgements_policy_id", "cp_acknowledgements", ["policy_id"])
    op.create_table(
        "cp_evidence_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("framework", 16),
        _s("period_start", 10),
        _s("period_end", 10),
        _s("manifest_sha256", 64),
        _i("files"),
        _i("gaps"),
        _s("written_at", 40),
        _s("written_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_cp_evidence_packs"),
    )
    op.create_index("ix_cp_evidence_packs_framework", "cp_evidence_packs", ["framework"])
    op.create_table(
        "cp_trust_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("content_sha256", 64),
        _s("approved_at", 40),
        _s("approved_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_cp_trust_approvals"),
    )
    op.create_index(
        "ix_cp_trust_approvals_content_sha256", "cp_trust_approvals", ["content_sha256"]
    )


def downgrade() -> None:
    for table in ("cp_trust_approvals", "cp_evidence_packs", "cp_acknowledgements", "cp_policies"):
        op.drop_table(table)
