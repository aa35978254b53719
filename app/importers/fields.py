"""Field coercion: source values checked and converted into table rows (`apply_spec`).

A bad value is reported through `Problems`, quoted only when it cannot be personal data.

Limits on hostile input (each breach is a located error, and the import writes nothing):

- integers (ids, counts, references) must fit a signed 64-bit integer, as SQLite stores them;
- text must be valid Unicode: a lone surrogate (``"\\ud800"`` in JSON) cannot be stored;
- text fields hold at most ``MAX_TEXT`` (64 KiB of UTF-8: names, subjects, emails, codes)
  and bodies (comment bodies, ticket descriptions) at most ``MAX_BODY`` (1 MiB);
- a record nested more deeply than the JSON reader allows is refused (see sources.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from app.importers.problems import Location, Problems


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

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
MAX_TEXT = 64 << 10  # bytes of UTF-8 in a name, subject, email, code, url …
MAX_BODY = 1 << 20  # bytes of UTF-8 in a comment body or a ticket description


def fit_int64(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise BadValue("is out of range (it must fit a signed 64-bit integer)", quote=True)
    return value


def has_surrogate(text: str) -> bool:
    """True if `text` holds a lone surrogate, which no UTF-8 store accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(value: str, limit: int = MAX_TEXT) -> str:
    """`value` if it is storable text of at most `limit` bytes of UTF-8."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadValue("is not valid Unicode text (a lone surrogate)", quote=False) from None
    if size > limit:
        raise BadValue(f"is longer than {_size(limit)}", quote=False)
    return value


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_id(value: Any) -> int:
    if value is None:
        raise BadValue("is missing", quote=False)
    if not _is_int(value):
        raise BadValue("is not an integer", quote=True)
    return fit_int64(int(value))


def as_int(value: Any) -> int | None:
    if value is None:
        return None
    if _is_int(value):
        return fit_int64(value)
    raise BadValue("is not an integer", quote=True)


def as_int_or_digits(value: Any) -> int | None:
    """An integer id, also when written as a string of digits.

    Zendesk's webhook payloads carry 64-bit ids as JSON strings ("6596848315901") where the
    REST API has integers; both mean the same id."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return fit_int64(int(value))
    return as_int(value)


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return check_text(value)
    raise BadValue("is not a string", quote=False)


def as_body(value: Any) -> str | None:
    """A long text (comment body, ticket description): up to MAX_BODY."""
    if value is None:
        return None
    if isinstance(value, str):
        return check_text(value, MAX_BODY)
    raise BadValue("is not a string", quote=False)


def as_code(value: Any) -> str | None:
    """A short code (status, type, action): safe to quote."""
    if value is None:
        return None
    if isinstance(value, str):
        return check_text(value)
    raise BadValue("is not a string", quote=True)


def as_text_id(value: Any) -> str | None:
    """An identifier that may come as a number or a string (external ids)."""
    if value is None:
        return None
    if isinstance(value, str):
        return check_text(value)
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


EPOCH_FORMATS = ("epoch", "epoch_ms")  # seconds / milliseconds since 1970-01-01 UTC
_SAMPLE = datetime(2012, 12, 14, 15, 31, 57, tzinfo=UTC)
_EPOCH = re.compile(r"^\d{1,16}(\.\d{1,6})?$")


def format_shown(fmt: str) -> str:
    """A timestamp format as a person reads it: the format and an example."""
    if fmt == "epoch":
        return f"epoch seconds (like {int(_SAMPLE.timestamp())})"
    if fmt == "epoch_ms":
        return f"epoch milliseconds (like {int(_SAMPLE.timestamp()) * 1000})"
    return f"{fmt} (like {_SAMPLE.strftime(fmt)})"


def check_format(fmt: str) -> None:
    """ValueError unless `fmt` is epoch, epoch_ms or a strftime format with a date in it."""
    if fmt in EPOCH_FORMATS:
        return
    if "%" not in fmt:
        raise ValueError("is not epoch, epoch_ms or a strptime format such as %d %b %Y %H:%M:%S")
    sample = _SAMPLE.strftime(fmt)
    datetime.strptime(sample, fmt)  # a format that cannot read its own output is refused


def parse_timestamp_as(text: str, fmt: str) -> str:
    """`text` in the source's own format → ``YYYY-MM-DDTHH:MM:SSZ`` (naive times are UTC).

    BadValue names the format expected (timestamps are shown in messages)."""
    expected = BadValue(f"does not match the format {format_shown(fmt)}", quote=True)
    value = text.strip()
    if fmt in EPOCH_FORMATS:
        if not _EPOCH.match(value):
            raise expected
        seconds = float(value) / (1000 if fmt == "epoch_ms" else 1)
        try:
            when = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise expected from None
    else:
        try:
            when = datetime.strptime(value, fmt)
        except ValueError:
            raise expected from None
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
        for v in value:
            fit_int64(v)
        return value
    raise BadValue("is not a list of integers", quote=True)


def as_str_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        for v in value:
            check_text(v)
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
        return check_text(value.strip())
    raise BadValue("is not a valid email address", quote=False)


def one_of(*choices: str) -> Coerce:
    def coerce(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value in choices:
            return value
        raise BadValue(f"is not one of {', '.join(choices)}", quote=True)

    return coerce


def required(coerce: Coerce) -> Coerce:
    """`coerce`, refusing a missing (null, absent or empty) value."""

    def check(value: Any) -> Any:
        if value is None or value == "":
            raise BadValue("is missing", quote=False)
        return coerce(value)

    return check


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
    try:
        for column, value in list(row.items()):
            if isinstance(value, list | dict):
                row[column] = dumps(value)
                if has_surrogate(row[column]):
                    problems.add(location, f"{column.removesuffix('_json')} {_NOT_UNICODE}")
                    ok = False
        row["extra_json"] = dumps(extra)
    except RecursionError:
        problems.add(location, "the record is nested too deeply")
        return None
    if has_surrogate(row["extra_json"]):
        broken = [k for k, v in extra.items() if has_surrogate(k) or has_surrogate(dumps(v))]
        named = [k for k in broken if not has_surrogate(k)]
        where = named[0] if named else "a field name"
        problems.add(location, f"{where} {_NOT_UNICODE}")
        ok = False
    return row if ok else None


_NOT_UNICODE = "is not valid Unicode text (a lone surrogate)"
