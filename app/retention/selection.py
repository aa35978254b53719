"""Which records a policy selects now, and which of them a legal hold keeps.

Holds always win: the DSAR holds (``ds_holds``: a ticket, or a person — which keeps their
tickets too) and holds by tag (``rt_holds``: tickets or end users carrying the tag).
Selection filters on non-personal columns in SQL (status, group, ids) and on dates and
tags in Python; it never reads a personal column in a WHERE clause.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inventory.scan import latest_directory
from app.retention.policies import OPEN_STATUSES, Policy, RetentionError
from models.dsar import DsarHold
from models.helpdesk import Comment, HelpdeskGroup, Person, Ticket
from models.inventory import RetentionHold


@dataclass(frozen=True)
class Selection:
    ids: tuple[int, ...]  # ticket ids, Zendesk user ids or comment ids, ascending
    held: tuple[int, ...]
    months: dict[str, int]  # of the selected records' age reference, YYYY-MM → count

    @property
    def digest(self) -> str:
        return ids_digest(self.ids)


def ids_digest(ids: tuple[int, ...] | list[int]) -> str:
    return hashlib.sha256("\n".join(map(str, sorted(ids))).encode()).hexdigest()


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _tags(raw: str | None) -> set[str]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return set()
    return {str(t) for t in value} if isinstance(value, list) else set()


@dataclass(frozen=True)
class Holds:
    tickets: frozenset[int]
    people: frozenset[int]
    tags: frozenset[str]


def active_holds(s: Session) -> Holds:
    tickets: set[int] = set()
    people: set[int] = set()
    for kind, ref in s.execute(
        select(DsarHold.object_type, DsarHold.object_ref).where(DsarHold.released_at.is_(None))
    ):
        (tickets if kind == "ticket" else people).add(int(ref))
    tags = set(s.scalars(select(RetentionHold.tag).where(RetentionHold.released_at.is_(None))))
    return Holds(frozenset(tickets), frozenset(people), frozenset(tags))


def _group_id(s: Session, group: str) -> int:
    if group.isdigit():
        return int(group)
    snapshot = latest_directory(s)
    for gid, name in s.execute(
        select(HelpdeskGroup.zendesk_id, HelpdeskGroup.name).where(
            HelpdeskGroup.snapshot_id == snapshot
        )
    ):
        if (name or "").strip().lower() == group.strip().lower():
            return int(gid)
    raise RetentionError(f"--group {group!r}: no such group in the latest directory snapshot")


def _tickets(s: Session, p: Policy, now: datetime) -> tuple[list[Any], Holds]:
    """(ticket row, age reference) for the tickets the filters match, and the holds."""
    q = select(
        Ticket.id, Ticket.status, Ticket.updated_at, Ticket.created_at, Ticket.tags_json,
        Ticket.requester_id,
    ).order_by(Ticket.id)  # fmt: skip
    if p.status:
        q = q.where(Ticket.status == p.status)
    if p.group:
        q = q.where(Ticket.group_id == _group_id(s, p.group))
    cutoff = now - timedelta(days=p.older_than_days or 0)
    out = []
    for t in s.execute(q):
        ref = _when(t.updated_at) or _when(t.created_at)
        if ref is None or ref > cutoff:
            continue
        if p.tag and p.tag not in _tags(t.tags_json):
            continue
        out.append((t, ref))
    return out, active_holds(s)


def _ticket_held(t: Any, holds: Holds) -> bool:
    return (
        t.id in holds.tickets
        or (t.requester_id is not None and int(t.requester_id) in holds.people)
        or bool(_tags(t.tags_json) & holds.tags)
    )


def select_records(s: Session, p: Policy, now: datetime) -> Selection:
    if p.target == "users":
        return _users(s, p, now)
    matched, holds = _tickets(s, p, now)
    ids, held, months = [], [], Counter[str]()
    if p.target == "tickets":
        for t, ref in matched:
            if _ticket_held(t, holds):
                held.append(int(t.id))
            else:
                ids.append(int(t.id))
                months[ref.strftime("%Y-%m")] += 1
        return Selection(tuple(ids), tuple(held), dict(sorted(months.items())))
    # attachments: the comments of matching tickets that carry attachments
    by_ticket = {int(t.id): (t, ref) for t, ref in matched}
    for chunk in _chunks(sorted(by_ticket), 500):
        for cid, tid, extra in s.execute(
            select(Comment.id, Comment.ticket_id, Comment.extra_json)
            .where(Comment.ticket_id.in_(chunk))
            .order_by(Comment.id)
        ):
            if not has_attachments(extra):
                continue
            t, ref = by_ticket[int(tid)]
            if _ticket_held(t, holds):
                held.append(int(cid))
            else:
                ids.append(int(cid))
                months[ref.strftime("%Y-%m")] += 1
    return Selection(tuple(sorted(ids)), tuple(sorted(held)), dict(sorted(months.items())))


def has_attachments(extra_json: str | None) -> bool:
    try:
        extra = json.loads(extra_json or "{}")
    except ValueError:
        return False
    return isinstance(extra, dict) and bool(extra.get("attachments"))


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _users(s: Session, p: Policy, now: datetime) -> Selection:
    snapshot = latest_directory(s)
    if snapshot is None:
        return Selection((), (), {})
    holds = active_holds(s)
    cutoff = now - timedelta(days=p.inactive_days or 0)
    open_requesters = {
        int(r or 0)
        for r in s.scalars(
            select(Ticket.requester_id).where(
                Ticket.status.in_(OPEN_STATUSES), Ticket.requester_id.is_not(None)
            )
        )
    }
    latest_ticket: dict[int, datetime] = {}
    for rid, updated in s.execute(
        select(Ticket.requester_id, Ticket.updated_at).where(Ticket.requester_id.is_not(None))
    ):
        when, key = _when(updated), int(rid or 0)
        if when is not None and when > latest_ticket.get(key, datetime.min.replace(tzinfo=UTC)):
            latest_ticket[key] = when
    ids, held, months = [], [], Counter[str]()
    for zid, last_login, updated, created, tags in s.execute(
        select(
            Person.zendesk_id, Person.last_login_at, Person.updated_at, Person.created_at,
            Person.tags_json,
        )
        .where(Person.snapshot_id == snapshot, Person.role == "end-user")
        .order_by(Person.zendesk_id)
    ):  # fmt: skip
        if zid is None or int(zid) in open_requesters:
            continue
        seen = [w for w in (_when(last_login), _when(updated), _when(created)) if w is not None]
        if int(zid) in latest_ticket:
            seen.append(latest_ticket[int(zid)])
        last = max(seen) if seen else None
        if last is None or last > cutoff:
            continue
        if p.tag and p.tag not in _tags(tags):
            continue
        if int(zid) in holds.people or _tags(tags) & holds.tags:
            held.append(int(zid))
        else:
            ids.append(int(zid))
            months[last.strftime("%Y-%m")] += 1
    return Selection(tuple(ids), tuple(held), dict(sorted(months.items())))
