"""What every importer shares: located problems, field coercion, streaming JSON readers.

Messages name the file, the line (NDJSON, CSV) or record (API-shaped JSON) and the field.
They quote a value only when it cannot be personal data (ids, timestamps, flags, codes);
for names, emails, phones and text they say what is wrong without echoing it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from app.errors import PrivDeskError
from app.jobs import JobControl

MAX_PROBLEMS = 20
REPORT_EVERY = 500


# ---------------------------------------------------------------- locations & problems


@dataclass(frozen=True)
class Location:
    """Where a record came from: ``tickets.json line 812``, ``users.json record 3``."""

    file: str
    line: int | None = None
    record: int | None = None
    detail: str | None = None  # e.g. "comment 2" for a comment embedded in a ticket

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.detail:
            parts.append(self.detail)
        return " ".join(parts)

    def sub(self, detail: str) -> Location:
        return Location(self.file, self.line, self.record, detail)


@dataclass(frozen=True)
class ImportProblem:
    location: Location
    message: str  # "requester_id 'abc' is not an integer"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ImportFailed(PrivDeskError):
    """An import found problems; nothing was written. `message` is one line for the CLI."""

    def __init__(self, problems: list[ImportProblem], *, records_read: int = 0) -> None:
        first = str(problems[0])
        more = len(problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(first + suffix)
        self.problems = tuple(problems)
        self.records_read = records_read
        self.file = problems[0].location.file


class TooManyProblems(Exception):
    """Internal: stop reading once MAX_PROBLEMS were found."""


@dataclass
class Problems:
    items: list[ImportProblem] = field(default_factory=list)

    def add(self, location: Location, message: str) -> None:
        self.items.append(ImportProblem(location, message))
        if len(self.items) >= MAX_PROBLEMS:
            raise TooManyProblems

    def __bool__(self) -> bool:
        return bool(self.items)

    def merged(self, exc: ImportFailed) -> ImportFailed:
        """`exc` with the problems found before it (each reported once)."""
        extra = [p for p in exc.problems if p not in self.items]
        return ImportFailed([*self.items, *extra], records_read=exc.records_read)

    def fail(self, records_read: int = 0) -> ImportFailed:
        return ImportFailed(self.items, records_read=records_read)


def fail_now(location: Location, message: str) -> ImportFailed:
    return ImportFailed([ImportProblem(location, message)])


# ---------------------------------------------------------------- field coercion


class BadValue(Exception):
    """A field value of the wrong shape; `quote` says whether the value may be shown."""

    def __init__(self, problem: str, *, quote: bool) -> None:
        super().__init__(problem)
        self.problem = problem
        self.quote = quote


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"'{text}'"


def describe(field_name: str, value: Any, bad: BadValue) -> str:
    if bad.quote:
        return f"{field_name} {shown(value)} {bad.problem}"
    return f"{field_name} {bad.problem}"


Coerce = Callable[[Any], Any]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_id(value: Any) -> int:
    if value is None:
        raise BadValue("is missing", quote=False)
    if not _is_int(value):
        raise BadValue("is not an integer", quote=True)
    return int(value)


def as_int(value: Any) -> int | None:
    if value is None or _is_int(value):
        return value  # type: ignore[no-any-return]
    raise BadValue("is not an integer", quote=True)


def as_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadValue("is not a string", quote=False)


def as_code(value: Any) -> str | None:
    """A short code (status, type, action): safe to quote."""
    if value is None or isinstance(value, str):
        return value
    raise BadValue("is not a string", quote=True)


def as_text_id(value: Any) -> str | None:
    """An identifier that may come as a number or a string (external ids)."""
    if value is None or isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    raise BadValue("is not a string or an integer", quote=False)


def as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise BadValue("is not true or false", quote=True)


def parse_timestamp(text: str) -> str:
    """ISO 8601 → ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive times are UTC, as Zendesk's are)."""
    if not (10 <= len(text) <= 40) or not text[:4].isdigit():
        raise ValueError(text)
    when = datetime.fromisoformat(text.strip())
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when.isoformat().replace("+00:00", "Z")


def as_timestamp(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadValue("is not a timestamp", quote=True)
    try:
        return parse_timestamp(value)
    except ValueError:
        raise BadValue("is not a valid timestamp", quote=True) from None


def as_date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if isinstance(value, str) and len(value) >= 10:
            return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        pass
    raise BadValue("is not a valid date (YYYY-MM-DD)", quote=True)


def as_int_list(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, list) and all(_is_int(v) for v in value):
        return value
    raise BadValue("is not a list of integers", quote=True)


def as_str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise BadValue("is not a list of strings", quote=False)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise BadValue("is not a list", quote=False)


def as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise BadValue("is not an object", quote=False)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def as_email(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and _EMAIL.match(value.strip()):
        return value.strip()
    raise BadValue("is not a valid email address", quote=False)


def one_of(*choices: str) -> Coerce:
    def coerce(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value in choices:
            return value
        raise BadValue(f"is not one of {', '.join(choices)}", quote=True)

    return coerce


def dumps(value: Any) -> str:
    """Compact JSON, key order kept (verbatim storage)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def row_hash(row: Mapping[str, Any]) -> str:
    canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# A spec maps a source field to (column, coercion); unmapped fields go to extra_json.
Spec = Mapping[str, tuple[str, Coerce]]


def apply_spec(
    record: Mapping[str, Any],
    spec: Spec,
    location: Location,
    problems: Problems,
    *,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Any] | None:
    """The row for `record`, or None after recording its problems."""
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    ok = True
    for key, value in record.items():
        if key in skip:
            continue
        target = spec.get(key)
        if target is None:
            extra[key] = value
            continue
        column, coerce = target
        try:
            row[column] = coerce(value)
        except BadValue as bad:
            problems.add(location, describe(key, value, bad))
            ok = False
    for key, (column, coerce) in spec.items():
        if column not in row and key not in record:
            try:
                row[column] = coerce(None)
            except BadValue as bad:
                problems.add(location, describe(key, None, bad))
                ok = False
    if not ok:
        return None
    for column, value in list(row.items()):
        if isinstance(value, list | dict):
            row[column] = dumps(value)
    row["extra_json"] = dumps(extra)
    return row


# ---------------------------------------------------------------- progress


class Progress:
    """Reports bytes read (total known up front) every REPORT_EVERY records."""

    def __init__(self, control: JobControl, total_bytes: int) -> None:
        self.control = control
        self.total = max(total_bytes, 1)
        self.done_bytes = 0
        self.records = 0
        self.message = ""

    def read(self, nbytes: int) -> None:
        self.done_bytes = min(self.done_bytes + nbytes, self.total)

    def record(self, label: str) -> None:
        self.records += 1
        if self.records % REPORT_EVERY == 0:
            self.control.report(self.done_bytes, self.total, f"{label}: {self.records} records")

    def file_done(self, label: str) -> None:
        self.control.report(self.done_bytes, self.total, f"{label}: {self.records} records")


# ---------------------------------------------------------------- JSON readers


@dataclass(frozen=True)
class SourceFile:
    path: Path
    name: str  # shown in messages: the name relative to the imported folder

    @property
    def size(self) -> int:
        return self.path.stat().st_size


Record = tuple[Location, dict[str, Any]]


def _json_error(src: SourceFile, exc: ValueError, line: int | None = None) -> ImportFailed:
    where = line if line is not None else getattr(exc, "lineno", None)
    reason = getattr(exc, "msg", None) or "not UTF-8 text"
    return fail_now(Location(src.name, line=where), f"invalid JSON ({reason})")


def _first_line(src: SourceFile) -> bytes:
    with src.path.open("rb") as f:
        for raw in f:
            if raw.strip():
                return raw
    return b""


def is_ndjson(src: SourceFile) -> bool:
    """NDJSON if named so, or if its first non-empty line is a complete JSON object."""
    if src.path.suffix.lower() in (".ndjson", ".jsonl"):
        return True
    first = _first_line(src)
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def load_document(src: SourceFile) -> Any:
    """A whole (API-shaped) JSON file; these are page-sized, so loading them is fine."""
    try:
        with src.path.open("rb") as f:
            return json.load(f)
    except ValueError as exc:
        raise _json_error(src, exc) from None


PEEK_WHOLE = 4 << 20  # a file up to this size is simply parsed to be recognised
PEEK_CHUNK = 1 << 16
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Scan:
    """The first JSON value of a text stream, read in chunks and summarised shallowly.

    Recognising a file needs only the keys of its first object (or the first item of a
    list) and whether each value is a list or an object. Values are skipped one item at a
    time, so a large file that is not an export (say a 100 MB label file beside it) costs
    memory for its largest single item, not for the whole document.
    """

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.eof = False

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(max(PEEK_CHUNK, len(self.buf) - self.pos))  # grows for big items
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def char(self) -> str:
        """The next non-blank character, not consumed ("" at the end)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def take(self, expected: str) -> None:
        if self.char() != expected:
            raise ValueError(f"expected {expected!r}")
        self.pos += 1

    def value(self) -> Any:
        """One complete value (a scalar, or an item that is read whole)."""
        self.char()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except ValueError:
                if self._more():
                    continue
                raise
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk: decode again
            self.pos = end
            return obj

    def _members(self, close: str, keyed: bool) -> None:
        """Skip the items of the list or object just opened, one item at a time."""
        if self.char() == close:
            self.pos += 1
            return
        while True:
            if keyed:
                if not isinstance(self.value(), str):
                    raise ValueError("expected a key")
                self.take(":")
            self.value()
            if self.char() == ",":
                self.pos += 1
                continue
            self.take(close)
            return

    def skip(self) -> Any:
        """A value as a placeholder of its type: lists and objects come back empty."""
        c = self.char()
        if c in ("[", "{"):
            self.pos += 1
            self._members("]" if c == "[" else "}", c == "{")
            return [] if c == "[" else {}
        return self.value()

    def shallow(self) -> Any:
        """The first value: an object with placeholder values, or a list of its first item."""
        c = self.char()
        if c == "[":
            self.pos += 1
            return [] if self.char() == "]" else [self.value()]
        if c != "{":
            return self.value()
        self.pos += 1
        found: dict[str, Any] = {}
        if self.char() == "}":
            return found
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise ValueError("expected a key")
            self.take(":")
            found[key] = self.skip()
            if self.char() == ",":
                self.pos += 1
                continue
            self.take("}")
            return found


def _peek_large(src: SourceFile) -> dict[str, Any] | None:
    try:
        with src.path.open(encoding="utf-8-sig") as fh:
            first = _Scan(fh).shallow()
    except ValueError:  # UnicodeDecodeError too
        return None
    if isinstance(first, list) and src.path.suffix.lower() not in (".ndjson", ".jsonl"):
        first = first[0] if first else None
    return first if isinstance(first, dict) else None


def peek(src: SourceFile) -> dict[str, Any] | None:
    """The first object of the file (or the document itself), for recognising its kind.

    A large file is summarised by :class:`_Scan` (its values become empty placeholders)
    instead of being parsed whole, so recognising it takes bounded memory.
    """
    if src.size > PEEK_WHOLE:
        return _peek_large(src)
    if is_ndjson(src):
        try:
            first = json.loads(_first_line(src))
        except ValueError:
            return None
        return first if isinstance(first, dict) else None
    try:
        doc = load_document(src)
    except ImportFailed:
        return None
    if isinstance(doc, list):
        return doc[0] if doc and isinstance(doc[0], dict) else None
    return doc if isinstance(doc, dict) else None


def _records_in(
    page: Any, list_key: str, src: SourceFile, line: int | None, start: int
) -> Iterator[Record]:
    """Records of one API-shaped page: ``{list_key: [...]}``, a bare list or one object."""
    if isinstance(page, dict) and list_key in page:
        items = page[list_key]
    elif isinstance(page, list):
        items = page
    else:
        raise fail_now(Location(src.name, line=line), f"no '{list_key}' list in this file")
    if isinstance(items, dict):  # a single object, e.g. {"settings": {...}}
        items = [items]
    if not isinstance(items, list):
        raise fail_now(Location(src.name, line=line), f"{list_key} is not a list")
    for n, item in enumerate(items, start):
        loc = Location(src.name, line=line, record=n)
        if not isinstance(item, dict):
            raise fail_now(loc, "expected a JSON object")
        yield loc, item


def iter_records(src: SourceFile, list_key: str, progress: Progress) -> Iterator[Record]:
    """Stream the records of one file.

    NDJSON (one object per line, or one API page per line) is read line by line in
    bounded memory; any other JSON file is an API response and is loaded whole.
    """
    if not is_ndjson(src):
        doc = load_document(src)
        progress.read(src.size)
        yield from _records_in(doc, list_key, src, None, 1)
        return
    record_no = 0
    with src.path.open("rb") as f:
        for line_no, raw in enumerate(f, 1):
            progress.read(len(raw))
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except ValueError as exc:
                raise _json_error(src, exc, line_no) from None
            if not isinstance(obj, dict):
                raise fail_now(Location(src.name, line=line_no), "expected a JSON object")
            if isinstance(obj.get(list_key), list):  # an API page on one line
                for loc, item in _records_in(obj, list_key, src, line_no, record_no + 1):
                    record_no += 1
                    yield loc, item
            else:
                record_no += 1
                yield Location(src.name, line=line_no), obj
