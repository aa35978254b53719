"""Change notifications (issue 17): which area ("review", "dsar") another operator changed.

Writers announce, readers find out:

- **Announce.** A service whose class mixes in `AnnouncesChanges` announces its area in
  every write transaction it audits (`announce`): on PostgreSQL that is
  ``SELECT pg_notify('privdesk_changes', 'review')`` in the same transaction, so the
  notification goes out when, and only if, the change commits. On SQLite nothing is sent.
- **Find out.** `ChangeFeed.listen` (PostgreSQL) holds a connection of its own with
  ``LISTEN privdesk_changes`` and calls back for each notification; it blocks, so a front
  end runs it on a worker thread, never the UI thread. `ChangeFeed.poll` (SQLite) reads
  ``PRAGMA data_version`` on a connection it keeps — a number that moves only when
  another connection committed — and, when it moved, a fingerprint of each area's tables
  (row counts, the sum of the rows' `version` columns), so it names the areas that
  changed and stays quiet about an import.

Payloads are area names only: no ids, no personal data. A pane that hears its area
reloads what it shows (views/common/live.py debounces and delivers on the GUI thread).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import Connection, Engine, case, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.clock import utc_iso
from app.errors import StaleEdit
from models.dsar import DsarEvent, DsarHold, DsarItem, DsarRequest
from models.review import ReviewCampaign, ReviewComment, ReviewItem, ReviewVerification

if TYPE_CHECKING:
    from app.security.guard import Actor, Service

CHANNEL = "privdesk_changes"
REVIEW = "review"
DSAR = "dsar"
AREAS: tuple[str, ...] = (REVIEW, DSAR)


def _fingerprints() -> dict[str, tuple[Any, ...]]:
    """Per area, cheap aggregates that change whenever a row the area shows changes."""
    signed_off = func.coalesce(
        func.sum(case((ReviewCampaign.status == "signed_off", 1), else_=0)), 0
    )
    included = func.coalesce(func.sum(case((DsarItem.included.is_(True), 1), else_=0)), 0)
    return {
        REVIEW: (
            select(func.count(), func.coalesce(func.sum(ReviewItem.version), 0)),
            select(func.count(), signed_off),
            select(func.count(), func.coalesce(func.max(ReviewComment.id), 0)),
            select(func.count(ReviewVerification.id)),
        ),
        DSAR: (
            select(func.count(), func.coalesce(func.sum(DsarRequest.version), 0)),
            select(func.count(), func.coalesce(func.max(DsarEvent.id), 0)),
            select(func.count(), included),
            select(func.count(), func.count(DsarHold.released_at)),
        ),
    }


def _check(area: str) -> str:
    if area not in AREAS:
        raise ValueError(f"unknown change area {area!r}: one of {', '.join(AREAS)}")
    return area


def announce(s: Session, area: str) -> None:
    """Tell other operators, when this transaction commits, that `area` changed.

    PostgreSQL: ``pg_notify`` in the transaction (the server folds repeats of one payload
    into one notification and drops them all on rollback). SQLite: nothing to send; readers
    see the commit through ``PRAGMA data_version``.
    """
    _check(area)
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_notify(:channel, :area)"), {"channel": CHANNEL, "area": area})


class Versioned(Protocol):
    """A row under optimistic concurrency (ar_items, ds_requests)."""

    version: int
    changed_by: str | None
    changed_at: str | None


def require_version(what: str, row: Versioned, expected: int | None, now: datetime) -> None:
    """Refuse with `StaleEdit` when the row is no longer the version the operator saw.

    `expected` None: the caller read and writes in this one transaction (the CLI), so the
    current version is the one it saw."""
    if expected is not None and row.version != expected:
        raise StaleEdit(what, row.changed_by, row.changed_at, current_version=row.version, now=now)


def mark_changed(row: Versioned, actor: Actor, now: datetime) -> None:
    """Who made the row's next version, and when (the flush bumps `version` itself)."""
    row.changed_by, row.changed_at = actor.username, utc_iso(now)


@contextlib.contextmanager
def refusing_stale(
    service: Service, action: str, what: str, object_type: str, object_id: str
) -> Iterator[None]:
    """Around an `authorized` block: a `StaleEdit` raised in it (or a lost compare-and-swap
    at the flush, SQLAlchemy's StaleDataError) is audited as a refused `action`, in its
    own transaction as a permission refusal is, and raised; nothing of the action is kept."""
    try:
        try:
            yield
        except StaleDataError:
            raise StaleEdit(
                what, None, None, current_version=0, now=service.ctx.clock.now()
            ) from None
    except StaleEdit as exc:
        principal = service.principal
        service.ctx.defer(
            [
                service.ctx.pending(
                    action,
                    actor=principal.username,
                    session_id=principal.session_id,
                    object_type=object_type,
                    object_id=object_id,
                    outcome="denied",
                    details={"reason": "stale_edit", "current_version": exc.current_version},
                )
            ]
        )
        raise


class AnnouncesChanges:
    """Mixin for a `Service`: every audited write announces the class's `AREA`.

    Place it before `Service` in the bases. Read-only actions (READ_ACTIONS) audit after
    their transaction (`audit` returns 0 then) and announce nothing.
    """

    AREA: ClassVar[str]

    def audit(self, s: Session, action: str, **fields: Any) -> int:
        seq = int(super().audit(s, action, **fields))  # type: ignore[misc]
        if seq:
            announce(s, self.AREA)
        return seq


class ChangeFeed:
    """Which areas other connections changed: `poll` on SQLite, `listen` on PostgreSQL."""

    def __init__(self, engine: Engine, areas: Iterable[str] = AREAS) -> None:
        self.engine = engine
        self.areas: tuple[str, ...] = tuple(_check(a) for a in areas)
        self._conn: Connection | None = None
        self._data_version: int | None = None
        self._prints: dict[str, tuple[tuple[Any, ...], ...]] = {}

    @property
    def on_server(self) -> bool:
        """PostgreSQL: use `listen` (on a worker thread); else `poll` on a timer."""
        return self.engine.dialect.name == "postgresql"

    # ------------------------------------------------------------ SQLite: poll

    def moved(self) -> bool:
        """Did another connection commit since the last `poll`? One ``PRAGMA data_version``:
        cheap enough for the GUI thread; `poll` then says which areas (slower)."""
        conn = self._connection()
        try:
            version = int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())
        finally:
            conn.rollback()
        return version != self._data_version

    def _connection(self) -> Connection:
        if self.on_server:
            raise RuntimeError("PostgreSQL announces changes: use listen(), not poll()")
        if self._conn is None:
            self._conn = self.engine.execution_options(privdesk_read_only=True).connect()
        return self._conn

    def poll(self) -> set[str]:
        """The areas whose tables another connection changed since the last poll.

        The first call only takes the baseline (and returns nothing). Cheap while nothing
        happens: one ``PRAGMA data_version`` on a connection kept for the purpose.
        """
        conn = self._connection()
        try:
            version = int(conn.exec_driver_sql("PRAGMA data_version").scalar_one())
            if version == self._data_version:
                return set()
            queries = _fingerprints()
            prints = {
                a: tuple(tuple(conn.execute(q).one()) for q in queries[a]) for a in self.areas
            }
        finally:
            conn.rollback()  # never keep a read snapshot open between polls
        first = self._data_version is None
        self._data_version = version
        changed = set() if first else {a for a in self.areas if prints[a] != self._prints.get(a)}
        self._prints = prints
        return changed

    # ------------------------------------------------------------ PostgreSQL: listen

    def listen(
        self,
        on_change: Callable[[str], None],
        stop: threading.Event,
        *,
        ready: threading.Event | None = None,
        wait_s: float = 0.25,
    ) -> None:
        """``LISTEN privdesk_changes`` on a connection of its own and call `on_change(area)`
        for each notification about one of `areas`, until `stop` is set. Blocks: run it on
        a worker thread. `ready` is set once the LISTEN is in place."""
        if not self.on_server:
            raise RuntimeError("SQLite sends no notifications: use poll()")
        raw = self.engine.raw_connection()
        pg: Any = raw.driver_connection
        raw.detach()  # LISTEN and autocommit must never go back into the pool
        try:
            pg.rollback()  # end whatever the pool's checkout began, then leave transactions
            pg.autocommit = True
            pg.execute(f"LISTEN {CHANNEL}")
            if ready is not None:
                ready.set()
            while not stop.is_set():
                for note in pg.notifies(timeout=wait_s):
                    if note.channel == CHANNEL and note.payload in self.areas:
                        on_change(str(note.payload))
                    if stop.is_set():
                        break
        finally:
            raw.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
