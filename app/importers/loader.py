"""Writing validated rows inside the import's one transaction, in batches.

Directory and roster rows go into snapshots (:mod:`app.importers.snapshots`). Tickets,
comments and log records are upserted by id, comparing a per-row hash so an unchanged row
is not touched.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, desc, insert, select, update
from sqlalchemy.orm import Session

from app.importers.fields import row_hash
from app.importers.problems import Location, Problems
from models.helpdesk import Person, Snapshot, Ticket

BATCH = 500

_EMPTY = -(1 << 63)  # a free slot; this one int64 value goes to IdSet's fallback set
_INT64_MAX = (1 << 63) - 1
_M64 = (1 << 64) - 1
_FIB = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing


class IdSet:
    """A set of ids in ~12-24 bytes each, where a Python set of ints costs ~60-90.

    Integer ids that fit in int64 live in an open-addressing hash table over an
    ``array('q')`` (linear probing, at most 2/3 full); anything else (text ids, out-of-range
    ints) falls back to an ordinary set. An import keeps one id per row it read for the
    duplicate-id and dangling-reference checks, so this is what its memory grows by.
    """

    def __init__(self) -> None:
        self._bits = 10
        self._table = array("q", [_EMPTY]) * (1 << self._bits)
        self._used = 0
        self._other: set[Any] = set()

    def __len__(self) -> int:
        return self._used + len(self._other)

    def _slot(self, ident: int) -> int:
        """The slot holding `ident`, or the free slot where it would go."""
        table, mask = self._table, (1 << self._bits) - 1
        i = ((ident * _FIB) & _M64) >> (64 - self._bits)
        while True:
            found = table[i]
            if found in (ident, _EMPTY):
                return i
            i = (i + 1) & mask

    def __contains__(self, ident: Any) -> bool:
        if type(ident) is not int or not _EMPTY < ident <= _INT64_MAX:
            return ident in self._other
        return self._table[self._slot(ident)] == ident

    def add(self, ident: Any) -> bool:
        """Add `ident`; False if it was there already."""
        if type(ident) is not int or not _EMPTY < ident <= _INT64_MAX:
            if ident in self._other:
                return False
            self._other.add(ident)
            return True
        i = self._slot(ident)
        if self._table[i] == ident:
            return False
        self._table[i] = ident
        self._used += 1
        if 3 * self._used > 2 * len(self._table):
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        self._bits += 1
        self._table = array("q", [_EMPTY]) * (1 << self._bits)
        for ident in old:
            if ident != _EMPTY:
                self._table[self._slot(ident)] = ident


@dataclass
class KindCount:
    read: int = 0
    inserted: int = 0  # snapshot kinds: people (roles, …) added
    updated: int = 0  # snapshot kinds: changed
    unchanged: int = 0
    removed: int = 0  # snapshot kinds only: in the previous snapshot, not in a complete one

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@dataclass
class Counts:
    kinds: dict[str, KindCount] = field(default_factory=dict)

    def __getitem__(self, kind: str) -> KindCount:
        return self.kinds.setdefault(kind, KindCount())

    def changes(self) -> int:
        return sum(c.inserted + c.updated + c.removed for c in self.kinds.values())

    def read(self) -> int:
        return sum(c.read for c in self.kinds.values())


def latest_snapshot(s: Session, kind: str) -> Snapshot | None:
    return s.scalars(
        select(Snapshot).where(Snapshot.kind == kind).order_by(desc(Snapshot.id)).limit(1)
    ).first()


Check = Callable[[list[tuple[dict[str, Any], Location]]], None]


class Upserter:
    """Batched insert-or-update by primary key for one table, counting real changes."""

    def __init__(
        self,
        s: Session,
        problems: Problems,
        count: Any,
        table: Table,
        *,
        key: str = "id",
        check: Check | None = None,
        after_flush: Callable[[], None] | None = None,
    ) -> None:
        self.s = s
        self.problems = problems
        self.count = count
        self.table = table
        self.key = key
        self.check = check
        self.after_flush = after_flush
        self._rows: list[tuple[dict[str, Any], Location]] = []
        self._ids_in_file = IdSet()
        self._file = ""

    def add(self, row: dict[str, Any], loc: Location) -> bool:
        """Queue a row; False (and a problem) if its id repeats within its file."""
        if loc.file != self._file:
            self._file, self._ids_in_file = loc.file, IdSet()
        self.count.read += 1
        ident = row[self.key]
        if not self._ids_in_file.add(ident):
            shown = ident if isinstance(ident, int) else f"'{ident}'"
            self.problems.add(loc, f"duplicate id {shown}")
            return False
        if "row_hash" not in row:  # else set from the record as exported
            row["row_hash"] = row_hash(row)
        self._rows.append((row, loc))
        if len(self._rows) >= BATCH:
            self.flush()
        return True

    def flush(self) -> None:
        batch, self._rows = self._rows, []
        if batch and self.check is not None:
            self.check(batch)
        if not batch or self.problems:
            return
        col = self.table.c[self.key]
        by_id = {row[self.key]: row for row, _ in batch}  # a later copy in the batch wins
        query = select(col, self.table.c.row_hash).where(col.in_(list(by_id)))
        existing = {ident: digest for ident, digest in self.s.execute(query)}
        new = [r for i, r in by_id.items() if i not in existing]
        changed = [r for i, r in by_id.items() if i in existing and existing[i] != r["row_hash"]]
        self.count.inserted += len(new)
        self.count.updated += len(changed)
        self.count.unchanged += len(by_id) - len(new) - len(changed)
        if new:
            self.s.execute(insert(self.table), new)
        for row in changed:
            self.s.execute(update(self.table).where(col == row[self.key]).values(**row))
        if self.after_flush is not None:
            self.after_flush()


def known_people(s: Session, snapshot_id: int | None, ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(ids))
    if snapshot_id is None or not wanted:
        return set()
    found: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found |= {
            int(i)
            for i in s.scalars(
                select(Person.zendesk_id).where(
                    Person.snapshot_id == snapshot_id, Person.zendesk_id.in_(chunk)
                )
            )
            if i is not None
        }
    return found


def known_tickets(s: Session, ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found |= set(s.scalars(select(Ticket.id).where(Ticket.id.in_(chunk))))
    return found
