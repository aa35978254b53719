"""CSV column mappings: which header holds which field, and how the source writes values.

A mapping is TOML (``resources/mappings/*.toml``, or ``--map FILE``)::

    [columns]                  # field -> header, or a list of candidate headers
    email = ["Email", "E-mail address"]
    role = "Roles"
    groups = "Groups"

    [split]                    # a column holding several values, and their separator
    role = ","                 # "agent,supervisor" -> two roles; the person gets the most
    groups = ","               #   privileged (admin > agent > end-user), the cell is kept

    [values.role]              # rewrite each value (lower-cased keys); "*" = any other
    supervisor = "admin"
    "*" = "agent"

    [formats]                  # timestamps in the source's format: a strptime format,
    last_login_at = "%d %b %Y %H:%M:%S"   # or "epoch" / "epoch_ms"; naive times are UTC

Rows with the same identity (id, else e-mail) in a file with a ``groups`` column are one
person in several groups (Atlassian writes one row per group membership): they are merged.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.importers.fields import (
    BadValue,
    as_date,
    as_email,
    check_format,
    check_text,
    dumps,
    fit_int64,
    parse_timestamp,
)
from app.importers.problems import Location, fail_now

_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "y", "1", "t", "on", "enabled"}
_FALSE = {"false", "no", "n", "0", "f", "off", "disabled"}
ROLES = ("end-user", "agent", "admin")  # least to most privileged
ROSTER_STATUSES = ("active", "leave", "terminated")  # what access reviews act on
SPLITTABLE = ("role", "groups", "tags")
TIMESTAMPS = ("last_login_at", "created_at")
DATES = ("end_date",)


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


def _group(v: str) -> str:
    return dumps([check_text(v)])


Parse = Callable[[str], Any]
# field -> (column, parser, may quote the value in an error)
PEOPLE_FIELDS: dict[str, tuple[str, Parse, bool]] = {
    "id": ("zendesk_id", _int, True),
    "external_id": ("external_id", _text, False),
    "name": ("name", _text, False),
    "first_name": ("first_name", _text, False),  # joined into name when there is none
    "last_name": ("last_name", _text, False),
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
    "groups": ("groups_json", _group, False),
}
NAME_PARTS = ("first_name", "last_name")  # parts of `name`, not columns of their own
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


@dataclass(frozen=True)
class Mapping_:
    """Field -> candidate headers, per-field value rewrites (keys lower-cased, "*" any
    other), separators of multi-valued fields and timestamp formats."""

    columns: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[str, str]]
    split: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)

    def rewrite(self, name: str, value: str) -> str:
        table = self.values.get(name)
        if not table or value == "":
            return value
        return table.get(value.lower(), table.get("*", value))


def _table(data: dict[str, Any], key: str, name: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise fail_now(Location(name), f"[{key}] is not a table")
    return value


def load_mapping(kind: str, path: Path | None) -> Mapping_:
    """The mapping from `path`, or the default one for `kind`."""
    name = path.name if path else f"default-{kind}.toml"
    shipped = files("resources.mappings")
    if path is not None and not path.exists() and path.parent == Path("."):
        # A shipped mapping by name: --map freshdesk-agents (or freshdesk-agents.toml).
        candidate = name if name.endswith(".toml") else f"{name}.toml"
        if shipped.joinpath(candidate).is_file():
            path, name = None, candidate
    try:
        if path is None:
            text = shipped.joinpath(name).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise fail_now(Location(name), f"cannot be read ({type(exc).__name__})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise fail_now(Location(name), f"invalid TOML ({exc})") from None
    known = fields_for(kind)
    columns: dict[str, tuple[str, ...]] = {}
    for fname, headers in _table(data, "columns", name).items():
        if fname not in known:
            raise fail_now(
                Location(name), f"unknown field '{fname}' (known: {', '.join(sorted(known))})"
            )
        candidates = [headers] if isinstance(headers, str) else headers
        if not isinstance(candidates, list) or not all(isinstance(h, str) for h in candidates):
            raise fail_now(Location(name), f"columns.{fname} is not a header or list of headers")
        columns[fname] = tuple(candidates)
    values: dict[str, dict[str, str]] = {}
    for fname, table in _table(data, "values", name).items():
        if fname not in known or not isinstance(table, dict):
            raise fail_now(Location(name), f"values.{fname} is not a known field's table")
        values[fname] = {str(k).lower(): str(v) for k, v in table.items()}
    split: dict[str, str] = {}
    for fname, sep in _table(data, "split", name).items():
        if fname not in SPLITTABLE or fname not in known:
            raise fail_now(Location(name), f"split.{fname}: only {', '.join(SPLITTABLE)} split")
        if not isinstance(sep, str) or not sep:
            raise fail_now(Location(name), f'split.{fname} is not a separator such as ","')
        split[fname] = sep
    formats: dict[str, str] = {}
    for fname, fmt in _table(data, "formats", name).items():
        if fname not in (*TIMESTAMPS, *DATES) or fname not in known:
            allowed = ", ".join(f for f in (*TIMESTAMPS, *DATES) if f in known)
            raise fail_now(Location(name), f"formats.{fname}: formats apply to {allowed}")
        try:
            check_format(str(fmt))
        except ValueError as exc:
            raise fail_now(Location(name), f"formats.{fname} '{fmt}' {exc}") from None
        formats[fname] = str(fmt)
    return Mapping_(columns, values, split, formats)
