"""Source files and their readers: progress by bytes, JSON/NDJSON recognition and streaming."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from app.importers.problems import ImportFailed, Location, fail_now
from app.jobs import JobControl

REPORT_EVERY = 500


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


def _json_error(
    src: SourceFile, exc: ValueError | RecursionError, line: int | None = None
) -> ImportFailed:
    where = line if line is not None else getattr(exc, "lineno", None)
    if isinstance(exc, RecursionError):
        reason = "nested too deeply"
    elif isinstance(exc, json.JSONDecodeError):
        reason = exc.msg
    elif isinstance(exc, UnicodeDecodeError):
        reason = "not UTF-8 text"
    else:  # int(): a number of more than sys.get_int_max_str_digits() digits
        reason = "a number is too long"
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
    except (ValueError, RecursionError):
        return False


def load_document(src: SourceFile) -> Any:
    """A whole (API-shaped) JSON file; these are page-sized, so loading them is fine."""
    try:
        with src.path.open("rb") as f:
            return json.load(f)
    except (ValueError, RecursionError) as exc:
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
    except (ValueError, RecursionError):  # UnicodeDecodeError too
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
        except (ValueError, RecursionError):
            return None
        return first if isinstance(first, dict) else None
    try:
        doc = load_document(src)
    except ImportFailed:
        return None
    if isinstance(doc, list):
        return doc[0] if doc and isinstance(doc[0], dict) else None
    return doc if isinstance(doc, dict) else None


def page_lines(src: SourceFile) -> Iterator[dict[str, Any]]:
    """Each line of an NDJSON file that parses as an object (bad lines are the run's to
    report, with their line numbers), one line in memory at a time."""
    with src.path.open("rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                yield obj


@dataclass(frozen=True)
class Select:
    """Which records of a file one pass reads (an API page may hold several kinds).

    ``keys`` are the page keys holding the records (a list, or one object as in
    ``{"user": {...}}``); ``result_type`` picks this kind's records out of a search
    response's ``results``. A line or document that is not a page (a bare record, a bare
    list) belongs to the file's primary pass only (``primary``), which also counts
    the file's bytes and names, through ``note``, what no pass reads: a page key outside
    ``known``, a search result whose type is outside ``types``.
    """

    keys: tuple[str, ...]
    result_type: str | None = None
    primary: bool = True
    known: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    not_imported: Mapping[str, str] = field(default_factory=dict)  # page key -> reason


def is_page(obj: Any, page_keys: frozenset[str]) -> bool:
    """An API response page (not a record): no ``id``, and a known list or object key."""
    return (
        isinstance(obj, dict)
        and "id" not in obj
        and any(isinstance(obj.get(k), list | dict) for k in page_keys)
    )


class _Notes:
    def __init__(self, sel: Select, note: Callable[[str], None] | None) -> None:
        self.sel = sel
        self.note = note
        self.other_types: dict[str, int] = {}

    def page(self, page: dict[str, Any]) -> None:
        if not self.sel.primary or self.note is None:
            return
        for key, value in page.items():
            if key in self.sel.known or key == "results":
                continue
            if key in self.sel.not_imported and isinstance(value, list | dict):
                self.note(self.sel.not_imported[key])
            elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                self.note(f"side-loaded '{key}' not imported")

    def result(self, rtype: Any) -> None:
        if self.sel.primary and rtype not in self.sel.types:
            shown = rtype if isinstance(rtype, str) and len(rtype) <= 40 else "unknown"
            self.other_types[shown] = self.other_types.get(shown, 0) + 1

    def done(self) -> None:
        if self.note is None:
            return
        for rtype, n in sorted(self.other_types.items()):
            self.note(f"{n} search result{'s' if n > 1 else ''} of type '{rtype}' not imported")


def _page_records(
    page: dict[str, Any],
    sel: Select,
    src: SourceFile,
    line: int | None,
    counter: list[int],
    notes: _Notes,
) -> Iterator[Record]:
    """The records `sel` reads from one API page.

    Records of the file's own list are numbered on through the file (``counter``);
    records of any other list (a side-load, search results) are located by that list's
    name and their number in it: ``tickets.json record 2 (users)``.
    """
    notes.page(page)
    found = False
    for key in sel.keys:
        if key not in page:
            continue
        items = page[key]
        found = True
        label = None if sel.primary and key in sel.keys[:2] else f"({key})"
        if isinstance(items, dict):  # one object: {"user": {...}}, located by its key
            detail = label or (f"({key})" if line is None else None)
            yield Location(src.name, line=line, detail=detail), items
            continue
        if not isinstance(items, list):
            raise fail_now(Location(src.name, line=line), f"{key} is not a list")
        for n, item in enumerate(items, 1):
            if label is None:
                counter[0] += 1
                n = counter[0]
            loc = Location(src.name, line=line, record=n, detail=label)
            if not isinstance(item, dict):
                raise fail_now(loc, "expected a JSON object")
            yield loc, item
    results = page.get("results")
    if results is not None and (sel.primary or sel.result_type is not None):
        if not isinstance(results, list):
            raise fail_now(Location(src.name, line=line), "results is not a list")
        for n, item in enumerate(results, 1):
            loc = Location(src.name, line=line, record=n, detail="(results)")
            if not isinstance(item, dict):
                raise fail_now(loc, "expected a JSON object")
            rtype = item.get("result_type")
            notes.result(rtype)
            if sel.result_type is not None and rtype == sel.result_type:
                found = True
                yield loc, {k: v for k, v in item.items() if k != "result_type"}
    if sel.primary and not found and not (sel.known & set(page)) and results is None:
        raise fail_now(Location(src.name, line=line), f"no '{sel.keys[0]}' list in this file")


def _bare(doc: Any, sel: Select, src: SourceFile) -> Iterator[Record]:
    """A bare list of records, or one bare record, in a whole-document file."""
    if not sel.primary:
        return
    items = doc if isinstance(doc, list) else [doc]
    for n, item in enumerate(items, 1):
        loc = Location(src.name, record=n)
        if not isinstance(item, dict):
            raise fail_now(loc, "expected a JSON object")
        yield loc, item


def iter_records(
    src: SourceFile,
    sel: Select,
    progress: Progress,
    page_keys: frozenset[str],
    note: Callable[[str], None] | None = None,
) -> Iterator[Record]:
    """Stream the records `sel` picks from one file.

    NDJSON (one object per line, or one API page per line) is read line by line in
    bounded memory; any other JSON file is an API response and is loaded whole.
    """
    notes = _Notes(sel, note)
    if not is_ndjson(src):
        doc = load_document(src)
        if sel.primary:
            progress.read(src.size)
        if is_page(doc, page_keys):
            yield from _page_records(doc, sel, src, None, [0], notes)
        elif isinstance(doc, dict) and "id" not in doc and sel.primary:
            raise fail_now(Location(src.name), f"no '{sel.keys[0]}' list in this file")
        else:
            yield from _bare(doc, sel, src)
        notes.done()
        return
    counter = [0]
    with src.path.open("rb") as f:
        for line_no, raw in enumerate(f, 1):
            if sel.primary:
                progress.read(len(raw))
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (ValueError, RecursionError) as exc:
                raise _json_error(src, exc, line_no) from None
            if not isinstance(obj, dict):
                raise fail_now(Location(src.name, line=line_no), "expected a JSON object")
            if is_page(obj, page_keys):
                yield from _page_records(obj, sel, src, line_no, counter, notes)
            elif sel.primary:
                counter[0] += 1
                yield Location(src.name, line=line_no), obj
    notes.done()
