"""Request look-ups and views built from rows: load by reference, the timeline writer,
deadline and summary views, the stored identifiers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import models.dsar  # noqa: F401  (registers the ds_ tables on the shared metadata)
from app.clock import utc_iso
from app.dsar import deadlines as dl
from app.dsar.errors import DsarError, NotFound
from app.dsar.records import DeadlineView, RequestSummary
from app.dsar.settings import setting
from app.dsar.vocabulary import STATUS_TITLES, TRANSITIONS
from models.dsar import DsarEvent, DsarPause, DsarRequest


def load(s: Session, ref: int | str, *, lock: bool = False) -> DsarRequest:
    """A request by id or reference (``DSAR-2026-0001``). `lock`: for a change, ``SELECT …
    FOR UPDATE`` on PostgreSQL, so a concurrent step waits and then sees this one."""
    if isinstance(ref, int) or str(ref).isdigit():
        row = s.get(DsarRequest, int(ref), with_for_update=lock)
    else:
        stmt = select(DsarRequest).where(DsarRequest.reference == str(ref).upper())
        row = s.scalar(stmt.with_for_update() if lock else stmt)
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
