"""CSV imports for any help desk (agents, people) and for the HR roster.

A TOML mapping names, for each field, the header (or candidate headers) holding it; the
defaults in ``resources/mappings/default-KIND.toml`` cover common exports. Agents and
people become a directory snapshot (people only), a roster its own ``roster`` snapshot.
Files are streamed row by row; every problem names the file, line and field.

Required: agents and people need an ``id`` or an ``email``, roster entries an ``email``.
A cell holds at most 64 KiB (``fields.MAX_TEXT``); integers must fit a signed 64-bit
integer. ``role`` is one of end-user, agent, admin (agent or admin for agents) and a
roster ``status`` one of active, leave, terminated (rewrite others in ``[values.status]``).
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.importers.fields import (
    BadValue,
    as_date,
    as_email,
    check_text,
    describe,
    dumps,
    fit_int64,
    parse_timestamp,
)
from app.importers.loader import Counts
from app.importers.problems import ImportFailed, Location, Problems, TooManyProblems, fail_now
from app.importers.snapshots import SnapshotWriter, WriterResult
from app.importers.sources import Progress
from app.jobs import JobControl
from models.helpdesk import SNAPSHOT_DIRECTORY, SNAPSHOT_ROSTER, Person, RosterEntry

KINDS = ("agents", "people", "roster")
_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "y", "1", "t", "on", "enabled"}
_FALSE = {"false", "no", "n", "0", "f", "off", "disabled"}
_ROLES = ("end-user", "agent", "admin")
ROSTER_STATUSES = ("active", "leave", "terminated")  # what access reviews act on


def _int(v: str) -> int:
    if _INT.match(v) and len(v) <= 40:  # int() of thousands of digits is refused, and slow
        return fit_int64(int(v))
    if _INT.match(v):
        raise BadValue("is out of range (it must fit a signed 64-bit integer)", quote=True)
    raise BadValue("is not an integer", quote=True)


def _bool(v: str) -> bool:
    low = v.lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise BadValue("is not true or false (yes/no)", quote=True)


def _ts(v: str) -> str:
    try:
        return parse_timestamp(v)
    except ValueError:
        raise BadValue("is not a valid timestamp", quote=True) from None


def _tags(v: str) -> str:
    check_text(v)
    return dumps([t for t in re.split(r"[,\s]+", v) if t])


def _text(v: str) -> str:
    return check_text(v)


def _code(v: str) -> str:
    return check_text(v).lower()


def _status(v: str) -> str:
    low = _code(v)
    if low not in ROSTER_STATUSES:
        raise BadValue(f"is not one of {', '.join(ROSTER_STATUSES)}", quote=True)
    return low


def _email(v: str) -> str | None:
    return as_email(v)


def _date(v: str) -> str | None:
    return as_date(v)


Parse = Callable[[str], Any]
# field -> (column, parser, may quote the value in an error)
PEOPLE_FIELDS: dict[str, tuple[str, Parse, bool]] = {
    "id": ("zendesk_id", _int, True),
    "external_id": ("external_id", _text, False),
    "name": ("name", _text, False),
    "email": ("email", _email, False),
    "phone": ("phone", _text, False),
    "role": ("role", _code, True),
    "role_type": ("role_type", _int, True),
    "custom_role_id": ("custom_role_id", _int, True),
    "restricted_agent": ("restricted_agent", _bool, True),
    "suspended": ("suspended", _bool, True),
    "active": ("active", _bool, True),
    "two_factor_auth_enabled": ("two_factor_auth_enabled", _bool, True),
    "last_login_at": ("last_login_at", _ts, True),
    "created_at": ("created_at", _ts, True),
    "organization_id": ("organization_id", _int, True),
    "shared_agent": ("shared_agent", _bool, True),
    "report_csv": ("report_csv", _bool, True),
    "only_private_comments": ("only_private_comments", _bool, True),
    "ticket_restriction": ("ticket_restriction", _code, True),
    "tags": ("tags_json", _tags, False),
}
ROSTER_FIELDS: dict[str, tuple[str, Parse, bool]] = {
    "email": ("email", _email, False),
    "employee_id": ("employee_id", _text, False),
    "name": ("name", _text, False),
    "status": ("status", _status, True),
    "department": ("department", _text, False),
    "manager": ("manager", _text, False),
    "end_date": ("end_date", _date, True),
}


def fields_for(kind: str) -> dict[str, tuple[str, Parse, bool]]:
    return ROSTER_FIELDS if kind == "roster" else PEOPLE_FIELDS


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


@dataclass(frozen=True)
class Mapping_:
    """Field -> candidate headers, and per-field value rewrites (keys lower-cased)."""

    columns: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[str, str]]


def load_mapping(kind: str, path: Path | None) -> Mapping_:
    """The mapping from `path`, or the default one for `kind`."""
    name = path.name if path else f"default-{kind}.toml"
    try:
        if path is None:
            text = files("resources.mappings").joinpath(name).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise fail_now(Location(name), f"cannot be read ({type(exc).__name__})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise fail_now(Location(name), f"invalid TOML ({exc})") from None
    known = fields_for(kind)
    columns: dict[str, tuple[str, ...]] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        raise fail_now(Location(name), "[columns] is not a table")
    for field, headers in raw_columns.items():
        if field not in known:
            raise fail_now(
                Location(name), f"unknown field '{field}' (known: {', '.join(sorted(known))})"
            )
        candidates = [headers] if isinstance(headers, str) else headers
        if not isinstance(candidates, list) or not all(isinstance(h, str) for h in candidates):
            raise fail_now(Location(name), f"columns.{field} is not a header or list of headers")
        columns[field] = tuple(candidates)
    values: dict[str, dict[str, str]] = {}
    for field, table in dict(data.get("values", {})).items():
        if field not in known or not isinstance(table, dict):
            raise fail_now(Location(name), f"values.{field} is not a known field's table")
        values[field] = {str(k).lower(): str(v) for k, v in table.items()}
    return Mapping_(columns, values)


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
    def __init__(self, s: Session, control: JobControl, now: str, kind: str) -> None:
        if kind not in KINDS:
            raise fail_now(Location("--kind"), f"'{kind}' is not one of {', '.join(KINDS)}")
        self.s = s
        self.now = now
        self.kind = kind
        self.problems = Problems()
        self.counts = Counts()
        self.progress = Progress(control, 0)

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
        try:
            reader = csv.reader(_lines(path, name, self.progress), delimiter=_delimiter(path))
            header = next(reader, None)
            if not header:
                raise fail_now(Location(name, line=1), "no header row")
            columns = self._columns(header, mapping, name)
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
                key, duplicate = self._key(row)
                writer.add(self.kind, table, row, loc, key, duplicate, provided)
            self.progress.file_done(self.kind)
        except TooManyProblems:
            raise self.problems.fail(self.counts.read()) from None
        except csv.Error as exc:
            raise fail_now(Location(name, line=reader.line_num), f"not valid CSV ({exc})") from None
        except ImportFailed as exc:
            raise self.problems.merged(exc) from None
        if self.problems:
            raise self.problems.fail(self.counts.read())
        if self.counts[self.kind].read == 0:
            raise fail_now(Location(name), "no rows to import")
        return writer.finish()

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

    def _row(
        self,
        header: list[str],
        cells: list[str],
        columns: dict[str, int],
        mapping: Mapping_,
        loc: Location,
    ) -> tuple[dict[str, Any], frozenset[str]] | None:
        """The row, and the columns this row filled in (what a merge may replace)."""
        spec = fields_for(self.kind)
        row: dict[str, Any] = {col: None for col, _, _ in spec.values()}
        if self.kind != "roster":
            row["tags_json"] = "[]"
        used = set(columns.values())
        ok = True
        provided: set[str] = set()
        for field, index in columns.items():
            column, parse, quote = spec[field]
            value = cells[index].strip()
            value = mapping.values.get(field, {}).get(value.lower(), value)
            if value == "":
                continue
            try:
                row[column] = parse(value)
                provided.add(column)
            except BadValue as bad:
                self.problems.add(loc, describe(field, value, BadValue(bad.problem, quote=quote)))
                ok = False
        extra = {h: cells[i] for i, h in enumerate(header) if i not in used}
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
        allowed = ("agent", "admin") if self.kind == "agents" else _ROLES
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
