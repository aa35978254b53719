"""Stored ticket text as the redaction engine reads it: rows by ticket, batches of ticket ids,
and a masked excerpt around one finding."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.redaction.engine import RedactionEngine
from app.redaction.types import Finding, MaskStyle
from models.helpdesk import Comment, Ticket

BATCH_TICKETS = 200

# One row of stored ticket text: (ticket id, comment id or None, column, text).
TextRow = tuple[int, int | None, str, str]
TICKET_FIELDS = ("subject", "description")
COMMENT_FIELDS = ("body", "html_body", "plain_body")


def ticket_rows(s: Session, ticket_ids: Sequence[int]) -> list[TextRow]:
    rows: list[TextRow] = []
    for t in s.execute(
        select(Ticket.id, Ticket.subject, Ticket.description).where(Ticket.id.in_(ticket_ids))
    ):
        rows += [(t.id, None, f, v) for f, v in zip(TICKET_FIELDS, t[1:], strict=True) if v]
    for c in s.execute(
        select(Comment.ticket_id, Comment.id, Comment.body, Comment.html_body, Comment.plain_body)
        .where(Comment.ticket_id.in_(ticket_ids))
        .order_by(Comment.id)
    ):
        rows += [(c[0], c[1], f, v) for f, v in zip(COMMENT_FIELDS, c[2:], strict=True) if v]
    return rows


def ticket_batches(s: Session, after: int = 0, size: int = BATCH_TICKETS) -> Iterator[list[int]]:
    last = after
    while True:
        ids = list(
            s.scalars(select(Ticket.id).where(Ticket.id > last).order_by(Ticket.id).limit(size))
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def masked_excerpt(
    engine: RedactionEngine, text: str, findings: Sequence[Finding], f: Finding, width: int = 60
) -> str:
    a, b = max(0, f.start - width), min(len(text), f.end + width)
    for g in findings:  # never cut through a finding: widen over it
        if g.start < b and g.end > a:
            a, b = min(a, g.start), max(b, g.end)
    inside = [
        Finding(g.start - a, g.end - a, g.entity_type, g.rule_id, g.score)
        for g in findings
        if g.start >= a and g.end <= b
    ]
    body = " ".join(engine.apply(text[a:b], inside, MaskStyle.TOKEN).split())
    return ("…" if a else "") + body + ("…" if b < len(text) else "")
