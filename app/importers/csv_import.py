"""CSV imports for any help desk (agents, people) and for the HR roster.

A TOML mapping (:mod:`app.importers.csv_mapping`) names, for each field, the header (or
candidate headers) holding it, how multi-valued cells split, how values are rewritten and
which format timestamps are in; the defaults in ``resources/mappings/default-KIND.toml``
cover common exports and ``resources/mappings/`` has tested mappings for Freshdesk agents,
Jira Service Management / Atlassian users, Help Scout users and HubSpot users. Agents and
people become a directory snapshot (people, with the groups a file names), a roster its
own ``roster`` snapshot. Files are streamed row by row; every problem names the file,
line and field.

Required: agents and people need an ``id`` or an ``email``, roster entries an ``email``.
A cell holds at most 64 KiB (``fields.MAX_TEXT``); integers must fit a signed 64-bit
integer. ``role`` is one of end-user, agent, admin (agent or admin for agents) and a
roster ``status`` one of active, leave, terminated (rewrite others in ``[values.status]``).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.importers.csv_mapping import (
    NAME_PARTS,
    ROLES,
    Mapping_,
    fields_for,
    load_mapping,
)
from app.importers.erased import ErasedFilter
from app.importers.fields import BadValue, check_text, describe, dumps, parse_timestamp_as
from app.importers.loader import Counts
from app.importers.problems import ImportFailed, Location, Problems, TooManyProblems, fail_now
from app.importers.snapshots import SnapshotWriter, WriterResult
from app.importers.sources import Progress
from app.jobs import JobControl
from models.helpdesk import SNAPSHOT_DIRECTORY, SNAPSHOT_ROSTER, Person, RosterEntry

__all__ = ["KINDS", "CsvImport", "Mapping_", "load_mapping"]

KINDS = ("agents", "people", "roster")
_RANK = {r: i for i, r in enumerate(ROLES)}
Parsed = tuple[dict[str, Any], frozenset[str]]


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def _lines(path: Path, name: str, progress: Progress) -> Iterator[str]:
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            progress.read(len(raw))
            try:
                yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise fail_now(Location(name, line=n), "is not UTF-8 text") from None


def _delimiter(path: Path) -> str:
    with path.open("rb") as f:
        head = f.readline().decode("utf-8", errors="replace")
    counts = {d: head.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


class CsvImport:
    def __init__(
        self,
        s: Session,
        control: JobControl,
        now: str,
        kind: str,
        erased: ErasedFilter | None = None,
    ) -> None:
        if kind not in KINDS:
            raise fail_now(Location("--kind"), f"'{kind}' is not one of {', '.join(KINDS)}")
        self.s = s
        self.now = now
        self.kind = kind
        self.problems = Problems()
        self.counts = Counts()
        self.progress = Progress(control, 0)
        # The roster is the HR system's, not the help desk's: an erasure leaves it alone.
        self.erased = erased if erased is not None and kind != "roster" else ErasedFilter()

    def run(self, path: Path, mapping: Mapping_, *, complete: bool = False) -> WriterResult:
        """Agents and people merge into the latest directory unless `complete`; an HR
        roster is always complete (a leaver missing from it must not look employed)."""
        if not path.is_file():
            raise fail_now(Location(path.name), "no such file")
        name = path.name
        self.progress.total = max(path.stat().st_size, 1)
        is_roster = self.kind == "roster"
        writer = SnapshotWriter(
            self.s,
            self.problems,
            self.counts,
            kind=SNAPSHOT_ROSTER if is_roster else SNAPSHOT_DIRECTORY,
            source=f"csv:{self.kind}",
            now=self.now,
            complete=complete or is_roster,
            names=None if is_roster else {"users": self.kind},
        )
        table: Table = (RosterEntry if is_roster else Person).__table__  # type: ignore[assignment]
        # A file naming groups may list a person once per group (Atlassian): one person.
        held: dict[Any, tuple[dict[str, Any], Location, frozenset[str]]] | None = None
        try:
            reader = csv.reader(_lines(path, name, self.progress), delimiter=_delimiter(path))
            header = next(reader, None)
            if not header:
                raise fail_now(Location(name, line=1), "no header row")
            columns = self._columns(header, mapping, name)
            if "groups" in columns:
                held = {}
            for cells in reader:
                loc = Location(name, line=reader.line_num)
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    self.problems.add(loc, f"{len(cells)} columns, the header has {len(header)}")
                    continue
                self.progress.record(self.kind)
                parsed = self._row(header, cells, columns, mapping, loc)
                if parsed is None:
                    continue
                row, provided = parsed
                if self.erased.directory(self.kind, row):
                    writer.skip(self.kind, row)
                    continue
                key, duplicate = self._key(row)
                if held is None:
                    writer.add(self.kind, table, row, loc, key, duplicate, provided)
                elif key in held:
                    kept, where, before = held[key]
                    held[key] = (kept, where, self._merge(kept, where, before, row, provided, loc))
                else:
                    held[key] = (row, loc, provided)
            for key, (row, loc, provided) in (held or {}).items():
                writer.add(self.kind, table, row, loc, key, None, provided)
            self.progress.file_done(self.kind)
        except TooManyProblems:
            raise self.problems.fail(self.counts.read()) from None
        except csv.Error as exc:
            raise fail_now(Location(name, line=reader.line_num), f"not valid CSV ({exc})") from None
        except ImportFailed as exc:
            raise self.problems.merged(exc) from None
        if self.problems:
            raise self.problems.fail(self.counts.read())
        if self.counts[self.kind].read == 0 and not self.erased.skipped:
            raise fail_now(Location(name), "no rows to import")
        return writer.finish()

    def _merge(
        self,
        kept: dict[str, Any],
        where: Location,
        before: frozenset[str],
        row: dict[str, Any],
        provided: frozenset[str],
        loc: Location,
    ) -> frozenset[str]:
        """Another row of a person already read: their groups (and roles) add up; any
        other column must agree (a different value is a located problem, not a guess)."""
        for column in sorted(provided & before):
            if column in ("groups_json", "role") or kept[column] == row[column]:
                continue
            self.problems.add(loc, f"same person as line {where.line} but {column} differs")
            return before
        for column in provided - before:
            kept[column] = row[column]
        groups = json.loads(kept["groups_json"])
        groups += [g for g in json.loads(row["groups_json"]) if g not in groups]
        kept["groups_json"] = dumps(groups)
        if _RANK.get(row["role"], 0) > _RANK.get(kept["role"], 0):
            kept["role"] = row["role"]
        kept["extra_json"] = dumps(
            {**json.loads(row["extra_json"]), **json.loads(kept["extra_json"])}
        )
        return before | provided

    def _columns(self, header: list[str], mapping: Mapping_, name: str) -> dict[str, int]:
        by_norm: dict[str, int] = {}
        for i, h in enumerate(header):
            by_norm.setdefault(_norm(h), i)
        columns: dict[str, int] = {}
        for field, candidates in mapping.columns.items():
            for candidate in candidates:
                if _norm(candidate) in by_norm:
                    columns[field] = by_norm[_norm(candidate)]
                    break
        needed = ("email",) if self.kind == "roster" else ()
        if self.kind != "roster" and "id" not in columns and "email" not in columns:
            needed = ("id or email",)
        for field in needed:
            if field not in columns:
                raise fail_now(
                    Location(name, line=1), f"no column for {field} (add it to the mapping)"
                )
        return columns

    def _value(self, field: str, raw: str, mapping: Mapping_) -> Any:
        """One field's cell: split, rewritten, in the source's format; BadValue if not."""
        parse = fields_for(self.kind)[field][1]
        sep = mapping.split.get(field)
        parts = [p.strip() for p in raw.split(sep)] if sep else [raw]
        parts = [mapping.rewrite(field, p) for p in parts if p]
        fmt = mapping.formats.get(field)
        if fmt is not None:
            stamp = parse_timestamp_as(parts[0], fmt)
            return stamp[:10] if field == "end_date" else stamp
        if field == "groups":
            return dumps(list(dict.fromkeys(check_text(p) for p in parts)))
        if field == "role" and sep:
            roles = [parse(p) for p in parts]
            bad = [r for r in roles if r not in _RANK]
            if bad:
                raise BadValue(f"has role '{bad[0]}', not one of {', '.join(ROLES)}", quote=True)
            return max(roles, key=lambda r: _RANK[r])
        if field == "tags" and sep:
            return dumps(list(dict.fromkeys(parts)))
        return parse(parts[0]) if parts else None

    def _row(
        self,
        header: list[str],
        cells: list[str],
        columns: dict[str, int],
        mapping: Mapping_,
        loc: Location,
    ) -> Parsed | None:
        """The row, and the columns this row filled in (what a merge may replace)."""
        spec = fields_for(self.kind)
        row: dict[str, Any] = {col: None for f, (col, _, _) in spec.items() if f not in NAME_PARTS}
        if self.kind != "roster":
            row["tags_json"] = "[]"
            row["groups_json"] = "[]"
        used = set(columns.values())
        ok = True
        provided: set[str] = set()
        parts: dict[str, str] = {}
        extra: dict[str, str] = {}
        for field, index in columns.items():
            column, _parse, quote = spec[field]
            value = cells[index].strip()
            if value == "":
                continue
            try:
                parsed = self._value(field, value, mapping)
            except BadValue as bad:
                self.problems.add(loc, describe(field, value, BadValue(bad.problem, quote=quote)))
                ok = False
                continue
            if parsed is None:
                continue
            if field in NAME_PARTS:
                parts[field] = parsed
                continue
            row[column] = parsed
            provided.add(column)
            rewritten = field == "role" and mapping.rewrite(field, value).lower() != value.lower()
            if field in mapping.split or rewritten:
                extra[header[index]] = cells[index]  # the source's own roles / groups, kept
        if row["name"] is None and parts and self.kind != "roster":
            row["name"] = " ".join(parts[p] for p in NAME_PARTS if p in parts)
            provided.add("name")
        extra.update({h: cells[i] for i, h in enumerate(header) if i not in used})
        row["extra_json"] = dumps(extra)
        if not (ok and self._check(row, loc)):
            return None
        return row, frozenset(provided)

    def _check(self, row: dict[str, Any], loc: Location) -> bool:
        if self.kind == "roster":
            if row["email"] is None:
                self.problems.add(loc, "email is missing")
                return False
            row["email"] = row["email"].lower()
            return True
        if row["zendesk_id"] is None and row["email"] is None:
            self.problems.add(loc, "id and email are both missing")
            return False
        role = row["role"] or ("agent" if self.kind == "agents" else "end-user")
        allowed = ("agent", "admin") if self.kind == "agents" else ROLES
        if role not in allowed:
            self.problems.add(loc, f"role '{role}' is not one of {', '.join(allowed)}")
            return False
        row["role"] = role
        return True

    def _key(self, row: dict[str, Any]) -> tuple[Any, str]:
        if self.kind == "roster":
            return ("email", row["email"]), "duplicate email"
        if row["zendesk_id"] is not None:
            return ("id", row["zendesk_id"]), f"duplicate id {row['zendesk_id']}"
        return ("email", row["email"].lower()), "duplicate email"
