"""Operators, sessions and the append-only audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("enrolment_code_hash", sa.Text(), nullable=True),
        sa.Column("enrolment_expires_at", sa.String(40), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.String(40), nullable=True),
        sa.Column("hard_locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_login_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("username", name="uq_operators_username"),
    )
    op.create_table(
        "operator_roles",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            ondelete="CASCADE",
            name="fk_operator_roles_operator_id_operators",
        ),
        sa.PrimaryKeyConstraint("operator_id", "role", name="pk_operator_roles"),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("last_seen_at", sa.String(40), nullable=False),
        sa.Column("step_up_at", sa.String(40), nullable=True),
        sa.Column("ended_at", sa.String(40), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            ondelete="CASCADE",
            name="fk_operator_sessions_operator_id_operators",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_operator_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_operator_sessions_token_hash"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("name_hash", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.String(40), nullable=True),
        sa.Column("hard_locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name_hash", name="pk_login_throttle"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("ts_utc", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=True),
        sa.Column("object_id", sa.String(128), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("key_epoch", sa.Integer(), nullable=False),
        sa.Column("prev_mac", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_ts_utc", "audit_log", ["ts_utc"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_table(
        "audit_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("epoch_key", sa.LargeBinary(), nullable=False),
        sa.Column("epoch_started", sa.String(40), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("head_mac", sa.String(64), nullable=False),
        sa.Column("last_anchor_seq", sa.Integer(), nullable=False),
        sa.Column("pruned_to_seq", sa.Integer(), nullable=False),
        sa.Column("pruned_prev_mac", sa.String(64), nullable=True),
        sa.Column("pruned_epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_state"),
    )
    # Defence in depth (AUD-5): the chain MAC is the real protection; these stop accidents
    # and casual edits through SQL. Pruning (later) drops and recreates them in one transaction.
    if op.get_bind().dialect.name == "postgresql":
        _create_pg_triggers()
        return
    for verb in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


# PostgreSQL: the same trigger names and message; TRUNCATE, which SQLite lacks, is refused too.
PG_FUNCTION = "audit_log_append_only"


def _create_pg_triggers() -> None:
    op.execute(
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    for verb in (*APPEND_ONLY, "TRUNCATE"):
        scope = "STATEMENT" if verb == "TRUNCATE" else "ROW"
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            f"FOR EACH {scope} EXECUTE FUNCTION {PG_FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for verb in (*APPEND_ONLY, "TRUNCATE"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()} ON audit_log")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for verb in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
    op.drop_table("audit_state")
    op.drop_index("ix_audit_log_action", "audit_log")
    op.drop_index("ix_audit_log_actor", "audit_log")
    op.drop_index("ix_audit_log_ts_utc", "audit_log")
    op.drop_table("audit_log")
    op.drop_table("operator_sessions")
    op.drop_table("login_throttle")
    op.drop_table("operator_roles")
    op.drop_table("operators")
