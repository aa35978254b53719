"""Reading the three sources as `Event`s, from a high-water mark per source.

- ``access_log``: Zendesk access-log records (`hd_access_logs`), actor = Zendesk user id
- ``zendesk_audit``: Zendesk audit-log records (`hd_audit_logs`), actor = Zendesk user id
- ``privdesk_audit``: PrivDesk's own audit log (`audit_log`), actor = operator username

A cursor is the (time, id) of the last event read (the seq for PrivDesk's log). Events are
selected by time and id only (no personal column in a WHERE); a record imported later
with an older time than the cursor is not read again — the dedup keys keep a re-read
harmless, the cursor keeps a run short.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.monitoring.engine import Event
from models.helpdesk import AccessLog, ZendeskAuditLog
from models.monitoring import Cursor
from models.security import AuditEntry

SOURCE_ACCESS = "access_log"
SOURCE_ZENDESK = "zendesk_audit"
SOURCE_PRIVDESK = "privdesk_audit"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Batch:
    """A source's events in time order; `events[new_from:]` are new; `position` the new mark."""

    source: str
    events: tuple[Event, ...]
    new_from: int
    position: str | None  # None: nothing new

    @property
    def new_count(self) -> int:
        return len(self.events) - self.new_from


def cursor(s: Session, source: str) -> str | None:
    row = s.get(Cursor, source)
    return row.position if row is not None else None


def save_cursor(s: Session, source: str, position: str, now: datetime) -> None:
    row = s.get(Cursor, source)
    if row is None:
        s.add(Cursor(source=source, position=position, updated_at=utc_iso(now)))
    else:
        row.position, row.updated_at = position, utc_iso(now)


def _split(position: str | None) -> tuple[str, str]:
    if not position:
        return "", ""
    ts, _, key = position.partition("|")
    return ts, key


def _access_event(r: AccessLog) -> Event | None:
    at = parse_time(r.timestamp)
    if at is None:
        return None
    url = r.url or ""
    parts = urlsplit(url)
    fields = {
        "method": (r.method or "").upper(),
        "url": url,
        "path": parts.path if parts.scheme or url.startswith("/") else url.split("?")[0],
        "status": "" if r.status is None else str(r.status),
        "authorization_type": r.authorization_type or "",
        "category": r.category or "",
        "summary": r.summary or "",
    }
    status = f" ({r.status})" if r.status is not None else ""
    line = f"{fields['method']} {fields['path']}{status}".strip()
    actor = "" if r.user_id is None else str(r.user_id)
    return Event(SOURCE_ACCESS, r.id, at, actor, r.ip_address, fields, line)


def _zendesk_event(r: ZendeskAuditLog) -> Event | None:
    at = parse_time(r.created_at)
    if at is None:
        return None
    fields = {
        "action": r.action or "",
        "source_type": r.source_type or "",
        "source_label": r.source_label or "",
        "change_description": r.change_description or "",
    }
    what = " · ".join(v for v in (fields["source_label"], fields["change_description"]) if v)
    line = f"{fields['action']} {fields['source_type']}: {what}".strip()
    actor = "" if r.actor_id is None else str(r.actor_id)
    return Event(
        SOURCE_ZENDESK, str(r.id), at, actor, r.ip_address, fields, line, r.actor_name or ""
    )


def _privdesk_event(r: AuditEntry) -> Event | None:
    at = parse_time(r.ts_utc)
    if at is None:
        return None
    actor = r.actor or ""
    if not actor:
        try:
            details: Any = json.loads(r.details_json or "{}")
        except ValueError:
            details = {}
        hashed = details.get("username_sha256") if isinstance(details, dict) else None
        actor = f"unknown:{hashed}" if isinstance(hashed, str) else "unknown"
    fields = {"action": r.action, "outcome": r.outcome, "object_type": r.object_type or ""}
    line = f"{r.action} ({r.outcome})"
    return Event(SOURCE_PRIVDESK, str(r.seq), at, actor, None, fields, line)


def _access(s: Session, position: str | None, since: timedelta) -> Batch:
    ts, key = _split(position)
    newer = or_(AccessLog.timestamp > ts, and_(AccessLog.timestamp == ts, AccessLog.id > key))
    first = s.scalar(select(func.min(AccessLog.timestamp)).where(newer))
    if first is None:
        return Batch(SOURCE_ACCESS, (), 0, None)
    start = _start(first, since)
    rows = s.scalars(
        select(AccessLog)
        .where(AccessLog.timestamp >= start)
        .order_by(AccessLog.timestamp, AccessLog.id)
    )
    old: list[Event] = []
    new: list[Event] = []
    last: tuple[str, str] = (ts, key)
    for r in rows:
        e = _access_event(r)
        is_new = (r.timestamp or "", r.id) > (ts, key)
        if is_new:
            last = max(last, (r.timestamp or "", r.id))
        if e is not None:
            (new if is_new else old).append(e)
    return _batch(SOURCE_ACCESS, old, new, f"{last[0]}|{last[1]}")


def _zendesk(s: Session, position: str | None, since: timedelta) -> Batch:
    ts, key = _split(position)
    last_id = int(key) if key.lstrip("-").isdigit() else -(2**62)
    table = ZendeskAuditLog
    newer = or_(table.created_at > ts, and_(table.created_at == ts, table.id > last_id))
    first = s.scalar(select(func.min(table.created_at)).where(newer))
    if first is None:
        return Batch(SOURCE_ZENDESK, (), 0, None)
    rows = s.scalars(
        select(table)
        .where(table.created_at >= _start(first, since))
        .order_by(table.created_at, table.id)
    )
    old: list[Event] = []
    new: list[Event] = []
    last: tuple[str, int] = (ts, last_id)
    for r in rows:
        e = _zendesk_event(r)
        is_new = (r.created_at or "", r.id) > (ts, last_id)
        if is_new:
            last = max(last, (r.created_at or "", r.id))
        if e is not None:
            (new if is_new else old).append(e)
    return _batch(SOURCE_ZENDESK, old, new, f"{last[0]}|{last[1]}")


def _privdesk(s: Session, position: str | None, since: timedelta) -> Batch:
    last_seq = int(position) if position and position.isdigit() else 0
    first = s.scalar(select(func.min(AuditEntry.ts_utc)).where(AuditEntry.seq > last_seq))
    if first is None:
        return Batch(SOURCE_PRIVDESK, (), 0, None)
    rows = s.scalars(
        select(AuditEntry)
        .where(or_(AuditEntry.seq > last_seq, AuditEntry.ts_utc >= _start(first, since)))
        .order_by(AuditEntry.seq)
    )
    old: list[Event] = []
    new: list[Event] = []
    top = last_seq
    for r in rows:
        e = _privdesk_event(r)
        if r.seq > last_seq:
            top = max(top, r.seq)
        if e is not None:
            (new if r.seq > last_seq else old).append(e)
    return _batch(SOURCE_PRIVDESK, old, new, str(top))


def _start(first: str, since: timedelta) -> str:
    at = parse_time(first)
    return first if at is None else utc_iso(at - since)


def _batch(source: str, old: Sequence[Event], new: Sequence[Event], position: str) -> Batch:
    # Every old event is at or before the cursor and every new one after it, so the old
    # ones, then the new ones, each in time order, are the whole look back in time order.
    events = tuple(sorted(old, key=lambda e: e.at)) + tuple(sorted(new, key=lambda e: e.at))
    return Batch(source, events, len(old), position)


READERS = {SOURCE_ACCESS: _access, SOURCE_ZENDESK: _zendesk, SOURCE_PRIVDESK: _privdesk}


def read(s: Session, source: str, since: timedelta) -> Batch:
    """The new events of `source` with `since` of history before the first of them."""
    return READERS[source](s, cursor(s, source), since)


def purge(s: Session, now: datetime, keep_days: int) -> dict[str, int]:
    """Delete imported access and audit logs older than `keep_days` (the retention setting)."""
    cutoff = utc_iso(now - timedelta(days=keep_days))
    out = {}
    for name, table, column in (
        (SOURCE_ACCESS, AccessLog, AccessLog.timestamp),
        (SOURCE_ZENDESK, ZendeskAuditLog, ZendeskAuditLog.created_at),
    ):
        result = s.execute(delete(table).where(column < cutoff))
        out[name] = int(getattr(result, "rowcount", 0) or 0)
    return out
