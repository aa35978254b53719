"""Incident drills and real incidents: playbooks (versioned), roster, runs, breach records.

A playbook's content is kept as canonical TOML text per version (`dr_playbook_versions`);
nothing is ever overwritten, so every change stays readable. Starting a run copies the
steps and injects of one version into the run, so later edits never change a past run.
Timestamps are UTC strings ``YYYY-MM-DDTHH:MM:SSZ``; list fields are JSON text.
A run's `kind` is ``drill`` or ``incident``: real-incident metrics filter on it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

RUN_DRILL = "drill"
RUN_INCIDENT = "incident"


def _run_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("dr_runs.id", ondelete="CASCADE"), index=True)


class Playbook(Base):
    __tablename__ = "dr_playbooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[str] = mapped_column(String(40))


class PlaybookVersion(Base):
    __tablename__ = "dr_playbook_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    playbook_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dr_playbooks.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    content_toml: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (UniqueConstraint("playbook_id", "version", name="uq_dr_playbook_versions"),)


class RosterMember(Base):
    """Response team: a team role → a person (primary or deputy) and how to reach them."""

    __tablename__ = "dr_roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_role: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    deputy: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    out_of_band: Mapped[str] = mapped_column(Text, default="")  # when email/chat are down


class Run(Base):
    __tablename__ = "dr_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    playbook_id: Mapped[int] = mapped_column(Integer, ForeignKey("dr_playbooks.id"), index=True)
    playbook_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # drill | incident
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | closed
    started_at: Mapped[str] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(80))
    closed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    went_well: Mapped[str] = mapped_column(Text, default="")
    needs_improvement: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_dr_runs_kind_started", "kind", "started_at"),
        CheckConstraint("kind IN ('drill', 'incident')", name="kind"),
    )


class RunStep(Base):
    __tablename__ = "dr_run_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    position: Mapped[int] = mapped_column(Integer)
    step_key: Mapped[str] = mapped_column(String(80))
    phase: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    owner_role: Mapped[str] = mapped_column(String(40))
    minutes: Mapped[int] = mapped_column(Integer)
    depends_json: Mapped[str] = mapped_column(Text, default="[]")
    decision: Mapped[str] = mapped_column(Text, default="")
    templates_json: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    assignee: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    started_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    finished_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    finished_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    skip_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("run_id", "step_key", name="uq_dr_run_steps_key"),)


class Inject(Base):
    __tablename__ = "dr_injects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    offset_minutes: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    expect: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[str] = mapped_column(String(40))
    delivered_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    acknowledged_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    response: Mapped[str] = mapped_column(Text, default="")


class TimelineEntry(Base):
    __tablename__ = "dr_timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class Breach(Base):
    """The breach record of a run (Art. 33(5): documented whether notified or not)."""

    __tablename__ = "dr_breaches"

    run_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("dr_runs.id", ondelete="CASCADE"), primary_key=True
    )
    nature: Mapped[str] = mapped_column(Text, default="")
    detected_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    aware_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    aware_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    aware_reason: Mapped[str] = mapped_column(Text, default="")
    aware_recorded_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    risk_level: Mapped[str] = mapped_column(String(16), default="unknown")
    risk_decided_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    subject_categories: Mapped[str] = mapped_column(Text, default="")
    subjects_approx: Mapped[int | None] = mapped_column(Integer, nullable=True)
    record_categories: Mapped[str] = mapped_column(Text, default="")
    records_approx: Mapped[int | None] = mapped_column(Integer, nullable=True)
    data_categories: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    dpo_contact: Mapped[str] = mapped_column(Text, default="")
    jurisdictions_json: Mapped[str] = mapped_column(Text, default="[]")
    residents_json: Mapped[str] = mapped_column(Text, default="{}")
    to_follow_json: Mapped[str] = mapped_column(Text, default="[]")
    authority_notified_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    delay_reasons: Mapped[str] = mapped_column(Text, default="")


class RunTask(Base):
    """A follow-up: an Art. 33(3) item "to follow", or the Art. 34 data-subject task."""

    __tablename__ = "dr_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    kind: Mapped[str] = mapped_column(String(32))  # art33_follow_up | art34
    item: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolution: Mapped[str] = mapped_column(String(32), default="")
    justification: Mapped[str] = mapped_column(Text, default="")


class Notice(Base):
    """A communication drafted from a template for one run; approval is recorded."""

    __tablename__ = "dr_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    template_key: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(80))
    approved_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)

    __table_args__ = (UniqueConstraint("run_id", "template_key", name="uq_dr_notices_template"),)


class Improvement(Base):
    """An improvement-plan item (HSEEP AAR/IP), tracked to closure across runs."""

    __tablename__ = "dr_improvements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = _run_fk()
    item: Mapped[str] = mapped_column(Text)
    element: Mapped[str] = mapped_column(String(20), default="Planning")  # POETE
    owner: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    closed_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
