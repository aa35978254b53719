"""Monitoring: alerts raised by the detection rules, their evidence, timeline and tuning.

Rules are data (`resources/monitoring/*.toml`); an imported rule is kept as a new version
of its canonical TOML text in `mon_rule_versions` and overrides the built-in one. Sources
are read up to a high-water mark per source (`mon_cursors`), so a re-run reads only new
events. An alert's `dedup_key` is made of the rule id, the actor's id and an event id or a
date — never a name or an address — so the same finding is never raised twice.

Personal data (names in the subject, IP addresses, evidence lines, reasons) is declared
with `models.types` so team mode seals it; ids and rule ids stay plain for grouping.
Timestamps are UTC strings ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import PersonalString, PersonalText

STATUS_NEW = "new"
STATUS_ACKNOWLEDGED = "acknowledged"
STATUS_DISMISSED = "dismissed"
STATUS_ESCALATED = "escalated"
STATUSES = (STATUS_NEW, STATUS_ACKNOWLEDGED, STATUS_DISMISSED, STATUS_ESCALATED)


class Alert(Base):
    __tablename__ = "mon_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))  # low | medium | high
    source: Mapped[str] = mapped_column(String(20))  # access_log | zendesk_audit | privdesk_audit
    status: Mapped[str] = mapped_column(String(16), default=STATUS_NEW)
    actor_key: Mapped[str] = mapped_column(String(80))  # Zendesk user id or operator username
    subject: Mapped[str] = mapped_column(PersonalString(255))
    summary: Mapped[str] = mapped_column(PersonalText)
    ip_address: Mapped[str | None] = mapped_column(PersonalString(64), nullable=True)
    first_at: Mapped[str] = mapped_column(String(40))
    last_at: Mapped[str] = mapped_column(String(40))
    event_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reason: Mapped[str] = mapped_column(PersonalText, default="")
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # escalated: dr_runs.id
    dedup_key: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("dedup_key", name="uq_mon_alerts_dedup_key"),
        Index("ix_mon_alerts_status_id", "status", "id"),
        Index("ix_mon_alerts_rule_actor", "rule_id", "actor_key"),
    )


def _alert_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("mon_alerts.id", ondelete="CASCADE"))


class Evidence(Base):
    """One source event behind an alert: its id in the source, its time, a short line."""

    __tablename__ = "mon_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = _alert_fk()
    source: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(PersonalText, default="")

    __table_args__ = (Index("ix_mon_evidence_alert_id", "alert_id"),)


class AlertEvent(Base):
    """The alert's timeline: raised, acknowledged, dismissed (with the reason), escalated."""

    __tablename__ = "mon_alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = _alert_fk()
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(PersonalText, default="")

    __table_args__ = (Index("ix_mon_alert_events_alert_id", "alert_id"),)


class Suppression(Base):
    """A dismissal's tuning: this rule stays quiet for this actor (or this IP) until `until`."""

    __tablename__ = "mon_suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    actor_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    ip_address: Mapped[str | None] = mapped_column(PersonalString(64), nullable=True)
    until: Mapped[str] = mapped_column(String(40))
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(PersonalText, default="")
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (Index("ix_mon_suppressions_rule_id", "rule_id"),)


class Cursor(Base):
    """How far `alerts run` has read one source (`position` is "timestamp|id" or a seq)."""

    __tablename__ = "mon_cursors"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[str] = mapped_column(String(40))


class RuleVersion(Base):
    """An imported rule, as canonical TOML; the highest version of a rule id is in force."""

    __tablename__ = "mon_rule_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    content_toml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_mon_rule_versions"),)


class LogReview(Base):
    """A periodic log review: the period's summary and alerts, signed off (step-up).

    `summary_json` holds counts and alert ids only; it is frozen at sign-off and its
    SHA-256 kept in `digest`, so the evidence export shows what was signed.
    """

    __tablename__ = "mon_log_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # weekly | monthly
    period_start: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, local date
    period_end: Mapped[str] = mapped_column(String(10))  # exclusive
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | signed
    started_at: Mapped[str] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(80))
    signed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    note: Mapped[str] = mapped_column(PersonalText, default="")
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    digest: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (UniqueConstraint("period_start", "period", name="uq_mon_log_reviews_period"),)
