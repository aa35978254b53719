"""The inventory's plain values: systems, categories, activities, and their vocabulary.

Rows are frozen dataclasses the CLI, the pane and the exports share; `check_*` refuse bad
input with a message naming the record and the field, before anything is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from typing import Any

from app.errors import PrivDeskError
from app.redaction.types import ENTITY_TYPES
from models.inventory import InventoryActivity, InventoryCategory, InventorySystem


class InventoryError(PrivDeskError):
    """Bad inventory input or an unknown record."""


# Sensitivity classes, least to most sensitive (issue 19).
SENSITIVITY = {
    "public": "Public",
    "internal": "Internal",
    "personal": "Personal data",
    "sensitive": "Sensitive personal data",
    "special": "Special category (GDPR Art. 9)",
    "payment": "Payment card data (PCI DSS)",
}
# GDPR Art. 6(1) points and Art. 9(2) conditions, as short keys.
LAWFUL_BASES = {
    "consent": "Consent — Art. 6(1)(a)",
    "contract": "Contract — Art. 6(1)(b)",
    "legal-obligation": "Legal obligation — Art. 6(1)(c)",
    "vital-interests": "Vital interests — Art. 6(1)(d)",
    "public-task": "Public task — Art. 6(1)(e)",
    "legitimate-interests": "Legitimate interests — Art. 6(1)(f)",
}
SPECIAL_CONDITIONS = {
    "": "",
    "explicit-consent": "Explicit consent — Art. 9(2)(a)",
    "employment": "Employment and social security law — Art. 9(2)(b)",
    "vital-interests": "Vital interests — Art. 9(2)(c)",
    "not-for-profit": "Not-for-profit body — Art. 9(2)(d)",
    "made-public": "Made public by the data subject — Art. 9(2)(e)",
    "legal-claims": "Legal claims — Art. 9(2)(f)",
    "substantial-public-interest": "Substantial public interest — Art. 9(2)(g)",
    "health-care": "Health or social care — Art. 9(2)(h)",
    "public-health": "Public health — Art. 9(2)(i)",
    "archiving-research": "Archiving, research or statistics — Art. 9(2)(j)",
}
# The help-desk fields a scan reads, as it names them.
FIELDS = (
    "ticket.subject",
    "ticket.description",
    "ticket.custom_fields",
    "comment.body",
    "attachment.name",
    "user.name",
    "user.email",
    "user.phone",
    "user.notes",
)
SYSTEM_KINDS = ("helpdesk", "integration", "internal", "backup", "export", "other")
KINDS = ("system", "category", "activity")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


@dataclass(frozen=True)
class SystemRow:
    key: str
    name: str
    kind: str = "other"
    owner: str = ""
    location: str = ""
    vendor: str = ""
    measures: str = ""
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CategoryRow:
    key: str
    name: str
    sensitivity: str
    entity_types: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    notes: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "entity_types": list(self.entity_types),
            "fields": list(self.fields),
        }


@dataclass(frozen=True)
class ActivityRow:
    key: str
    name: str
    purpose: str
    lawful_basis: str
    special_condition: str = ""
    legitimate_interest: str = ""
    subjects: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    transfers: str = ""
    safeguard: str = ""
    retention: str = ""
    measures: str = ""
    source: str = ""
    joint_controller: str = ""

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for k in ("subjects", "categories", "recipients", "systems"):
            out[k] = list(out[k])
        return out


Row = SystemRow | CategoryRow | ActivityRow


@dataclass(frozen=True)
class Inventory:
    systems: tuple[SystemRow, ...] = ()
    categories: tuple[CategoryRow, ...] = ()
    activities: tuple[ActivityRow, ...] = ()
    problems: tuple[str, ...] = field(default=())  # references to rows that do not exist

    def to_json(self) -> dict[str, Any]:
        return {
            "systems": [r.to_json() for r in self.systems],
            "categories": [r.to_json() for r in self.categories],
            "activities": [r.to_json() for r in self.activities],
            "problems": list(self.problems),
        }


# ------------------------------------------------------------------ checks


def _need(where: str, name: str, value: str) -> None:
    if not value.strip():
        raise InventoryError(f"{where}: {name} is required")


def _one_of(where: str, name: str, value: str, allowed: Any) -> None:
    if value not in allowed:
        choices = ", ".join(k for k in allowed if k) or "(none)"
        raise InventoryError(f"{where}: {name} {value!r} is not one of {choices}")


def check(row: Row, where: str = "") -> None:
    kind = kind_of(row)
    where = where or f"{kind} {row.key!r}"
    if not _KEY.match(row.key):
        raise InventoryError(
            f"{where}: key must be lower-case letters, digits, '.', '_' or '-' (at most 80)"
        )
    _need(where, "name", row.name)
    if isinstance(row, SystemRow):
        _one_of(where, "kind", row.kind, SYSTEM_KINDS)
    elif isinstance(row, CategoryRow):
        _one_of(where, "sensitivity", row.sensitivity, SENSITIVITY)
        for t in row.entity_types:
            _one_of(where, "entity type", t, ENTITY_TYPES)
        for f in row.fields:
            _one_of(where, "field", f, FIELDS)
    else:
        _need(where, "purpose", row.purpose)
        _one_of(where, "lawful basis", row.lawful_basis, LAWFUL_BASES)
        _one_of(where, "Art. 9 condition", row.special_condition, SPECIAL_CONDITIONS)
        if row.lawful_basis == "legitimate-interests" and not row.legitimate_interest.strip():
            raise InventoryError(f"{where}: legitimate interests need --legitimate-interest")
        if row.transfers.strip() and not row.safeguard.strip():
            raise InventoryError(f"{where}: an international transfer needs its --safeguard")


def kind_of(row: Row) -> str:
    if isinstance(row, SystemRow):
        return "system"
    return "category" if isinstance(row, CategoryRow) else "activity"


# ------------------------------------------------------------------ rows ↔ tables


def _list(text: str) -> tuple[str, ...]:
    value = json.loads(text or "[]")
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def system_row(r: InventorySystem) -> SystemRow:
    return SystemRow(r.key, r.name, r.kind, r.owner, r.location, r.vendor, r.measures, r.notes)


def category_row(r: InventoryCategory) -> CategoryRow:
    return CategoryRow(
        r.key,
        r.name,
        r.sensitivity,
        _list(r.entity_types_json),
        _list(r.fields_json),
        r.notes,
    )


def activity_row(r: InventoryActivity) -> ActivityRow:
    return ActivityRow(
        key=r.key,
        name=r.name,
        purpose=r.purpose,
        lawful_basis=r.lawful_basis,
        special_condition=r.special_condition,
        legitimate_interest=r.legitimate_interest,
        subjects=_list(r.subjects_json),
        categories=_list(r.categories_json),
        recipients=_list(r.recipients_json),
        systems=_list(r.systems_json),
        transfers=r.transfers,
        safeguard=r.safeguard,
        retention=r.retention,
        measures=r.measures,
        source=r.source,
        joint_controller=r.joint_controller,
    )


def columns_of(row: Row) -> dict[str, Any]:
    """The row as the table's column values (lists as JSON)."""
    out: dict[str, Any] = {}
    for k, v in row.to_json().items():
        out[f"{k}_json" if isinstance(v, list) else k] = json.dumps(v) if isinstance(v, list) else v
    return out


# ------------------------------------------------------------------ the built-in inventory

BUILTIN = "zendesk.toml"


def parse_toml(text: str, source: str) -> Inventory:
    """An inventory file (systems, categories, activities); errors name the record."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"{source}: not valid TOML ({exc})") from None
    rows: dict[str, list[Any]] = {"system": [], "category": [], "activity": []}
    makers: tuple[tuple[str, Any], ...] = (
        ("system", SystemRow),
        ("category", CategoryRow),
        ("activity", ActivityRow),
    )
    for kind, make in makers:
        for n, item in enumerate(data.get(kind, []), 1):
            where = f"{source}: {kind} {n}"
            if not isinstance(item, dict):
                raise InventoryError(f"{where}: not a table")
            try:
                values = {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}
                row: Row = make(**values)
            except TypeError as exc:
                raise InventoryError(f"{where}: {exc}".replace("__init__() ", "")) from None
            check(row, f"{where} ({row.key})")
            rows[kind].append(row)
    return Inventory(tuple(rows["system"]), tuple(rows["category"]), tuple(rows["activity"]))


def builtin_inventory() -> Inventory:
    text = files("resources.inventory").joinpath(BUILTIN).read_text("utf-8")
    return parse_toml(text, f"resources/inventory/{BUILTIN}")


def dangling(inv: Inventory) -> tuple[str, ...]:
    """Activities that name a category or a system the inventory does not have."""
    cats = {c.key for c in inv.categories}
    systems = {s.key for s in inv.systems}
    out = []
    for a in inv.activities:
        out += [f"activity {a.key}: no category {c!r}" for c in a.categories if c not in cats]
        out += [f"activity {a.key}: no system {s!r}" for s in a.systems if s not in systems]
    return tuple(out)
