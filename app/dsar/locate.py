"""Locate everything about a data subject in the help-desk data (issue 7, "Locate").

Sources, strongest first: the person records (latest directory snapshot) matched by any
identifier; tickets they requested or submitted; tickets they are CC'd on, follow or
collaborate on; comments they wrote; and mentions of any of their identifiers inside other
tickets and comments (full text through the search backend, confirmed on the stored text).
Each item says why it matched; the officer's include/exclude choice is kept on re-runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.changes import DSAR, AnnouncesChanges
from app.dsar.errors import DsarError
from app.dsar.queries import add_event, identifiers, load
from app.importers.loader import latest_snapshot
from app.masking import excerpt, mask_email, mask_text
from app.search import Fts5Backend, parse_query
from app.security.guard import Service
from app.security.permissions import Permission
from models.dsar import DsarItem, DsarRequest
from models.helpdesk import SNAPSHOT_DIRECTORY, Comment, Identity, Person, Ticket

SOURCES = ("person", "requested", "cc", "authored", "mention")
SOURCE_TITLES = {
    "person": "Person records",
    "requested": "Tickets they requested",
    "cc": "Tickets they were copied on or follow",
    "authored": "Comments they wrote",
    "mention": "Mentions in other people's tickets",
}
MENTION_LIMIT = 500


@dataclass(frozen=True)
class LocatedItem:
    source: str
    kind: str  # person | ticket | comment
    ref: int
    ticket_id: int | None
    reasons: tuple[str, ...]
    included: bool
    label: str  # what it is, personal data masked

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.ref

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "ref": self.ref,
            "ticket_id": self.ticket_id,
            "reasons": list(self.reasons),
            "included": self.included,
            "label": self.label,
        }


@dataclass
class _Found:
    source: str
    kind: str
    ref: int
    ticket_id: int | None
    reasons: list[str]


class _Collector:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], _Found] = {}

    def add(self, source: str, kind: str, ref: int, ticket_id: int | None, reason: str) -> None:
        found = self.items.get((kind, ref))
        if found is None:
            self.items[(kind, ref)] = _Found(source, kind, ref, ticket_id, [reason])
            return
        if SOURCES.index(source) < SOURCES.index(found.source):
            found.source = source
        if reason not in found.reasons:
            found.reasons.append(reason)


def latest_directory(s: Session) -> int | None:
    snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
    return snap.id if snap else None


def _mask_phone(p: str) -> str:
    digits = "".join(c for c in p if c.isdigit())
    return f"ending …{digits[-2:]}" if len(digits) >= 4 else "***"


def find_people(
    s: Session, emails: Sequence[str], phones: Sequence[str], ids: Sequence[str], name: str
) -> dict[int, list[str]]:
    """Zendesk user id → reasons, from the latest directory snapshot."""
    snap = latest_directory(s)
    found: dict[int, list[str]] = {}
    if snap is None:
        return found

    def hit(zid: int | None, reason: str) -> None:
        if zid is not None and reason not in found.setdefault(zid, []):
            found[zid].append(reason)

    lowered = [e.lower() for e in emails]
    people = s.execute(
        select(
            Person.zendesk_id, Person.email, Person.phone, Person.external_id, Person.name
        ).where(Person.snapshot_id == snap)
    ).all()
    identities = s.execute(
        select(Identity.user_id, Identity.type, Identity.value).where(
            Identity.snapshot_id == snap, Identity.type.in_(("email", "phone_number"))
        )
    ).all()
    queries = [(p, parse_query(p)) for p in phones]
    for zid, email, phone, external_id, pname in people:
        if email and email.lower() in lowered:
            hit(zid, f"email {mask_email(email.lower())} is their primary email")
        for raw, q in queries:
            if phone and q.locate(phone):
                hit(zid, f"phone {_mask_phone(raw)} is their phone")
        if external_id and external_id in ids:
            hit(zid, "customer id matches their external id")
        if zid is not None and str(zid) in ids:
            hit(zid, "customer id matches their help-desk user id")
        if pname and name and pname.strip().lower() == name.strip().lower():
            hit(zid, "name matches (check another identifier too)")
    for user_id, kind, value in identities:
        if not value:
            continue
        if kind == "email" and value.lower() in lowered:
            hit(user_id, f"email {mask_email(value.lower())} is one of their identities")
        if kind == "phone_number":
            for raw, q in queries:
                if q.locate(value):
                    hit(user_id, f"phone {_mask_phone(raw)} is one of their identities")
    return found


def _id_list(text: str) -> set[int]:
    return {int(v) for v in json.loads(text or "[]") if isinstance(v, int)}


def collect(s: Session, req: DsarRequest) -> _Collector:
    emails, phones, ids = identifiers(req)
    out = _Collector()
    people = find_people(s, emails, phones, ids, req.requester_name)
    zids = set(people)
    for zid, reasons in people.items():
        for reason in reasons:
            out.add("person", "person", zid, None, reason)
    if zids:
        for t in s.scalars(
            select(Ticket).where(or_(Ticket.requester_id.in_(zids), Ticket.submitter_id.in_(zids)))
        ):
            why = "they are the requester" if t.requester_id in zids else "they submitted it"
            out.add("requested", "ticket", t.id, t.id, why)
        like = [
            getattr(Ticket, col).like(f"%{z}%")
            for z in zids
            for col in ("email_cc_ids_json", "follower_ids_json", "collaborator_ids_json")
        ]
        for t in s.scalars(select(Ticket).where(or_(*like))):
            for col, what in (
                ("email_cc_ids_json", "they are CC'd"),
                ("follower_ids_json", "they follow it"),
                ("collaborator_ids_json", "they are a collaborator"),
            ):
                if _id_list(getattr(t, col)) & zids:
                    out.add("cc", "ticket", t.id, t.id, what)
        for c in s.scalars(select(Comment).where(Comment.author_id.in_(zids))):
            out.add("authored", "comment", c.id, c.ticket_id, "they wrote it")
    # Every identifier known for them: what they gave us plus their directory identities.
    terms = list(emails) + list(phones) + list(ids)
    snap = latest_directory(s)
    if zids and snap is not None:
        terms += [
            v
            for (v,) in s.execute(
                select(Identity.value).where(
                    Identity.snapshot_id == snap,
                    Identity.user_id.in_(zids),
                    Identity.type.in_(("email", "phone_number")),
                )
            )
            if v
        ]
    backend = Fts5Backend()
    for term in dict.fromkeys(t.lower() if "@" in t else t for t in terms):
        q = parse_query(term)
        if not q.exact:
            continue
        what = {"email": "email", "phone": "phone", "id": "id"}[q.kind]
        shown = mask_email(term) if q.kind == "email" else _mask_phone(term)
        for h in backend.search(s, q, ("ticket", "comment"), MENTION_LIMIT):
            if h.id is None:
                continue
            out.add("mention", h.kind, int(h.id), h.ticket_id, f"{what} {shown} in {h.field}")
    if req.requester_name.strip():
        name_q = parse_query(req.requester_name)
        for h in backend.search(s, name_q, ("ticket", "comment"), MENTION_LIMIT):
            if h.id is not None and _has_phrase(h.body, req.requester_name):
                out.add("mention", h.kind, int(h.id), h.ticket_id, f"name in {h.field}")
    return out


def _has_phrase(body: str, name: str) -> bool:
    return " ".join(name.lower().split()) in " ".join(body.lower().split())


def label_for(s: Session, kind: str, ref: int) -> str:
    if kind == "person":
        snap = latest_directory(s)
        p = s.scalar(select(Person).where(Person.snapshot_id == snap, Person.zendesk_id == ref))
        return f"{p.name or '(no name)'} · {p.role}" if p else "(no longer in the directory)"
    if kind == "ticket":
        t = s.get(Ticket, ref)
        return f"#{t.id} {mask_text(t.subject or '')} [{t.status or '?'}]" if t else "(erased)"
    c = s.get(Comment, ref)
    if c is None:
        return "(erased)"
    body = c.body or ""
    return excerpt(body, 0, 0, width=90)


class LocateService(AnnouncesChanges, Service):
    AREA = DSAR  # every audited write tells other operators' DSAR panes (app.changes)

    def locate(self, ref: int | str) -> list[LocatedItem]:
        """Search every source for the subject and save the result on the request.

        Items found before keep the officer's include/exclude choice."""
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.locate") as (s, actor):
            if not actor.principal.can(Permission.HELPDESK_VIEW):
                raise DsarError("locating needs permission to view help-desk data")
            req = load(s, ref)
            found = collect(s, req)
            old = {
                (i.kind, i.ref): i
                for i in s.scalars(select(DsarItem).where(DsarItem.request_id == req.id))
            }
            for key, item in old.items():
                if key not in found.items:
                    s.delete(item)
            for key, f in found.items.items():
                row = old.get(key)
                if row is None:
                    row = DsarItem(request_id=req.id, kind=f.kind, ref=f.ref, included=True)
                    s.add(row)
                row.source, row.ticket_id = f.source, f.ticket_id
                row.reasons_json = json.dumps(f.reasons)
            s.flush()
            counts = {src: 0 for src in SOURCES}
            for f in found.items.values():
                counts[f.source] += 1
            now = self.ctx.clock.now()
            add_event(
                s,
                req,
                actor.username,
                now,
                "locate",
                f"Located {len(found.items)} items",
                details=counts,
            )
            self.audit(s, "dsar.locate", object_type="dsar", object_id=str(req.id), details=counts)
            return self._items(s, req.id)

    def items(self, ref: int | str) -> list[LocatedItem]:
        """The saved locate result (a view of personal data: audited)."""
        with self.authorized(Permission.DSAR_VIEW, action="dsar.items") as (s, _actor):
            req = load(s, ref)
            items = self._items(s, req.id)
            self.audit(
                s,
                "dsar.items.view",
                object_type="dsar",
                object_id=str(req.id),
                details={"count": len(items)},
            )
            return items

    def set_included(
        self, ref: int | str, keys: Iterable[tuple[str, int]], included: bool
    ) -> list[LocatedItem]:
        wanted = set(keys)
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.select") as (s, actor):
            req = load(s, ref)
            changed = 0
            for row in s.scalars(select(DsarItem).where(DsarItem.request_id == req.id)):
                if (row.kind, row.ref) in wanted and row.included != included:
                    row.included = included
                    changed += 1
            if changed:
                add_event(
                    s,
                    req,
                    actor.username,
                    self.ctx.clock.now(),
                    "select",
                    f"{'Included' if included else 'Excluded'} {changed} items",
                )
            self.audit(
                s,
                "dsar.select",
                object_type="dsar",
                object_id=str(req.id),
                details={"included": included, "changed": changed},
            )
            return self._items(s, req.id)

    def _items(self, s: Session, request_id: int) -> list[LocatedItem]:
        rows = s.scalars(select(DsarItem).where(DsarItem.request_id == request_id)).all()
        items = [
            LocatedItem(
                r.source,
                r.kind,
                r.ref,
                r.ticket_id,
                tuple(json.loads(r.reasons_json)),
                r.included,
                label_for(s, r.kind, r.ref),
            )
            for r in rows
        ]
        return sorted(items, key=lambda i: (SOURCES.index(i.source), i.kind, i.ref))
