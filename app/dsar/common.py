"""Shared vocabulary of the DSAR services: statuses, types, plain result objects, helpers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

import models.dsar  # noqa: F401  (registers the ds_ tables on the shared metadata)
from app.clock import utc_iso
from app.dsar import deadlines as dl
from app.errors import PrivDeskError
from models.dsar import DsarEvent, DsarPause, DsarRequest, DsarSetting

REQUEST_TYPES = (
    "access",
    "erasure",
    "rectification",
    "portability",
    "restriction",
    "objection",
    "opt-out-sale",
    "limit-sensitive",
)
# Request types answered with an export package (right of access, data portability).
EXPORT_TYPES = frozenset({"access", "portability"})
CHANNELS = ("email", "web-form", "phone", "post", "in-person", "help-desk", "other")
STATUSES = (
    "new",
    "verifying",
    "in_progress",
    "awaiting_clarification",
    "extended",
    "completed",
    "rejected",
    "withdrawn",
    "duplicate",
)
CLOSED = frozenset({"completed", "rejected", "withdrawn", "duplicate"})
_ENDINGS = frozenset({"rejected", "withdrawn", "duplicate"})
# The explicit status machine: every transition not listed here is refused.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"verifying", "in_progress"}) | _ENDINGS,
    "verifying": frozenset({"in_progress"}) | _ENDINGS,
    "in_progress": frozenset({"awaiting_clarification", "extended", "completed"}) | _ENDINGS,
    "awaiting_clarification": frozenset({"in_progress", "extended"}) | _ENDINGS,
    "extended": frozenset({"awaiting_clarification", "completed"}) | _ENDINGS,
    "completed": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
    "duplicate": frozenset(),
}
STATUS_TITLES = {
    "new": "New",
    "verifying": "Verifying identity",
    "in_progress": "In progress",
    "awaiting_clarification": "Awaiting clarification",
    "extended": "Extended",
    "completed": "Completed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "duplicate": "Duplicate",
}
SETTINGS: dict[str, Any] = {
    # How clarification pauses count (UK): "ico" (days between asking and the answer) or
    # "dpa-s54" (DPA 2018 s.54(3C): both end days excluded too).
    "pause_method": "ico",
    # The controller's time zone: decides the local date of receipt ("day one").
    "timezone": "Europe/London",
}


class DsarError(PrivDeskError):
    pass


class NotFound(DsarError):
    pass


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
        }


# ---------------------------------------------------------------- helpers


def setting(s: Session, key: str) -> Any:
    row = s.get(DsarSetting, key)
    return SETTINGS[key] if row is None else json.loads(row.value_json)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DsarError(f"unknown time zone {name!r}: use an IANA name like Europe/London") from exc


def local_today(s: Session, now: datetime) -> date:
    return now.astimezone(zone(setting(s, "timezone"))).date()


def load(s: Session, ref: int | str) -> DsarRequest:
    """A request by id or reference (``DSAR-2026-0001``)."""
    if isinstance(ref, int) or str(ref).isdigit():
        row = s.get(DsarRequest, int(ref))
    else:
        row = s.scalar(select(DsarRequest).where(DsarRequest.reference == str(ref).upper()))
    if row is None:
        raise NotFound(f"no DSAR request {ref}")
    return row


def add_event(
    s: Session,
    req: DsarRequest,
    actor: str,
    now: datetime,
    kind: str,
    summary: str,
    *,
    to_status: str | None = None,
    body: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One timeline line; with `to_status` the request moves (the machine is checked)."""
    before = req.status
    if to_status is not None and to_status != before:
        if to_status not in TRANSITIONS[before]:
            raise DsarError(
                f"{req.reference} is {STATUS_TITLES[before].lower()}: it cannot become "
                f"{STATUS_TITLES.get(to_status, to_status).lower()}"
            )
        req.status = to_status
    s.add(
        DsarEvent(
            request_id=req.id,
            at=utc_iso(now),
            actor=actor,
            kind=kind,
            from_status=before if to_status else None,
            to_status=to_status,
            summary=summary,
            body=body,
            details_json=json.dumps(dict(details or {}), sort_keys=True),
        )
    )


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def deadline_of(s: Session, req: DsarRequest, today: date) -> DeadlineView:
    pauses = s.scalars(
        select(DsarPause).where(DsarPause.request_id == req.id).order_by(DsarPause.id)
    ).all()
    spans = [dl.Pause(date.fromisoformat(p.start_date), _d(p.end_date) or today) for p in pauses]
    d = dl.compute(
        req.regime,
        date.fromisoformat(req.received_date),
        calendar=req.calendar,
        request_type=req.request_type,
        identity_received=_d(req.identity_date),
        fee_received=_d(req.fee_date),
        pauses=spans if req.regime == "uk-gdpr" else (),
        pause_method=setting(s, "pause_method"),
    )
    due = d.extended_due if req.extended and d.extended_due else d.due
    closed = _d(req.closed_date)
    if closed is not None:
        state = "closed"
        days_left = (due - closed).days
    else:
        state = dl.time_left(due, today)
        days_left = (due - today).days
    return DeadlineView(
        due=due,
        original_due=d.due,
        extended_due=d.extended_due,
        acknowledge_by=d.acknowledge_by,
        internal_target=d.internal_target,
        clock_start=d.clock_start,
        paused_days=d.paused_days,
        paused_now=any(p.end_date is None for p in pauses),
        reminders=dl.reminders(due),
        state=state,
        days_left=days_left,
    )


def summary_of(s: Session, req: DsarRequest, today: date) -> RequestSummary:
    return RequestSummary(
        id=req.id,
        reference=req.reference,
        requester_name=req.requester_name,
        request_type=req.request_type,
        regime=req.regime,
        status=req.status,
        received_date=date.fromisoformat(req.received_date),
        deadline=deadline_of(s, req, today),
        extended=req.extended,
        closed_date=_d(req.closed_date),
    )


def identifiers(req: DsarRequest) -> tuple[list[str], list[str], list[str]]:
    return (
        list(json.loads(req.emails_json)),
        list(json.loads(req.phones_json)),
        list(json.loads(req.ids_json)),
    )
