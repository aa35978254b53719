"""Erasure: what will go, what is retained and why, then one transaction that deletes it.

Erased: the subject's person and identity records (every snapshot), their access-log
records and group memberships, tickets they requested (with all comments), the text of
comments they wrote on other tickets, their identifiers inside included mentions, and
their id in other tickets' CC/follower lists. Retained, with the reason: anything under a
hold (`ds_holds`: legal hold, retention rule, open dispute). FTS entries go with the rows
(triggers, secure-delete) and the WAL is checkpointed (TRUNCATE) afterwards so no old page
copy survives. The certificate and the help-desk plan carry ids and counts only.
Tombstones (keyed hashes, `app.dsar.tombstones`) make a re-import skip them for good.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from app.changes import DSAR, AnnouncesChanges
from app.clock import utc_iso
from app.dsar import tombstones
from app.dsar.actions import require
from app.dsar.errors import DsarError
from app.dsar.queries import add_event, identifiers, load
from app.search import parse_query
from app.security.guard import Service
from app.security.permissions import Permission
from models.dsar import DsarErasure, DsarHold, DsarItem, DsarRequest
from models.helpdesk import AccessLog, Comment, GroupMembership, Identity, Person, Ticket

ERASED = "[erased]"
HOLD_BASES = ("legal-hold", "retention-rule", "open-dispute")


@dataclass(frozen=True)
class Retained:
    object_type: str
    ref: int
    basis: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type,
            "ref": self.ref,
            "basis": self.basis,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ErasurePlan:
    people: tuple[int, ...]  # Zendesk user ids
    tickets: tuple[int, ...]  # deleted with their comments
    comments: tuple[int, ...]  # authored on other tickets: text removed
    mentions: tuple[tuple[str, int], ...]  # (ticket|comment, id): identifiers removed
    cc_tickets: tuple[int, ...]  # their id removed from CC/follower lists
    retained: tuple[Retained, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "people": list(self.people),
            "tickets": list(self.tickets),
            "comments": list(self.comments),
            "mentions": [list(m) for m in self.mentions],
            "cc_tickets": list(self.cc_tickets),
            "retained": [r.to_json() for r in self.retained],
        }


@dataclass(frozen=True)
class Hold:
    id: int
    object_type: str
    object_ref: int
    basis: str
    reason: str
    created_at: str
    created_by: str


@dataclass(frozen=True)
class ErasureResult:
    certificate: dict[str, Any]
    helpdesk_plan: dict[str, Any]
    wal_checkpointed: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "certificate": self.certificate,
            "helpdesk_plan": self.helpdesk_plan,
            "wal_checkpointed": self.wal_checkpointed,
        }


@dataclass(frozen=True)
class ErasureRecord:
    """An erasure as saved on the request: its certificate and the help-desk plan."""

    request_id: int
    reference: str
    at: str
    actor: str
    certificate: dict[str, Any]
    helpdesk_plan: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "reference": self.reference,
            "at": self.at,
            "actor": self.actor,
            "certificate": self.certificate,
            "helpdesk_plan": self.helpdesk_plan,
        }


def certificate_text(record: ErasureRecord) -> str:
    """The certificate and the help-desk plan as plain text (CLI and the pane)."""
    cert, plan = record.certificate, record.helpdesk_plan
    erased = cert.get("erased", {})
    lines = [
        f"Erasure certificate — {record.reference}",
        f"Erased at {cert.get('erased_at', record.at)} by {cert.get('erased_by', record.actor)}",
        "",
        "Erased:",
        *(f"  {k.replace('_', ' ')}: {v}" for k, v in erased.items()),
        "",
        "Retained:" if cert.get("retained") else "Retained: nothing",
        *(
            f"  {r['object_type']} {r['ref']}: {r['basis']} — {r['reason']}"
            for r in cert.get("retained", [])
        ),
        "",
        f"Method: {cert.get('method', '')}",
        f"Note: {cert.get('note', '')}",
        "",
        f"Help-desk plan ({plan.get('system', 'help desk')}):",
        f"  users: {', '.join(map(str, plan.get('users', []))) or '—'}",
        f"  tickets: {', '.join(map(str, plan.get('tickets', []))) or '—'}",
        *(
            f"  redact comment {c['comment_id']} on ticket {c['ticket_id']}"
            for c in plan.get("comments_to_redact", [])
        ),
        "  calls:",
        *(f"    {call}" for call in plan.get("calls", [])),
    ]
    return "\n".join(lines)


def _holds(s: Session) -> dict[tuple[str, int], DsarHold]:
    return {
        (h.object_type, h.object_ref): h
        for h in s.scalars(select(DsarHold).where(DsarHold.released_at.is_(None)))
    }


def make_plan(s: Session, req: DsarRequest) -> ErasurePlan:
    items = s.scalars(
        select(DsarItem).where(DsarItem.request_id == req.id, DsarItem.included.is_(True))
    ).all()
    holds = _holds(s)
    retained: list[Retained] = []

    def held(kind: str, ref: int) -> bool:
        h = holds.get((kind, ref))
        if h is not None:
            retained.append(Retained(kind, ref, h.basis, h.reason))
        return h is not None

    people = sorted({i.ref for i in items if i.kind == "person"})
    if not people:
        raise DsarError(f"no person is included for {req.reference}: run locate first")
    kept_people = [p for p in people if held("person", p)]
    if kept_people:
        return ErasurePlan((), (), (), (), (), tuple(retained))
    tickets = sorted({i.ref for i in items if i.kind == "ticket" and i.source == "requested"})
    tickets = [t for t in tickets if not held("ticket", t)]
    gone = set(tickets)
    held_tickets = {r.ref for r in retained if r.object_type == "ticket"}
    comments = sorted(
        i.ref
        for i in items
        if i.kind == "comment"
        and i.source == "authored"
        and i.ticket_id not in gone
        and i.ticket_id not in held_tickets
    )
    mentions = sorted(
        (i.kind, i.ref)
        for i in items
        if i.source == "mention"
        and (i.ticket_id or i.ref) not in gone
        and not held("ticket", i.ticket_id or i.ref)
    )
    cc = sorted(
        i.ref
        for i in items
        if i.kind == "ticket"
        and i.source == "cc"
        and i.ref not in gone
        and i.ref not in held_tickets
    )
    unique = tuple(dict.fromkeys(retained))
    return ErasurePlan(
        tuple(people), tuple(tickets), tuple(comments), tuple(mentions), tuple(cc), unique
    )


def _scrubber(s: Session, req: DsarRequest, people: Iterable[int]) -> Any:
    emails, phones, _ids = identifiers(req)
    zids = list(people)
    if zids:
        for v, kind in s.execute(
            select(Identity.value, Identity.type).where(Identity.user_id.in_(zids))
        ):
            if v and kind == "email":
                emails.append(v)
            elif v and kind == "phone_number":
                phones.append(v)
        for e, p in s.execute(
            select(Person.email, Person.phone).where(Person.zendesk_id.in_(zids))
        ):
            emails += [e] if e else []
            phones += [p] if p else []
    email_re = [re.compile(re.escape(e), re.I) for e in dict.fromkeys(emails)]
    phone_q = [parse_query(p) for p in dict.fromkeys(phones)]
    name = req.requester_name.strip()
    name_re = re.compile(r"\s+".join(map(re.escape, name.split())), re.I) if name else None

    def scrub(text: str | None) -> str | None:
        if not text:
            return text
        for r in email_re:
            text = r.sub(ERASED, text)
        for q in phone_q:
            for _ in range(20):
                span = q.locate(text)
                if span is None:
                    break
                text = text[: span[0]] + ERASED + text[span[1] :]
        if name_re is not None:
            text = name_re.sub(ERASED, text)
        return text

    return scrub


def _deleted(s: Session, stmt: Any) -> int:
    result: CursorResult[Any] = s.execute(stmt)  # type: ignore[assignment]
    return int(result.rowcount)


def _drop_ids(text: str, zids: set[int]) -> str:
    return json.dumps([v for v in json.loads(text or "[]") if v not in zids])


class ErasureService(AnnouncesChanges, Service):
    AREA = DSAR  # every audited write tells other operators' DSAR panes (app.changes)

    def preview(self, ref: int | str) -> ErasurePlan:
        """What an erasure would delete and what it would keep (ids only)."""
        with self.authorized(Permission.DSAR_VIEW, action="dsar.erase.preview") as (s, _a):
            req = load(s, ref)
            plan = make_plan(s, req)
            self.audit(
                s,
                "dsar.erase.preview",
                object_type="dsar",
                object_id=str(req.id),
                details={"tickets": len(plan.tickets), "retained": len(plan.retained)},
            )
            return plan

    def erase(self, ref: int | str) -> ErasureResult:
        """Erase in one transaction (step-up), then checkpoint the WAL."""
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.erase", step_up=True) as (
            s,
            actor,
        ):
            req = load(s, ref)
            require(s, actor.principal, "erase", req)
            plan = make_plan(s, req)
            subject = tombstones.subject_identifiers(s, plan.people)
            counts = self._apply(s, req, plan)
            now = self.ctx.clock.now()
            kept = tombstones.add(
                s,
                tombstones.key_for(self.ctx.workspace),
                subject if plan.people else [],
                request_id=req.id,
                now=utc_iso(now),
            )
            certificate = {
                "reference": req.reference,
                "request_id": req.id,
                "erased_at": utc_iso(now),
                "erased_by": actor.username,
                "erased": counts,
                "retained": [r.to_json() for r in plan.retained],
                "tombstones": kept,
                "method": "rows deleted in one transaction; full-text index entries removed "
                "(secure-delete); database WAL checkpointed (TRUNCATE); SQLCipher "
                "secure_delete overwrites freed pages; keyed hashes (HMAC-SHA256) of the "
                "subject's ids and identifiers kept so a re-import skips their records",
                "note": "the request record keeps the identifiers the requester gave, as the "
                "record of how the request was handled",
            }
            helpdesk_plan = {
                "system": "zendesk",
                "users": list(plan.people),
                "tickets": list(plan.tickets),
                "comments_to_redact": [
                    {"ticket_id": t, "comment_id": c}
                    for c, t in s.execute(
                        select(Comment.id, Comment.ticket_id).where(Comment.id.in_(plan.comments))
                    )
                ],
                "calls": [f"DELETE /api/v2/users/{u}" for u in plan.people]
                + [f"DELETE /api/v2/deleted_users/{u}" for u in plan.people]
                + (
                    [
                        "DELETE /api/v2/tickets/destroy_many?ids="
                        + ",".join(map(str, plan.tickets)),
                        "DELETE /api/v2/deleted_tickets/destroy_many?ids="
                        + ",".join(map(str, plan.tickets)),
                    ]
                    if plan.tickets
                    else []
                ),
                "retained": [r.to_json() for r in plan.retained],
            }
            s.add(
                DsarErasure(
                    request_id=req.id,
                    at=utc_iso(now),
                    actor=actor.username,
                    certificate_json=json.dumps(certificate, sort_keys=True),
                    plan_json=json.dumps(helpdesk_plan, sort_keys=True),
                )
            )
            add_event(
                s,
                req,
                actor.username,
                now,
                "erase",
                f"Erased {counts['people']} person records and {counts['tickets']} tickets; "
                f"retained {len(plan.retained)}",
                details=counts,
            )
            self.audit(
                s,
                "dsar.erase",
                object_type="dsar",
                object_id=str(req.id),
                details={**counts, "retained": len(plan.retained), "tombstones": kept},
            )
        return ErasureResult(certificate, helpdesk_plan, self._checkpoint())

    def certificate(self, ref: int | str) -> ErasureRecord:
        """The latest erasure's certificate and help-desk plan saved for the request."""
        with self.authorized(Permission.DSAR_VIEW, action="dsar.certificate") as (s, _a):
            req = load(s, ref)
            row = s.scalar(
                select(DsarErasure)
                .where(DsarErasure.request_id == req.id)
                .order_by(DsarErasure.id.desc())
                .limit(1)
            )
            if row is None:
                raise DsarError(f"{req.reference} has no erasure certificate: nothing was erased")
            self.audit(
                s,
                "dsar.certificate.view",
                object_type="dsar",
                object_id=str(req.id),
                details={"erasure": row.id},
            )
            return ErasureRecord(
                req.id,
                req.reference,
                row.at,
                row.actor,
                json.loads(row.certificate_json),
                json.loads(row.plan_json),
            )

    def _checkpoint(self) -> bool:
        """TRUNCATE-checkpoint the WAL outside any transaction; False if readers blocked it."""
        raw = self.ctx.workspace.engine.raw_connection()
        try:
            row = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        return row is not None and int(row[0]) == 0

    def _apply(self, s: Session, req: DsarRequest, plan: ErasurePlan) -> dict[str, int]:
        zids = set(plan.people)
        scrub = _scrubber(s, req, zids)
        counts = {
            "people": 0,
            "identities": 0,
            "tickets": 0,
            "comments_deleted": 0,
            "comments_scrubbed": 0,
            "mentions_scrubbed": 0,
            "access_logs": 0,
            "memberships": 0,
        }
        for tid in plan.tickets:
            counts["comments_deleted"] += _deleted(
                s, delete(Comment).where(Comment.ticket_id == tid)
            )
            counts["tickets"] += _deleted(s, delete(Ticket).where(Ticket.id == tid))
        for c in s.scalars(select(Comment).where(Comment.id.in_(plan.comments))):
            c.body = c.plain_body = c.html_body = f"[comment removed: {req.reference}]"
            c.extra_json = "{}"
            counts["comments_scrubbed"] += 1
        for kind, ref in plan.mentions:
            row = s.get(Ticket, ref) if kind == "ticket" else s.get(Comment, ref)
            if isinstance(row, Ticket):
                row.subject, row.description = scrub(row.subject), scrub(row.description)
                counts["mentions_scrubbed"] += 1
            elif isinstance(row, Comment):
                row.body = scrub(row.body)
                row.plain_body, row.html_body = scrub(row.plain_body), scrub(row.html_body)
                counts["mentions_scrubbed"] += 1
        for t in s.scalars(select(Ticket).where(Ticket.id.in_(plan.cc_tickets))):
            t.email_cc_ids_json = _drop_ids(t.email_cc_ids_json, zids)
            t.follower_ids_json = _drop_ids(t.follower_ids_json, zids)
            t.collaborator_ids_json = _drop_ids(t.collaborator_ids_json, zids)
        if zids:
            counts["identities"] = _deleted(s, delete(Identity).where(Identity.user_id.in_(zids)))
            counts["people"] = _deleted(s, delete(Person).where(Person.zendesk_id.in_(zids)))
            counts["access_logs"] = _deleted(
                s, delete(AccessLog).where(AccessLog.user_id.in_(zids))
            )
            counts["memberships"] = _deleted(
                s, delete(GroupMembership).where(GroupMembership.user_id.in_(zids))
            )
        return counts

    # ------------------------------------------------------------ holds

    def holds(self) -> list[Hold]:
        with self.authorized(Permission.DSAR_VIEW, action="dsar.holds") as (s, _a):
            rows = s.scalars(select(DsarHold).where(DsarHold.released_at.is_(None))).all()
            self.audit(s, "dsar.holds.view", details={"count": len(rows)})
            return [
                Hold(
                    h.id, h.object_type, h.object_ref, h.basis, h.reason, h.created_at, h.created_by
                )
                for h in rows
            ]

    def add_hold(self, object_type: str, ref: int, basis: str, reason: str) -> Hold:
        if object_type not in ("ticket", "person"):
            raise DsarError("a hold is on a ticket or a person")
        if basis not in HOLD_BASES:
            raise DsarError(f"basis must be one of {', '.join(HOLD_BASES)}")
        if not reason.strip():
            raise DsarError("a hold needs a reason")
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.hold") as (s, actor):
            now = utc_iso(self.ctx.clock.now())
            h = DsarHold(
                object_type=object_type,
                object_ref=ref,
                basis=basis,
                reason=reason.strip(),
                created_at=now,
                created_by=actor.username,
            )
            s.add(h)
            s.flush()
            self.audit(
                s,
                "dsar.hold",
                object_type=object_type,
                object_id=str(ref),
                details={"basis": basis, "hold": h.id},
            )
            return Hold(h.id, object_type, ref, basis, h.reason, now, actor.username)

    def release_hold(self, hold_id: int) -> None:
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.hold.release") as (s, _a):
            h = s.get(DsarHold, hold_id)
            if h is None or h.released_at is not None:
                raise DsarError(f"no active hold {hold_id}")
            h.released_at = utc_iso(self.ctx.clock.now())
            self.audit(
                s,
                "dsar.hold.release",
                object_type=h.object_type,
                object_id=str(h.object_ref),
                details={"hold": h.id},
            )
