"""DSAR queue: requests, timeline, pauses, verifications, located items, holds, erasures.

Revision ID: 0301
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0301"
down_revision = "0003"
branch_labels = ("dsar",)
depends_on = None

ZID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _s(name: str, size: int, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(size), nullable=nullable)


def _text(name: str, default: str | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=default is None, server_default=default)


def _request_fk(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["ds_requests.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_request_id_ds_requests",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "ds_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("reference", 32),
        _s("requester_name", 255),
        _text("emails_json", "[]"),
        _text("phones_json", "[]"),
        _text("ids_json", "[]"),
        _s("request_type", 32),
        _s("regime", 16),
        _s("calendar", 16, nullable=True),
        _s("received_at", 40),
        _s("received_date", 10),
        _s("channel", 32),
        _s("agent", 255, nullable=True),
        _text("notes", ""),
        _s("status", 32),
        sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()),
        _s("extension_notice_date", 10, nullable=True),
        _text("extension_reasons"),
        _s("identity_date", 10, nullable=True),
        _s("fee_date", 10, nullable=True),
        _text("outcome_reason"),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        _s("closed_date", 10, nullable=True),
        _s("created_at", 40),
        _s("created_by", 64),
        sa.PrimaryKeyConstraint("id", name="pk_ds_requests"),
        sa.UniqueConstraint("reference", name="uq_ds_requests_reference"),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["ds_requests.id"],
            ondelete="SET NULL",
            name="fk_ds_requests_duplicate_of_id_ds_requests",
        ),
    )
    op.create_index("ix_ds_requests_status", "ds_requests", ["status"])
    op.create_table(
        "ds_events",
        sa.Column("id", sa.Integer(), nullable=False),
        *_request_fk("ds_events"),
        _s("at", 40),
        _s("actor", 64),
        _s("kind", 32),
        _s("from_status", 32, nullable=True),
        _s("to_status", 32, nullable=True),
        _text("summary", ""),
        _text("body"),
        _text("details_json", "{}"),
        sa.PrimaryKeyConstraint("id", name="pk_ds_events"),
    )
    op.create_table(
        "ds_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        *_request_fk("ds_pauses"),
        _s("start_date", 10),
        _s("end_date", 10, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ds_pauses"),
    )
    op.create_table(
        "ds_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        *_request_fk("ds_verifications"),
        _s("method", 64),
        _text("evidence_note", ""),
        _s("verified_by", 64),
        _s("verified_at", 40),
        sa.PrimaryKeyConstraint("id", name="pk_ds_verifications"),
    )
    op.create_table(
        "ds_items",
        sa.Column("id", sa.Integer(), nullable=False),
        *_request_fk("ds_items"),
        _s("source", 32),
        _s("kind", 16),
        sa.Column("ref", ZID, nullable=False),
        sa.Column("ticket_id", ZID, nullable=True),
        _text("reasons_json", "[]"),
        sa.Column("included", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name="pk_ds_items"),
        sa.UniqueConstraint("request_id", "kind", "ref", name="uq_ds_items_request_kind_ref"),
    )
    op.create_table(
        "ds_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        _s("object_type", 16),
        sa.Column("object_ref", ZID, nullable=False),
        _s("basis", 32),
        _text("reason", ""),
        _s("created_at", 40),
        _s("created_by", 64),
        _s("released_at", 40, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ds_holds"),
    )
    op.create_index("ix_ds_holds_object", "ds_holds", ["object_type", "object_ref"])
    op.create_table(
        "ds_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        *_request_fk("ds_erasures"),
        _s("at", 40),
        _s("actor", 64),
        _text("certificate_json", "{}"),
        _text("plan_json", "{}"),
        sa.PrimaryKeyConstraint("id", name="pk_ds_erasures"),
    )
    op.create_table(
        "ds_settings",
        _s("key", 64),
        _text("value_json", "null"),
        sa.PrimaryKeyConstraint("key", name="pk_ds_settings"),
    )
    for table in ("ds_events", "ds_pauses", "ds_verifications", "ds_items", "ds_erasures"):
        op.create_index(f"ix_{table}_request_id", table, ["request_id"])


def downgrade() -> None:
    for table in ("ds_events", "ds_pauses", "ds_verifications", "ds_items", "ds_erasures"):
        op.drop_index(f"ix_{table}_request_id", table_name=table)
    op.drop_index("ix_ds_holds_object", table_name="ds_holds")
    op.drop_index("ix_ds_requests_status", table_name="ds_requests")
    for table in (
        "ds_settings",
        "ds_erasures",
        "ds_holds",
        "ds_items",
        "ds_verifications",
        "ds_pauses",
        "ds_events",
        "ds_requests",
    ):
        op.drop_table(table)
