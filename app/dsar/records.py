"""Plain result objects of the DSAR services (frozen dataclasses, never ORM rows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class NewRequest:
    requester_name: str
    request_type: str
    regime: str
    received_at: datetime  # aware; a naive value is read in the controller's time zone
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    ids: Sequence[str] = ()
    calendar: str | None = None
    channel: str = "email"
    agent: str | None = None
    notes: str = ""


@dataclass(frozen=True)
class DeadlineView:
    due: date  # the legal date in force (the extended one once extended)
    original_due: date
    extended_due: date | None
    acknowledge_by: date | None
    internal_target: date
    clock_start: date
    paused_days: int
    paused_now: bool
    reminders: tuple[date, ...]
    state: str  # overdue | due-today | due-soon | on-track | closed
    days_left: int

    def to_json(self) -> dict[str, Any]:
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}
        out["reminders"] = [d.isoformat() for d in self.reminders]
        return out


@dataclass(frozen=True)
class RequestSummary:
    id: int
    reference: str
    requester_name: str
    request_type: str
    regime: str
    status: str
    received_date: date
    deadline: DeadlineView
    extended: bool
    closed_date: date | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "requester_name": self.requester_name,
            "request_type": self.request_type,
            "regime": self.regime,
            "status": self.status,
            "received_date": self.received_date.isoformat(),
            "extended": self.extended,
            "closed_date": self.closed_date.isoformat() if self.closed_date else None,
            "deadline": self.deadline.to_json(),
        }


@dataclass(frozen=True)
class TimelineEvent:
    at: str
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    summary: str
    body: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verification:
    method: str
    evidence_note: str
    verified_by: str
    verified_at: str


@dataclass(frozen=True)
class RequestDetail:
    summary: RequestSummary
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    ids: tuple[str, ...]
    calendar: str | None
    received_at: str
    channel: str
    agent: str | None
    notes: str
    outcome_reason: str | None
    duplicate_of: str | None
    extension_reasons: str | None
    verifications: tuple[Verification, ...]
    pauses: tuple[tuple[date, date | None], ...]
    timeline: tuple[TimelineEvent, ...]
    allowed: tuple[str, ...] = field(default=())  # statuses reachable from here
    masked: bool = True  # emails, phones, ids and notes masked (unmasking: `pii.reveal`)
    version: int = 1  # what a step passes back as `expected_version` (issue 17)
    changed_by: str | None = None  # who made this version (operator username)
    changed_at: str | None = None  # when (UTC)

    @property
    def id(self) -> int:
        return self.summary.id

    @property
    def reference(self) -> str:
        return self.summary.reference

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary.to_json(),
            "emails": list(self.emails),
            "phones": list(self.phones),
            "ids": list(self.ids),
            "calendar": self.calendar,
            "received_at": self.received_at,
            "channel": self.channel,
            "agent": self.agent,
            "notes": self.notes,
            "outcome_reason": self.outcome_reason,
            "duplicate_of": self.duplicate_of,
            "extension_reasons": self.extension_reasons,
            "verifications": [asdict(v) for v in self.verifications],
            "pauses": [
                {"from": a.isoformat(), "to": b.isoformat() if b else None} for a, b in self.pauses
            ],
            "timeline": [e.to_json() for e in self.timeline],
            "allowed": list(self.allowed),
            "masked": self.masked,
            "version": self.version,
        }
