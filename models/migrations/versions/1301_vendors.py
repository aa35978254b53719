"""Vendor and integration register (issue 21, part 1).

Revision ID: 1301
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "1301"
down_revision = "0003"
branch_labels = ("vendors",)
depends_on = None


def _s(name: str, n: int, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(n), nullable=nullable)


def _t(name: str, default: str = "") -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def _vendor_child(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vd_vendors.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_vendor_id_vd_vendors",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "vd_vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("key", 80),
        _s("name", 200),
        _t("purpose"),
        _t("categories_json", "[]"),
        _s("role", 16),
        sa.Column("dpa_signed", sa.Boolean(), nullable=False),
        _s("dpa_date", 10, nullable=True),
        _s("transfer", 16),
        _s("risk_tier", 16),
        _s("access", 8),
        sa.Column("owner", sa.String(200), nullable=False),
        _s("next_review", 10, nullable=True),
        _s("updated_at", 40),
        _s("updated_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_vd_vendors"),
        sa.UniqueConstraint("key", name="uq_vd_vendors_key"),
    )
    op.create_table(
        "vd_certifications",
        *_vendor_child("vd_certifications"),
        _s("kind", 80),
        _s("report_date", 10),
        _s("expires_on", 10, nullable=True),
        _s("added_at", 40),
        _s("added_by", 64),
    )
    op.create_index("ix_vd_certifications_vendor_id", "vd_certifications", ["vendor_id"])
    op.create_table(
        "vd_reviews",
        *_vendor_child("vd_reviews"),
        _s("status", 16),
        _s("questionnaire", 40),
        _t("answers_json", "{}"),
        _t("evidence_json", "[]"),
        sa.Column("score", sa.Integer(), nullable=True),
        _s("decision", 32, nullable=True),
        _t("conditions"),
        _s("started_at", 40),
        _s("started_by", 64),
        _s("signed_off_by", 64, nullable=True),
        _s("signed_off_at", 40, nullable=True),
    )
    op.create_index("ix_vd_reviews_vendor_id", "vd_reviews", ["vendor_id"])
    op.create_table(
        "vd_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("kind", 24),
        _s("zendesk_id", 40),
        sa.Column("name", sa.String(255), nullable=False),
        _t("scopes_json", "[]"),
        _s("parent_id", 40, nullable=True),
        _s("created_at", 40, nullable=True),
        _s("used_at", 40, nullable=True),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        _s("imported_at", 40),
        sa.PrimaryKeyConstraint("id", name="pk_vd_integrations"),
        sa.UniqueConstraint("kind", "zendesk_id", name="uq_vd_integrations_kind"),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vd_vendors.id"],
            ondelete="SET NULL",
            name="fk_vd_integrations_vendor_id_vd_vendors",
        ),
    )
    op.create_index("ix_vd_integrations_vendor_id", "vd_integrations", ["vendor_id"])


def downgrade() -> None:
    for table in ("vd_integrations", "vd_reviews", "vd_certifications", "vd_vendors"):
        op.drop_table(table)
