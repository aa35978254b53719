"""The record of processing activities (GDPR Art. 30(1)) in the shape regulators publish.

Columns: the ICO's "Documentation template for controllers" (sheet *Template*, its 30
column headings, verbatim and in order; source in tests/data/inventory/README.md), one row
per processing activity. Cells PrivDesk holds nothing for are left empty, never invented.
CSV goes through `app.reports.csv_safe`; the PDF through the report templates and the Qt
renderer, like every other report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.inventory.records import (
    LAWFUL_BASES,
    SENSITIVITY,
    SPECIAL_CONDITIONS,
    ActivityRow,
    Inventory,
)
from app.reports import csv_safe
from app.reports.templates import render

Cell = Callable[[ActivityRow, Inventory], str]


def _join(values: tuple[str, ...] | list[str]) -> str:
    return "; ".join(v for v in values if v)


def _categories(a: ActivityRow, inv: Inventory) -> str:
    by_key = {c.key: c for c in inv.categories}
    return _join(
        [
            f"{by_key[k].name} ({SENSITIVITY[by_key[k].sensitivity].lower()})" if k in by_key else k
            for k in a.categories
        ]
    )


def _special(a: ActivityRow, inv: Inventory) -> str:
    return SPECIAL_CONDITIONS.get(a.special_condition, a.special_condition)


def _locations(a: ActivityRow, inv: Inventory) -> str:
    by_key = {s.key: s for s in inv.systems}
    return _join(
        [f"{by_key[k].name} — {by_key[k].location}" if k in by_key else k for k in a.systems]
    )


def _blank(a: ActivityRow, inv: Inventory) -> str:
    return ""


def _field(name: str) -> Cell:
    def cell(a: ActivityRow, inv: Inventory) -> str:
        value = getattr(a, name)
        return _join(value) if isinstance(value, tuple) else str(value)

    return cell


ICO_COLUMNS: tuple[tuple[str, Cell], ...] = (
    ("Business function", _field("name")),
    ("Purpose of processing", _field("purpose")),
    ("Name and contact details of joint controller (if applicable)", _field("joint_controller")),
    ("Categories of individuals", _field("subjects")),
    ("Categories of personal data", _categories),
    ("Categories of recipients", _field("recipients")),
    ("Link to contract with processor", _blank),
    (
        "Names of third countries or international organisations that personal data are "
        "transferred to (if applicable)",
        _field("transfers"),
    ),
    (
        "Safeguards for exceptional transfers of personal data to third countries or "
        "international organisations (if applicable)",
        _field("safeguard"),
    ),
    ("Retention schedule (if possible)", _field("retention")),
    (
        "General description of technical and organisational security measures (if possible)",
        _field("measures"),
    ),
    (
        "Article 6 lawful basis for processing personal data",
        lambda a, inv: LAWFUL_BASES.get(a.lawful_basis, a.lawful_basis),
    ),
    ("Article 9 condition for processing special category data", _special),
    ("Legitimate interests for the processing (if applicable)", _field("legitimate_interest")),
    ("Link to record of legitimate interests assessment (if applicable)", _blank),
    ("Rights available to individuals", _blank),
    ("Existence of automated decision-making, including profiling (if applicable)", _blank),
    ("The source of the personal data (if applicable)", _field("source")),
    ("Link to record of consent", _blank),
    ("Location of personal data", _locations),
    ("Data Protection Impact Assessment required?", _blank),
    ("Data Protection Impact Assessment progress", _blank),
    ("Link to Data Protection Impact Assessment", _blank),
    ("Has a personal data breach occurred?", _blank),
    ("Link to record of personal data breach", _blank),
    ("Data Protection Act 2018 Schedule 1 Condition for processing", _blank),
    ("GDPR Article 6 lawful basis for processing", _blank),
    ("Link to retention and erasure policy document", _blank),
    ("Is personal data retained and erased in accordance with the policy document?", _blank),
    ("Reasons for not adhering to policy document (if applicable)", _blank),
)
HEADINGS = tuple(h for h, _ in ICO_COLUMNS)
FORMATS = ("csv", "json", "pdf", "html")


def rows(inv: Inventory) -> list[dict[str, str]]:
    """One dict per activity, keyed by the ICO heading, in the template's order."""
    return [{h: cell(a, inv) for h, cell in ICO_COLUMNS} for a in inv.activities]


def to_csv(inv: Inventory) -> str:
    return csv_safe.render(HEADINGS, ([row[h] for h in HEADINGS] for row in rows(inv)))


def to_json(inv: Inventory, *, generated_at: str, controller: str) -> str:
    data: dict[str, Any] = {
        "template": "ICO documentation template for controllers (UK GDPR Art. 30(1))",
        "controller": controller,
        "generated_at": generated_at,
        "columns": list(HEADINGS),
        "activities": rows(inv),
        "systems": [s.to_json() for s in inv.systems],
        "categories": [c.to_json() for c in inv.categories],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_html(inv: Inventory, *, generated_at: str, controller: str) -> str:
    filled = [h for h in HEADINGS if any(r[h] for r in rows(inv))]
    return render(
        "inventory_ropa.html",
        controller=controller,
        generated_at=generated_at,
        headings=filled,
        omitted=[h for h in HEADINGS if h not in filled],
        activities=rows(inv),
        systems=inv.systems,
        categories=inv.categories,
        sensitivity=SENSITIVITY,
    )
