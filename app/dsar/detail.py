"""One request's full view: identifiers (masked by default), checks, pauses, timeline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.dsar.queries import identifiers, summary_of
from app.dsar.records import RequestDetail, TimelineEvent, Verification
from app.dsar.settings import local_today
from app.dsar.vocabulary import TRANSITIONS
from app.masking import mask_email, mask_keep_last, mask_text
from models.dsar import DsarEvent, DsarPause, DsarRequest, DsarVerification


def request_detail(
    s: Session, req: DsarRequest, now: datetime, *, masked: bool = True
) -> RequestDetail:
    """The full view of one request; identifiers and notes masked unless `masked` is False."""
    today = local_today(s, now)
    emails, phones, ids = identifiers(req)
    notes = req.notes
    if masked:
        emails = [mask_email(e) for e in emails]
        phones = [mask_keep_last(p, 2) for p in phones]
        ids = [mask_keep_last(i, 2, alnum=True) for i in ids]
        notes = mask_text(notes or "")
    events = s.scalars(
        select(DsarEvent).where(DsarEvent.request_id == req.id).order_by(DsarEvent.id)
    ).all()
    checks = s.scalars(
        select(DsarVerification)
        .where(DsarVerification.request_id == req.id)
        .order_by(DsarVerification.id)
    ).all()
    pauses = s.scalars(
        select(DsarPause).where(DsarPause.request_id == req.id).order_by(DsarPause.id)
    ).all()
    original = s.get(DsarRequest, req.duplicate_of_id) if req.duplicate_of_id else None
    return RequestDetail(
        summary=summary_of(s, req, today),
        emails=tuple(emails),
        phones=tuple(phones),
        ids=tuple(ids),
        calendar=req.calendar,
        received_at=req.received_at,
        channel=req.channel,
        agent=req.agent,
        notes=notes,
        outcome_reason=req.outcome_reason,
        duplicate_of=original.reference if original else None,
        extension_reasons=req.extension_reasons,
        verifications=tuple(
            Verification(v.method, v.evidence_note, v.verified_by, v.verified_at) for v in checks
        ),
        pauses=tuple(
            (
                date.fromisoformat(p.start_date),
                date.fromisoformat(p.end_date) if p.end_date else None,
            )
            for p in pauses
        ),
        timeline=tuple(
            TimelineEvent(e.at, e.actor, e.kind, e.from_status, e.to_status, e.summary, e.body)
            for e in events
        ),
        allowed=tuple(sorted(TRANSITIONS[req.status])),
        masked=masked,
        version=req.version,
        changed_by=req.changed_by,
        changed_at=req.changed_at,
    )
