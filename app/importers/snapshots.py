"""Directory and roster snapshots: a complete import replaces, a partial one merges.

Every import writes a new snapshot inside a SAVEPOINT, so the snapshots a review was built
on never change. What goes into it depends on whether the import is *complete*:

- complete (``--complete``, a recognised full account export, or an HR roster): the new
  snapshot holds exactly the import's rows; whoever is missing from it has been removed.
- partial (everything else): the new snapshot is a copy of the latest one with the
  import's rows merged in by key (Zendesk id; a person without one by e-mail). Nobody is
  removed, so one page of users or a 2-row agents CSV never turns the rest of the
  directory into "left" or "orphan". A CSV row (``provided`` columns) overlays only the
  columns the file filled in, keeping everything else the person had (custom role, last
  sign-in, …).

The changes are counted by comparing the finished snapshot with the previous one row by
row (added, changed, removed); when nothing changed the savepoint is rolled back and the
previous snapshot stays current ("no changes").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, func, insert, literal, or_, select, true
from sqlalchemy.orm import Session, SessionTransaction

from app.importers.fields import dumps, row_hash
from app.importers.loader import BATCH, Counts, IdSet, latest_snapshot
from app.importers.problems import Location, Problems
from models.helpdesk import (
    SNAPSHOT_DIRECTORY,
    STAFF_ROLES,
    AuthSettings,
    CustomRole,
    GroupMembership,
    HelpdeskGroup,
    Identity,
    Organization,
    Person,
    RosterEntry,
    Snapshot,
)

DIRECTORY_TABLES: dict[str, Any] = {
    "organizations": Organization,
    "custom_roles": CustomRole,
    "groups": HelpdeskGroup,
    "users": Person,
    "identities": Identity,
    "group_memberships": GroupMembership,
    "account_settings": AuthSettings,
}
ROSTER_TABLES: dict[str, Any] = {"roster": RosterEntry}
_OWN = ("id", "snapshot_id")
MERGED = " (merged)"  # the source of a snapshot that merged a partial import


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def content_columns(table: Table) -> list[str]:
    return [c.name for c in table.c if c.name not in _OWN]


def _defaults(table: Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in table.c:
        if c.name in _OWN:
            continue
        arg = getattr(c.default, "arg", None)
        out[c.name] = None if callable(arg) else arg
    return out


def row_key(name: str, row: Mapping[str, Any]) -> Any:
    """The identity of a stored row within its snapshot (what a merge replaces)."""
    if name == "users":
        if row.get("zendesk_id") is not None:
            return ("id", row["zendesk_id"])
        return ("email", str(row.get("email") or "").lower())
    if name == "account_settings":
        return "settings"
    if name == "roster":
        return str(row.get("email") or "").lower()
    return row.get("zendesk_id")


def _match(name: str, old: Any, new: Any) -> ColumnElement[bool]:
    """SQL: `new` (an imported row) replaces `old` (a row of the base snapshot)."""
    if name == "users":
        return or_(
            and_(new.c.zendesk_id.is_not(None), new.c.zendesk_id == old.c.zendesk_id),
            and_(old.c.zendesk_id.is_(None), func.lower(new.c.email) == func.lower(old.c.email)),
        )
    if name == "account_settings":
        return true()
    if name == "roster":
        return func.lower(new.c.email) == func.lower(old.c.email)
    result: ColumnElement[bool] = new.c.zendesk_id == old.c.zendesk_id
    return result


@dataclass(frozen=True)
class WriterResult:
    snapshot_id: int | None  # the snapshot now current (new, or the unchanged previous one)
    created: bool
    complete: bool  # the import said it holds the whole directory
    base_id: int | None  # the snapshot merged into (partial imports), else None
    totals: Mapping[str, int]  # rows of each kind in the current snapshot


@dataclass
class _Pending:
    table: Table
    rows: list[tuple[dict[str, Any], Location, frozenset[str] | None]]


class SnapshotWriter:
    """Rows of one new snapshot; duplicate keys within the import are located errors.

    `names` renames a table's counts (a CSV's people count as "agents"). `complete` makes
    the snapshot the import alone; otherwise it is merged into a copy of the latest one.
    """

    def __init__(
        self,
        s: Session,
        problems: Problems,
        counts: Counts,
        *,
        kind: str,
        source: str,
        now: str,
        complete: bool = False,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.s = s
        self.problems = problems
        self.counts = counts
        self.kind = kind
        self.tables = DIRECTORY_TABLES if kind == SNAPSHOT_DIRECTORY else ROSTER_TABLES
        self.names = dict(names or {})
        self.complete = complete
        self.base = latest_snapshot(s, kind)
        self._savepoint: SessionTransaction = s.begin_nested()
        if self.merging:
            source = f"{source}{MERGED}"  # says so in `status` and to proof of revocation
        self.snapshot = Snapshot(kind=kind, source=source, created_at=now, digest="")
        s.add(self.snapshot)
        s.flush()
        self.keys: dict[str, dict[Any, str]] = {}  # kind -> key -> file it was first seen in
        self._pending: dict[str, _Pending] = {}
        self._base_ids: dict[str, IdSet] = {}
        self._final_people: dict[Any, str] = {}  # merged person ids: a CSV row matched twice

    @property
    def merging(self) -> bool:
        return not self.complete and self.base is not None

    @property
    def snapshot_id(self) -> int:
        return self.snapshot.id

    def mark_seen(self, kind: str, key: Any, file: str) -> None:
        """An invalid record's id: its problems are reported, its dependants are not."""
        self.keys.setdefault(kind, {}).setdefault(key, file)

    def seen(self, kind: str, key: Any) -> bool:
        return key in self.keys.get(kind, {})

    def in_base(self, name: str, zendesk_id: Any) -> bool:
        """Whether a partial import's base snapshot has this id (references may use it)."""
        if not self.merging or self.base is None:
            return False
        if name not in self._base_ids:
            table = _table(self.tables[name])
            ids = IdSet()
            query = select(table.c.zendesk_id).where(table.c.snapshot_id == self.base.id)
            for (ident,) in self.s.execute(query):
                if ident is not None:
                    ids.add(ident)
            self._base_ids[name] = ids
        return zendesk_id in self._base_ids[name]

    def add(
        self,
        kind: str,
        table: Table,
        row: dict[str, Any],
        loc: Location,
        key: Any,
        duplicate: str | None = None,
        provided: frozenset[str] | None = None,
    ) -> None:
        """Queue a row; `duplicate` is the message if `key` was seen (default: the id).

        `provided`: the columns the source actually filled in (a CSV row); merged into an
        existing person, only these replace what the person had.
        """
        count = self.counts[kind]
        count.read += 1
        if key is not None:
            keys = self.keys.setdefault(kind, {})
            if key in keys:
                where = "" if keys[key] == loc.file else f" (also in {keys[key]})"
                self.problems.add(loc, f"{duplicate or f'duplicate id {key}'}{where}")
                return
            keys[key] = loc.file
        pending = self._pending.setdefault(kind, _Pending(table, []))
        pending.rows.append((row, loc, provided))
        if len(pending.rows) >= BATCH:
            self.flush(kind)

    def skip(self, kind: str, row: dict[str, Any]) -> None:
        """A record of the import not written (an erased subject's). Nothing to do: changes
        are found by comparing stored rows, and the previous snapshot lacks it too, so
        re-importing the same export is still "no changes"."""

    def flush(self, kind: str | None = None) -> None:
        for name in [kind] if kind else list(self._pending):
            pending = self._pending.get(name)
            if pending is None or not pending.rows:
                continue
            batch, pending.rows = pending.rows, []
            if self.problems:
                continue
            table = pending.table
            if table is _table(Person) and self.merging:
                rows = self._overlay(batch)
            else:
                rows = [row for row, _loc, _p in batch]
            if rows and not self.problems:
                defaults = _defaults(table)
                full = [{**defaults, **r, "snapshot_id": self.snapshot.id} for r in rows]
                self.s.execute(insert(table), full)

    # ------------------------------------------------------------ merging CSV people

    def _overlay(
        self, batch: list[tuple[dict[str, Any], Location, frozenset[str] | None]]
    ) -> list[dict[str, Any]]:
        """Rows with `provided` columns laid over the base snapshot's person (id or e-mail)."""
        assert self.base is not None
        partial = [(r, loc, p) for r, loc, p in batch if p is not None]
        by_id, by_email = self._base_people(partial)
        out = []
        for row, loc, provided in batch:
            if provided is not None:
                zid, email = row.get("zendesk_id"), str(row.get("email") or "").lower()
                base = by_id.get(zid) if zid is not None else None
                if base is None and email:
                    candidate = by_email.get(email)
                    if candidate is not None and (zid is None or candidate["zendesk_id"] is None):
                        base = candidate
                if base is not None:
                    laid = _laid_over(base, row, provided)
                    if self.names.get("users") == "agents" and laid["role"] not in STAFF_ROLES:
                        laid["role"] = row["role"]  # an agents file: an end-user became staff
                    row = laid
                final = row.get("zendesk_id")
                if final is not None:
                    if final in self._final_people:
                        first = self._final_people[final]
                        self.problems.add(loc, f"the same person as {first} (id {final})")
                        continue
                    self._final_people[final] = f"line {loc.line}" if loc.line else loc.file
            out.append(row)
        return out

    def _base_people(
        self, batch: Sequence[tuple[dict[str, Any], Location, frozenset[str] | None]]
    ) -> tuple[dict[Any, dict[str, Any]], dict[str, dict[str, Any]]]:
        assert self.base is not None
        table = _table(Person)
        cols = [table.c[n] for n in content_columns(table)]
        ids = sorted({r["zendesk_id"] for r, _, _ in batch if r.get("zendesk_id") is not None})
        emails = sorted({str(r["email"]).lower() for r, _, _ in batch if r.get("email")})
        found: list[dict[str, Any]] = []
        for column, values in ((table.c.zendesk_id, ids), (func.lower(table.c.email), emails)):
            for start in range(0, len(values), BATCH):
                chunk = values[start : start + BATCH]
                query = select(*cols).where(table.c.snapshot_id == self.base.id, column.in_(chunk))
                found += [dict(r._mapping) for r in self.s.execute(query.order_by(table.c.id))]
        by_id = {r["zendesk_id"]: r for r in found if r["zendesk_id"] is not None}
        by_email: dict[str, dict[str, Any]] = {}
        for r in sorted(found, key=lambda r: r["zendesk_id"] is None):  # one with an id first
            if r.get("email"):
                by_email.setdefault(str(r["email"]).lower(), r)
        return by_id, by_email

    # ------------------------------------------------------------ finishing

    def finish(self) -> WriterResult:
        """Keep the new snapshot, or fall back to the previous one when nothing changed."""
        self.flush()
        if self.merging:
            self._copy_base()
        changed = False
        sums: dict[str, int] = {}
        totals: dict[str, int] = {}
        for name, model in self.tables.items():
            table = _table(model)
            count = self.counts.kinds.get(self.names.get(name, name))
            added, updated, removed, total, digest = self._compare(name, table)
            totals[name], sums[name] = total, digest
            if added or updated or removed:
                changed = True
                count = self.counts[self.names.get(name, name)]
            if count is not None:
                count.inserted, count.updated, count.removed = added, updated, removed
                count.unchanged = max(count.read - added - updated, 0)
        if self.base is not None and not changed:
            self._savepoint.rollback()  # identical content: the previous snapshot stays
            return WriterResult(self.base.id, False, self.complete, None, totals)
        text = ";".join(f"{k}:{v:064x}" for k, v in sorted(sums.items()) if v)
        self.snapshot.digest = hashlib.sha256(text.encode()).hexdigest()
        self.snapshot.counts_json = json.dumps(totals, sort_keys=True)
        self.s.flush()
        self._savepoint.commit()
        base_id = self.base.id if self.merging and self.base is not None else None
        return WriterResult(self.snapshot.id, True, self.complete, base_id, totals)

    def _copy_base(self) -> None:
        """Every row of the base snapshot that this import does not replace."""
        assert self.base is not None
        for name, model in self.tables.items():
            table = _table(model)
            names = content_columns(table)
            old, new = table.alias("base_rows"), table.alias("new_rows")
            replaced = exists(
                select(new.c.id).where(
                    new.c.snapshot_id == self.snapshot.id, _match(name, old, new)
                )
            )
            rows = select(literal(self.snapshot.id), *[old.c[n] for n in names]).where(
                old.c.snapshot_id == self.base.id, ~replaced
            )
            self.s.execute(insert(table).from_select(["snapshot_id", *names], rows))

    def _rows(self, table: Table, snapshot_id: int) -> Iterator[dict[str, Any]]:
        cols = [table.c[n] for n in content_columns(table)]
        query = select(*cols).where(table.c.snapshot_id == snapshot_id)
        for r in self.s.execute(query):
            yield dict(r._mapping)

    def _compare(self, name: str, table: Table) -> tuple[int, int, int, int, int]:
        """(added, changed, removed, rows, digest sum) of the new snapshot against the base."""
        before: dict[Any, int] = {}
        if self.base is not None:
            for row in self._rows(table, self.base.id):
                before[row_key(name, row)] = int(row_hash(row)[:16], 16)
        added = updated = total = digest = 0
        for row in self._rows(table, self.snapshot.id):
            full = row_hash(row)
            total += 1
            digest = (digest + int(full, 16)) % (1 << 256)
            old = before.pop(row_key(name, row), None)
            if old is None:
                added += 1
            elif old != int(full[:16], 16):
                updated += 1
        return added, updated, len(before), total, digest


def _laid_over(
    base: Mapping[str, Any], row: Mapping[str, Any], provided: Iterable[str]
) -> dict[str, Any]:
    merged = dict(base)
    for column in provided:
        merged[column] = row[column]
    extra = {
        **json.loads(base.get("extra_json") or "{}"),
        **json.loads(row.get("extra_json") or "{}"),
    }
    merged["extra_json"] = dumps(extra)
    return merged
