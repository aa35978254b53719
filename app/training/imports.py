"""Readers of training files: an LMS completion export (with a column mapping) and a
GoPhish campaign's results (its CSV export or its ``/api/campaigns/:id/results`` JSON).

Every reader parses the whole file before anything is written and raises `TrainingError`
naming the file, the line (or record) and the field. Messages never quote a value from the
file: an email address or a name is personal data.

The default LMS mapping is Moodle's course-completion report exported as CSV
(``report/completion/index.php?format=csv``): columns ``ID``, ``Name``, the user identity
fields (``Email address``), one column per criterion and ``Course complete`` holding the
completion time in the ``strftimedatetimeshort`` format (``%d/%m/%y, %H:%M`` in English);
an empty ``Course complete`` means not (yet) complete. Sources: tests/data/training/README.md.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.errors import PrivDeskError
from app.importers.fields import BadValue, check_format, parse_timestamp, parse_timestamp_as
from models.training import PHISHING_STATUSES

DEFAULT_LMS_MAPPING = "moodle-completion"
LMS_FIELDS = ("email", "completed_at", "score")
GOPHISH_REQUIRED = ("id", "email", "status")
# GoPhish statuses of a recipient not (yet) emailed (models/campaign.go): such a row is
# skipped and counted, not refused — a campaign still sending exports them.
GOPHISH_NOT_SENT = (
    "Scheduled",
    "Queued",
    "Sending",
    "Retrying",
    "Error",
    "Error Sending Email",
    "Unknown",
)
MAX_FILE = 64 * 1024 * 1024


class TrainingError(PrivDeskError):
    """A bad programme, quiz or import file (names the file, line and field)."""


# ------------------------------------------------------------------ LMS completions


@dataclass(frozen=True)
class LmsMapping:
    name: str
    columns: dict[str, tuple[str, ...]]
    formats: dict[str, str]


@dataclass(frozen=True)
class CompletionRow:
    line: int
    email: str
    completed_at: str
    score: float | None


def load_lms_mapping(path: Path | None) -> LmsMapping:
    """The mapping in `path`, a shipped one by name (``--map moodle-completion``), or the
    default (Moodle's course-completion report)."""
    shipped = files("resources.training.mappings")
    name = f"{DEFAULT_LMS_MAPPING}.toml" if path is None else path.name
    if path is not None and not path.exists() and path.parent == Path("."):
        candidate = name if name.endswith(".toml") else f"{name}.toml"
        if shipped.joinpath(candidate).is_file():
            path, name = None, candidate
    try:
        text = (
            shipped.joinpath(name).read_text(encoding="utf-8")
            if path is None
            else path.read_text(encoding="utf-8")
        )
        data = tomllib.loads(text)
    except OSError as exc:
        raise TrainingError(f"{name}: cannot be read ({type(exc).__name__})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TrainingError(f"{name}: invalid TOML ({exc})") from None
    columns: dict[str, tuple[str, ...]] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        raise TrainingError(f"{name}: [columns] is not a table")
    for field, headers in raw_columns.items():
        if field not in LMS_FIELDS:
            raise TrainingError(f"{name}: unknown field '{field}' (known: {', '.join(LMS_FIELDS)})")
        candidates = [headers] if isinstance(headers, str) else headers
        if not isinstance(candidates, list) or not all(isinstance(h, str) for h in candidates):
            raise TrainingError(f"{name}: columns.{field} is not a header or list of headers")
        columns[field] = tuple(candidates)
    for field in ("email", "completed_at"):
        if not columns.get(field):
            raise TrainingError(f"{name}: columns.{field} is required")
    formats: dict[str, str] = {}
    raw_formats = data.get("formats", {})
    if not isinstance(raw_formats, dict):
        raise TrainingError(f"{name}: [formats] is not a table")
    for field, fmt in raw_formats.items():
        if field != "completed_at":
            raise TrainingError(f"{name}: formats.{field}: formats apply to completed_at")
        try:
            check_format(str(fmt))
        except ValueError as exc:
            raise TrainingError(f"{name}: formats.{field} '{fmt}' {exc}") from None
        formats[field] = str(fmt)
    return LmsMapping(name.removesuffix(".toml"), columns, formats)


def _read_text(path: Path) -> tuple[str, str]:
    """(SHA-256 of the file, its text)."""
    try:
        if path.stat().st_size > MAX_FILE:
            raise TrainingError(f"{path.name}: larger than {MAX_FILE // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise TrainingError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
    try:
        return hashlib.sha256(raw).hexdigest(), raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrainingError(f"{path.name}: not UTF-8 text") from None


def _pick(header: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for c in candidates:
        if c.strip().lower() in lowered:
            return lowered[c.strip().lower()]
    return None


def _email(value: str, where: str) -> str:
    email = value.strip()
    if email.count("@") != 1 or " " in email or len(email) > 320 or email.startswith("@"):
        raise TrainingError(f"{where}, field 'email': not an email address")
    return email


def parse_lms_csv(path: Path, mapping: LmsMapping) -> tuple[str, list[CompletionRow], int]:
    """(file hash, completed rows, rows not complete); the whole file is checked first."""
    digest, text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = list(reader.fieldnames or [])
    cols: dict[str, str | None] = {}
    for field in LMS_FIELDS:
        cols[field] = _pick(header, mapping.columns.get(field, ()))
        if field != "score" and cols[field] is None:
            wanted = " or ".join(repr(h) for h in mapping.columns[field])
            raise TrainingError(
                f"{path.name}, line 1: no column for {field} (mapping {mapping.name} "
                f"looks for {wanted})"
            )
    rows: list[CompletionRow] = []
    incomplete = 0
    fmt = mapping.formats.get("completed_at")
    try:
        for record in reader:
            line = reader.line_num
            where = f"{path.name}, line {line}"
            raw_email = (record.get(cols["email"] or "") or "").strip()
            raw_when = (record.get(cols["completed_at"] or "") or "").strip()
            if not raw_email and not raw_when:
                continue
            if not raw_email:
                raise TrainingError(f"{where}, field 'email': empty")
            email = _email(raw_email, where)
            if not raw_when:
                incomplete += 1
                continue
            try:
                when = parse_timestamp_as(raw_when, fmt) if fmt else parse_timestamp(raw_when)
            except (BadValue, ValueError):
                shown = f" (expected {fmt})" if fmt else " (expected an ISO 8601 time)"
                raise TrainingError(f"{where}, field 'completed_at': not a time{shown}") from None
            score: float | None = None
            raw_score = (record.get(cols["score"] or "") or "").strip() if cols["score"] else ""
            if raw_score:
                try:
                    score = float(raw_score.rstrip("%"))
                except ValueError:
                    raise TrainingError(f"{where}, field 'score': not a number") from None
                if not 0 <= score <= 100:
                    raise TrainingError(f"{where}, field 'score': not between 0 and 100")
            rows.append(CompletionRow(line, email, when, score))
    except csv.Error as exc:
        raise TrainingError(f"{path.name}, line {reader.line_num}: bad CSV ({exc})") from None
    return digest, rows, incomplete


# ------------------------------------------------------------------ GoPhish results


@dataclass(frozen=True)
class PhishRow:
    result_id: str
    email: str
    status: str
    sent_at: str | None
    opened_at: str | None
    clicked_at: str | None
    submitted_at: str | None
    reported_at: str | None
    modified_at: str | None


_STATUS_TIME = {
    "Email Opened": "opened_at",
    "Clicked Link": "clicked_at",
    "Submitted Data": "submitted_at",
    "Email Reported": "reported_at",
}
_RANK = {s: i for i, s in enumerate(PHISHING_STATUSES)}


def _when(value: Any, where: str, field: str) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.startswith("0001-01-01"):  # Go's zero time: never happened
        return None
    try:
        # GoPhish writes RFC 3339 with nanoseconds; Python reads at most microseconds.
        if "." in text:
            head, _, rest = text.partition(".")
            frac = "".join(ch for ch in rest if ch.isdigit())
            text = head + "." + frac[:6] + rest[len(frac) :]
        return parse_timestamp(text.replace("Z", "+00:00"))
    except ValueError:
        raise TrainingError(f"{where}, field {field!r}: not an RFC 3339 time") from None


def _phish(rec: dict[str, Any], where: str, events: dict[str, dict[str, str]]) -> PhishRow | None:
    for field in GOPHISH_REQUIRED:
        if rec.get(field) in (None, ""):
            raise TrainingError(f"{where}, field {field!r}: empty")
    email = _email(str(rec["email"]), where)
    status = str(rec["status"]).strip()
    if status in GOPHISH_NOT_SENT:
        return None
    if status not in PHISHING_STATUSES:
        raise TrainingError(
            f"{where}, field 'status': unknown status (expected one of "
            f"{', '.join(PHISHING_STATUSES)})"
        )
    reported = rec.get("reported", "")
    if isinstance(reported, str):
        if reported.strip().lower() not in ("", "true", "false"):
            raise TrainingError(f"{where}, field 'reported': not true/false")
        reported = reported.strip().lower() == "true"
    elif not isinstance(reported, bool):
        raise TrainingError(f"{where}, field 'reported': not true/false")
    modified = _when(rec.get("modified_date"), where, "modified_date")
    times: dict[str, str | None] = {
        "opened_at": None,
        "clicked_at": None,
        "submitted_at": None,
        "reported_at": None,
    }
    own = events.get(email.lower())
    if own:
        times.update(own)  # the campaign timeline dates each stage exactly
    elif status != "Email Reported":
        # A CSV says only the furthest stage and when the row last changed: each stage up
        # to it (sent < opened < clicked < submitted) is dated by modified_date. Reporting
        # says nothing about opening or clicking.
        rank = _RANK[status]
        for stage, column in _STATUS_TIME.items():
            if stage != "Email Reported" and _RANK[stage] <= rank:
                times[column] = modified
    if (reported or status == "Email Reported") and times["reported_at"] is None:
        times["reported_at"] = modified
    return PhishRow(
        str(rec["id"]).strip(),
        email,
        status,
        _when(rec.get("send_date"), where, "send_date"),
        times["opened_at"],
        times["clicked_at"],
        times["submitted_at"],
        times["reported_at"],
        modified,
    )


def parse_gophish_csv(path: Path) -> tuple[str, list[PhishRow], int]:
    """(file hash, rows, rows not sent) of GoPhish's results CSV export (one row per
    recipient, `Result` fields)."""
    digest, text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    for field in GOPHISH_REQUIRED:
        if field not in header:
            raise TrainingError(f"{path.name}, line 1: missing column {field!r}")
    rows: list[PhishRow] = []
    skipped = 0
    try:
        for record in reader:
            rec = {(k or "").strip(): (v or "").strip() for k, v in record.items()}
            row = _phish(rec, f"{path.name}, line {reader.line_num}", {})
            if row is None:
                skipped += 1
            else:
                rows.append(row)
    except csv.Error as exc:
        raise TrainingError(f"{path.name}, line {reader.line_num}: bad CSV ({exc})") from None
    return digest, rows, skipped


def parse_gophish_json(path: Path) -> tuple[str, str | None, list[PhishRow], int]:
    """(file hash, campaign name, rows, rows not sent) of ``GET /api/campaigns/:id/results``:
    an object with ``name``, ``results`` (`Result` fields) and ``timeline`` (events: email,
    time, message) whose events date each stage exactly."""
    digest, text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrainingError(f"{path.name}, line {exc.lineno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise TrainingError(f"{path.name}: not a GoPhish campaign results object ('results')")
    events: dict[str, dict[str, str]] = {}
    timeline = data.get("timeline") or []
    if not isinstance(timeline, list):
        raise TrainingError(f"{path.name}, field 'timeline': not a list")
    for n, event in enumerate(timeline, start=1):
        where = f"{path.name}, timeline event {n}"
        if not isinstance(event, dict):
            raise TrainingError(f"{where}: not an object")
        column = _STATUS_TIME.get(str(event.get("message", "")))
        email = str(event.get("email") or "").strip().lower()
        if column is None or not email:
            continue  # "Campaign Created", "Email Sent" (send_date has it), …
        when = _when(event.get("time"), where, "time")
        if when is not None:
            first = events.setdefault(email, {})
            if column not in first or when < first[column]:
                first[column] = when
    rows: list[PhishRow] = []
    skipped = 0
    for n, rec in enumerate(data["results"], start=1):
        where = f"{path.name}, result {n}"
        if not isinstance(rec, dict):
            raise TrainingError(f"{where}: not an object")
        row = _phish(rec, where, events)
        if row is None:
            skipped += 1
        else:
            rows.append(row)
    name = data.get("name")
    named = (str(name).strip() or None) if name is not None else None
    return digest, named, rows, skipped
