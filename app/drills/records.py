"""Plain frozen records the drills services return (never ORM rows), and shared helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.errors import PrivDeskError

EXERCISE_BANNER = "*** EXERCISE — NOT A REAL INCIDENT — NOTHING IS SENT ***"

# Art. 33(3) minimum content: item key → (label, letter). All must be filled or marked
# "to follow" before the authority notification can be recorded.
REQUIRED_ITEMS: dict[str, tuple[str, str]] = {
    "nature": ("Nature of the breach", "a"),
    "subject_categories": ("Categories of data subjects", "a"),
    "subjects_approx": ("Approximate number of data subjects", "a"),
    "record_categories": ("Categories of records", "a"),
    "records_approx": ("Approximate number of records", "a"),
    "dpo_contact": ("DPO or other contact point", "b"),
    "consequences": ("Likely consequences", "c"),
    "measures": ("Measures taken or proposed", "d"),
}
RISK_LEVELS = ("unknown", "none", "risk", "high")
ART34_RESOLUTIONS = {
    "notice_sent": "Notice given to data subjects",
    "exception_a": "Art. 34(3)(a): data unintelligible (e.g. encrypted)",
    "exception_b": "Art. 34(3)(b): high risk no longer likely",
    "exception_c": "Art. 34(3)(c): disproportionate effort — public communication instead",
}
IMPROVEMENT_STATUSES = ("open", "in_progress", "done")
POETE = ("Planning", "Organization", "Equipment", "Training", "Exercises")


class DrillError(PrivDeskError):
    """A drills action that cannot be done as asked; the message says why and what to do."""


def parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def minutes_between(start: str | None, end: str | None) -> float | None:
    a, b = parse_ts(start), parse_ts(end)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60


def loads(text: str) -> Any:
    return json.loads(text) if text else None


@dataclass(frozen=True)
class PlaybookInfo:
    key: str
    title: str
    summary: str
    builtin: bool
    version: int
    steps: int
    injects: int


@dataclass(frozen=True)
class PlaybookVersionInfo:
    version: int
    created_at: str
    created_by: str
    change_note: str


@dataclass(frozen=True)
class RosterInfo:
    id: int
    team_role: str
    name: str
    deputy: bool
    email: str
    phone: str
    out_of_band: str


@dataclass(frozen=True)
class RunSummary:
    id: int
    title: str
    kind: str  # drill | incident
    playbook_key: str
    playbook_title: str
    playbook_version: int
    status: str
    started_at: str
    started_by: str
    closed_at: str | None

    @property
    def is_drill(self) -> bool:
        return self.kind == "drill"

    @property
    def label(self) -> str:
        return f"{'EXERCISE' if self.is_drill else 'INCIDENT'} #{self.id}: {self.title}"


@dataclass(frozen=True)
class StepView:
    id: int
    key: str
    position: int
    phase: str
    title: str
    owner_role: str
    minutes: int
    depends_on: tuple[str, ...]
    decision: str
    templates: tuple[str, ...]
    status: str  # pending | active | done | skipped
    assignee: str
    started_at: str | None
    started_by: str | None
    finished_at: str | None
    finished_by: str | None
    note: str
    skip_reason: str
    due_at: datetime  # when it should be finished (started + minutes, or the plan)
    overdue: bool
    late: bool  # finished after its due time

    @property
    def open(self) -> bool:
        return self.status in ("pending", "active")


@dataclass(frozen=True)
class InjectView:
    id: int
    offset_minutes: int
    text: str
    expect: str
    due_at: str
    delivered_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    response: str

    @property
    def reaction_minutes(self) -> float | None:
        return minutes_between(self.delivered_at, self.acknowledged_at)


@dataclass(frozen=True)
class TimelineItem:
    at: str
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class BreachView:
    run_id: int
    nature: str
    detected_at: str | None
    aware_at: str | None
    aware_by: str | None
    aware_reason: str
    aware_recorded_at: str | None
    risk_level: str
    risk_decided_at: str | None
    subject_categories: str
    subjects_approx: int | None
    record_categories: str
    records_approx: int | None
    data_categories: str
    consequences: str
    measures: str
    dpo_contact: str
    jurisdictions: tuple[str, ...]
    residents: dict[str, int]
    to_follow: tuple[str, ...]
    authority_notified_at: str | None
    delay_reasons: str

    def value(self, item: str) -> object:
        return getattr(self, item)

    def filled(self, item: str) -> bool:
        value = self.value(item)
        return value is not None and (not isinstance(value, str) or bool(value.strip()))

    @property
    def missing(self) -> tuple[str, ...]:
        """Required Art. 33(3) items neither filled nor marked to follow."""
        return tuple(k for k in REQUIRED_ITEMS if not self.filled(k) and k not in self.to_follow)


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str  # art33_follow_up | art34
    item: str
    status: str
    created_at: str
    closed_at: str | None
    closed_by: str | None
    resolution: str
    justification: str

    @property
    def label(self) -> str:
        if self.kind == "art34":
            return "Inform data subjects (Art. 34) or record an exception"
        return f"Art. 33(4) follow-up: {REQUIRED_ITEMS.get(self.item, (self.item, ''))[0]}"


@dataclass(frozen=True)
class ClockView:
    key: str
    title: str
    due: datetime | None  # an instant (UTC) for hour clocks, end of day UTC for day clocks
    due_text: str | None
    basis: str
    condition: str
    met_at: str | None = None  # when the notice was recorded


@dataclass(frozen=True)
class NoticeView:
    template_key: str
    title: str
    audience: str
    body: str
    saved: bool
    updated_at: str | None
    updated_by: str | None
    approved_at: str | None
    approved_by: str | None


@dataclass(frozen=True)
class RunDetail:
    run: RunSummary
    steps: tuple[StepView, ...]
    injects: tuple[InjectView, ...]
    timeline: tuple[TimelineItem, ...]
    breach: BreachView
    tasks: tuple[TaskView, ...]
    clocks: tuple[ClockView, ...]
    now: datetime
    targets: dict[str, int] = field(default_factory=dict)

    @property
    def overdue_steps(self) -> tuple[StepView, ...]:
        return tuple(s for s in self.steps if s.overdue)

    def step(self, key: str) -> StepView:
        for s in self.steps:
            if s.key == key:
                return s
        raise DrillError(f"run #{self.run.id} has no step {key!r}")

    def due_injects(self, now: datetime) -> tuple[InjectView, ...]:
        """Injects whose time has come but which were not delivered yet."""
        return tuple(
            i for i in self.injects if i.delivered_at is None and (parse_ts(i.due_at) or now) <= now
        )


def end_of_day_utc(day_text: str) -> datetime:
    """A calendar-day deadline as an instant: the end of that day, UTC (conservative)."""
    start = datetime.fromisoformat(day_text).replace(tzinfo=UTC)
    return start + timedelta(days=1) - timedelta(seconds=1)
