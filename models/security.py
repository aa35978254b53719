"""Operators, their sessions, and the append-only audit log."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class Operator(Base):
    """A local PrivDesk account. Password hash (argon2id) + TOTP secret; both required."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # pending (enrolment not finished) | active | disabled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    password_hash: Mapped[str | None] = mapped_column(Text)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Single-use enrolment code (hash only) an administrator hands to a new operator.
    enrolment_code_hash: Mapped[str | None] = mapped_column(Text)
    enrolment_expires_at: Mapped[str | None] = mapped_column(String(40))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[str | None] = mapped_column(String(40))
    hard_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(40))
    last_login_at: Mapped[str | None] = mapped_column(String(40))

    roles: Mapped[list[OperatorRole]] = relationship(
        back_populates="operator", cascade="all, delete-orphan", lazy="selectin"
    )


class OperatorRole(Base):
    __tablename__ = "operator_roles"

    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    operator: Mapped[Operator] = relationship(back_populates="roles")


class LoginThrottle(Base):
    """Failure counters for names that are not active accounts, keyed by a hash of the name.

    Throttling them exactly like real accounts keeps the lockout messages from revealing
    which usernames exist (AUTH-6).
    """

    __tablename__ = "login_throttle"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[str | None] = mapped_column(String(40))
    hard_locked: Mapped[bool] = mapped_column(Boolean, default=False)


class OperatorSession(Base):
    """A signed-in session (GUI or CLI). Only a hash of a CLI token is stored."""

    __tablename__ = "operator_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # gui | cli
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(40))
    last_seen_at: Mapped[str] = mapped_column(String(40))
    step_up_at: Mapped[str | None] = mapped_column(String(40))
    ended_at: Mapped[str | None] = mapped_column(String(40))
    end_reason: Mapped[str | None] = mapped_column(String(32))


class AuditEntry(Base):
    """One audit event. Rows are sealed by an HMAC chain and guarded by triggers."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts_utc: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str | None] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    details_json: Mapped[str] = mapped_column(Text)
    key_epoch: Mapped[int] = mapped_column(Integer)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditState(Base):
    """The live chain head and the current (only) epoch key; one row."""

    __tablename__ = "audit_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)
    epoch_key: Mapped[bytes] = mapped_column(LargeBinary)
    epoch_started: Mapped[str] = mapped_column(String(40))
    last_seq: Mapped[int] = mapped_column(Integer)
    head_mac: Mapped[str] = mapped_column(String(64))
    last_anchor_seq: Mapped[int] = mapped_column(Integer, default=0)
    # Retention pruning starts verification mid-chain from here (0 = from genesis).
    pruned_to_seq: Mapped[int] = mapped_column(Integer, default=0)
    pruned_prev_mac: Mapped[str | None] = mapped_column(String(64))
    pruned_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Signed anchors (AUD-10, app.audit.signing): the private key of the NEXT anchor only,
    # how many signed anchors were written, and the epoch the first key was derived from.
    anchor_sign_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    anchor_count: Mapped[int] = mapped_column(Integer, default=0)
    anchor_root_epoch: Mapped[int | None] = mapped_column(Integer, default=None)
    # The newest signed anchor line, so a crash between commit and append can be repaired.
    last_anchor_line: Mapped[str | None] = mapped_column(Text, default=None)
    # The seq of the last event before this epoch began (evolution every N events).
    epoch_start_seq: Mapped[int] = mapped_column(Integer, default=0)
