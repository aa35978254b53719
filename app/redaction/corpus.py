"""Labelled corpora: the demo export (`planted.json` + `tickets.ndjson`) as scoring cases."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.errors import PrivDeskError
from app.redaction.examples import Evaluation, Label, evaluate
from app.redaction.types import Finding

# The Presidio types the demo generator plants (it labels every one it writes).
DEMO_TYPES = frozenset({"CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER"})


@dataclass(frozen=True)
class Case:
    case_id: int  # the comment id
    text: str
    labels: tuple[Label, ...]


def iter_comment_bodies(folder: Path) -> Iterator[tuple[int, int, str]]:
    """(ticket id, comment id, body) for every comment of a demo/Zendesk NDJSON export."""
    path = folder / "tickets.ndjson"
    if not path.is_file():
        raise PrivDeskError(f"{path}: not found (expected a demo export folder)")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                ticket = json.loads(line)
                for c in ticket.get("comments", ()):
                    yield int(ticket["id"]), int(c["id"]), str(c.get("body") or "")


def load_demo_cases(folder: Path, *, limit: int | None = None) -> list[Case]:
    """Every comment of a demo export with its planted labels (comments without any
    planted entity are kept too: they measure false positives)."""
    planted_path = folder / "planted.json"
    try:
        planted = json.loads(planted_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PrivDeskError(f"{planted_path}: cannot read labels ({type(exc).__name__})") from None
    labels: dict[int, list[Label]] = {}
    for e in planted.get("entities", ()):
        labels.setdefault(int(e["comment_id"]), []).append(
            Label(int(e["start"]), int(e["end"]), str(e["type"]))
        )
    cases: list[Case] = []
    for _, comment_id, body in iter_comment_bodies(folder):
        cases.append(Case(comment_id, body, tuple(labels.get(comment_id, ()))))
        if limit is not None and len(cases) >= limit:
            break
    return cases


# --- labelled sets in our JSONL format ----------------------------------------------------
#
# Line 1: {"set": {"name": …, "source": …, "licence": …, "types": [entity types scored]}}
# then one case per line: {"text": …, "expected": [[type, start, end], …], "source": …,
# "note": …}; offsets are code points, end exclusive. Lines with only whitespace are
# skipped. A set's "types" says which entity types it scores: a finding of another type
# is neither right nor wrong (a negative set lists every type, so any finding is an FP).

MAX_SET_BYTES = 32 << 20


@dataclass(frozen=True)
class LabelledSet:
    name: str
    source: str
    licence: str
    types: frozenset[str]
    cases: tuple[Case, ...]
    notes: tuple[str, ...] = ()  # per-case notes, parallel to cases ("" when none)
    # per-case scored types, parallel to cases (None: the set's types); a case taken from
    # a card recognizer's test says nothing about phones in the same string
    case_types: tuple[frozenset[str] | None, ...] = ()


class LabelledSetError(PrivDeskError):
    """A labelled-set file that cannot be used; the message names file, line and field."""


def _fail(where: str, message: str) -> LabelledSetError:
    return LabelledSetError(f"{where}: {message}")


def _header(raw: object, where: str) -> dict[str, object]:
    if not isinstance(raw, dict) or not isinstance(raw.get("set"), dict):
        raise _fail(where, 'the first line must be the header {"set": {...}}')
    head: dict[str, object] = raw["set"]
    for key in ("name", "source", "licence"):
        if not isinstance(head.get(key), str) or not head[key]:
            raise _fail(where, f"header field {key!r} must be a non-empty string")
    types = head.get("types")
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        raise _fail(where, "header field 'types' must be a list of entity type names")
    return head


_CaseRow = tuple[Case, str, frozenset[str] | None]


def _case(raw: object, where: str, case_id: int, types: frozenset[str]) -> _CaseRow:
    if not isinstance(raw, dict):
        raise _fail(where, "a case must be a JSON object")
    scored: frozenset[str] | None = None
    if "types" in raw:
        listed = raw["types"]
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise _fail(where, "field 'types' must be a list of entity type names")
        if not set(listed) <= types:
            raise _fail(where, "field 'types' names a type that is not in the header")
        scored = frozenset(listed)
    text = raw.get("text")
    if not isinstance(text, str):
        raise _fail(where, "field 'text' must be a string")
    expected = raw.get("expected")
    if not isinstance(expected, list):
        raise _fail(where, "field 'expected' must be a list of [type, start, end]")
    labels: list[Label] = []
    for n, item in enumerate(expected, 1):
        ok = (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and all(isinstance(x, int) and not isinstance(x, bool) for x in item[1:])
        )
        if not ok:
            raise _fail(where, f"field 'expected' item {n} must be [type, start, end]")
        etype, start, end = item
        if not 0 <= start < end <= len(text):
            raise _fail(where, f"field 'expected' item {n}: span {start}–{end} is outside the text")
        if etype not in (scored if scored is not None else types):
            raise _fail(where, f"field 'expected' item {n}: type {etype!r} is not scored here")
        labels.append(Label(start, end, etype))
    for key in ("source", "note"):
        if key in raw and not isinstance(raw[key], str):
            raise _fail(where, f"field {key!r} must be a string")
    return Case(case_id, text, tuple(labels)), str(raw.get("note", "")), scored


def parse_labelled_set(data: bytes, *, source: str) -> LabelledSet:
    """A labelled set from JSONL bytes; `source` names the file in error messages. Case
    ids are the line numbers, so a miss points at the line to look at."""
    if len(data) > MAX_SET_BYTES:
        raise _fail(source, f"larger than {MAX_SET_BYTES >> 20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(source, f"not UTF-8 (byte {exc.start})") from None
    head: dict[str, object] | None = None
    types: frozenset[str] = frozenset()
    cases: list[Case] = []
    notes: list[str] = []
    scored: list[frozenset[str] | None] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}, line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"not valid JSON ({exc.msg}, column {exc.colno})") from None
        if head is None:
            head = _header(raw, where)
            types = frozenset(str(t) for t in head["types"])  # type: ignore[attr-defined]
            continue
        case, note, case_types = _case(raw, where, number, types)
        cases.append(case)
        notes.append(note)
        scored.append(case_types)
    if head is None:
        raise _fail(source, "empty file (expected a header line and cases)")
    return LabelledSet(
        str(head["name"]),
        str(head["source"]),
        str(head["licence"]),
        types,
        tuple(cases),
        tuple(notes),
        tuple(scored),
    )


def load_labelled_set(path: Path) -> LabelledSet:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_SET_BYTES + 1)
    except OSError as exc:
        raise _fail(str(path), f"cannot read ({exc.strerror or type(exc).__name__})") from None
    return parse_labelled_set(data, source=path.name)


def shipped_sets() -> list[tuple[str, Path]]:
    """The labelled sets shipped with PrivDesk (resources/redaction/testsets/*.jsonl),
    as (file name, path), sorted by name."""
    import importlib.resources

    folder = importlib.resources.files("resources.redaction.testsets")
    found = [(p.name, Path(str(p))) for p in folder.iterdir() if p.name.endswith(".jsonl")]
    return sorted(found)


def evaluate_set(
    scan_many: Callable[[Sequence[str]], Sequence[Sequence[Finding]]], labelled: LabelledSet
) -> Evaluation:
    """Precision and recall of a scanner on a labelled set: each case scores its own
    types (the set's when it names none); findings of other types are left out."""
    found = scan_many([c.text for c in labelled.cases])
    kept: list[list[Finding]] = []
    for i, findings in enumerate(found):
        own = labelled.case_types[i] if i < len(labelled.case_types) else None
        scored = own if own is not None else labelled.types
        kept.append([f for f in findings if f.entity_type in scored])
    cases = [(c.case_id, c.text, c.labels) for c in labelled.cases]
    return evaluate(cases, kept, types=set(labelled.types))
