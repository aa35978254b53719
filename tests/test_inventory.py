"""Data inventory and the record of processing (issue 19, part 1).

The built-in starting inventory, adding and replacing records with clear refusals, who may
do what (INVENTORY_VIEW / INVENTORY_MANAGE), and the ROPA export checked column by column
against the ICO's controller template (tests/data/inventory/, written by the ICO).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.inventory.records import (
    ActivityRow,
    CategoryRow,
    InventoryError,
    SystemRow,
    builtin_inventory,
    parse_toml,
)
from app.inventory.ropa import HEADINGS
from app.inventory.service import InventoryService
from app.security.guard import PermissionDenied
from tests.helpdesk_helpers import audit_events

DATA = Path(__file__).parent / "data" / "inventory"
ICO = (DATA / "ico_controller_template_columns.txt").read_text("utf-8").splitlines()


@pytest.fixture
def officer(admin: Any) -> Any:
    principal, _secret = admin.add_operator("dpo", ["privacy_officer"])
    return principal


def test_the_builtin_inventory_is_installed_once_and_is_complete(admin: Any, officer: Any) -> None:
    inv = InventoryService(admin.ctx, officer).inventory()
    seed = builtin_inventory()
    assert {s.key for s in inv.systems} == {s.key for s in seed.systems} >= {"zendesk", "backups"}
    card = next(c for c in inv.categories if c.key == "payment")
    assert card.sensitivity == "payment" and card.entity_types == ("CREDIT_CARD",)
    assert card.fields == ()  # card numbers are expected nowhere in the help desk
    assert next(c for c in inv.categories if c.key == "government-id").entity_types == (
        "US_SSN",
        "US_ITIN",
    )
    assert inv.problems == ()  # every activity names categories and systems that exist
    again = InventoryService(admin.ctx, officer).inventory()
    assert again == inv
    assert len(audit_events(admin.ctx, "inventory.install")) == 1


def test_officer_adds_and_replaces_rows_auditor_reads_only(admin: Any, officer: Any) -> None:
    """AUTH-11: the privacy officer manages the inventory, the auditor reads it."""
    svc = InventoryService(admin.ctx, officer)
    svc.inventory()
    svc.save(SystemRow("slack", "Slack (agent chat)", "integration", location="US"))
    svc.save(SystemRow("slack", "Slack", "integration", location="EU", vendor="Salesforce"))
    auditor, _ = admin.add_operator("aud", ["auditor"])
    seen = InventoryService(admin.ctx, auditor).inventory()
    slack = next(s for s in seen.systems if s.key == "slack")
    assert (slack.name, slack.location, slack.vendor) == ("Slack", "EU", "Salesforce")
    with pytest.raises(PermissionDenied):
        InventoryService(admin.ctx, auditor).save(SystemRow("x", "X"))
    saved = audit_events(admin.ctx, "inventory.save")
    assert [e["details"]["created"] for e in saved] == [True, False]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (SystemRow("Bad Key", "x"), "system 'Bad Key': key must be lower-case"),
        (CategoryRow("c", "C", "secret"), "category 'c': sensitivity 'secret' is not one of"),
        (CategoryRow("c", "C", "personal", ("SSN",)), "entity type 'SSN' is not one of"),
        (CategoryRow("c", "C", "personal", (), ("ticket.body",)), "field 'ticket.body'"),
        (ActivityRow("a", "A", "", "contract"), "activity 'a': purpose is required"),
        (ActivityRow("a", "A", "p", "art6"), "lawful basis 'art6' is not one of"),
        (
            ActivityRow("a", "A", "p", "legitimate-interests"),
            "legitimate interests need --legitimate-interest",
        ),
        (ActivityRow("a", "A", "p", "contract", transfers="US"), "transfer needs its --safeguard"),
    ],
)
def test_bad_records_are_refused_naming_the_record_and_field(
    admin: Any, officer: Any, row: Any, message: str
) -> None:
    svc = InventoryService(admin.ctx, officer)
    before = svc.inventory()
    with pytest.raises(InventoryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        svc.save(row)
    assert svc.inventory() == before  # nothing written


def test_a_bad_inventory_file_names_the_record_and_field() -> None:
    with pytest.raises(InventoryError, match=r"inv.toml: category 2 \(x\): sensitivity 'top'"):
        parse_toml(
            '[[category]]\nkey="a"\nname="A"\nsensitivity="public"\n'
            '[[category]]\nkey="x"\nname="X"\nsensitivity="top"\n',
            "inv.toml",
        )
    with pytest.raises(InventoryError, match=r"inv.toml: system 1: .*colour"):
        parse_toml('[[system]]\nkey="a"\nname="A"\ncolour="red"\n', "inv.toml")
    with pytest.raises(InventoryError, match=r"inv\.toml: not valid TOML"):
        parse_toml("[[system]\n", "inv.toml")


def _activity() -> ActivityRow:
    return ActivityRow(
        key="fraud",
        name='=HYPERLINK("http://x")',
        purpose="Detecting card fraud reported in tickets",
        lawful_basis="legitimate-interests",
        special_condition="legal-claims",
        legitimate_interest="Preventing fraud against customers",
        subjects=("customers", "card holders"),
        categories=("payment", "contact"),
        recipients=("fraud team", "acquiring bank"),
        systems=("zendesk", "backups"),
        transfers="United States",
        safeguard="EU Standard Contractual Clauses",
        retention="18 months after the case closes",
        measures="Card numbers masked to the last 4 digits",
        source="The customer and the acquiring bank",
        joint_controller="Acme Payments Ltd, dpo@acme-payments.example",
    )


def test_ropa_csv_has_the_ico_columns_and_each_cell(admin: Any, officer: Any) -> None:
    """The export's header is the ICO template's, verbatim and in order; each column of an
    activity carries what the inventory holds (formula text neutralised, CSV-1)."""
    assert list(HEADINGS) == ICO and len(ICO) == 30
    svc = InventoryService(admin.ctx, officer)
    svc.inventory()
    svc.save(_activity())
    rows = list(csv.reader(io.StringIO(svc.export_text("csv"))))
    assert rows[0] == ICO
    got = dict(zip(ICO, next(r for r in rows[1:] if "card fraud" in r[1]), strict=True))
    expected = {
        "Business function": '\'=HYPERLINK("http://x")',
        "Purpose of processing": "Detecting card fraud reported in tickets",
        ICO[2]: "Acme Payments Ltd, dpo@acme-payments.example",
        "Categories of individuals": "customers; card holders",
        "Categories of personal data": "Payment card data (PCI DSS) (payment card data (pci dss)); "
        "Contact details (name, email, phone) (personal data)",
        "Categories of recipients": "fraud team; acquiring bank",
        "Link to contract with processor": "",
        ICO[7]: "United States",
        ICO[8]: "EU Standard Contractual Clauses",
        "Retention schedule (if possible)": "18 months after the case closes",
        ICO[10]: "Card numbers masked to the last 4 digits",
        ICO[11]: "Legitimate interests — Art. 6(1)(f)",
        ICO[12]: "Legal claims — Art. 9(2)(f)",
        ICO[13]: "Preventing fraud against customers",
        ICO[17]: "The customer and the acquiring bank",
        "Location of personal data": "Zendesk Support (help desk) — EU (Zendesk data centre "
        "region: Europe); PrivDesk workspace backups — Company file server (EU)",
    }
    for heading in ICO:
        assert got[heading] == expected.get(heading, ""), heading


def test_ropa_json_and_html_carry_the_same_columns(admin: Any, officer: Any) -> None:
    svc = InventoryService(admin.ctx, officer)
    svc.inventory()
    data = json.loads(svc.export_text("json", controller="Example Shop Ltd"))
    assert data["columns"] == ICO and data["controller"] == "Example Shop Ltd"
    support = next(a for a in data["activities"] if a["Business function"] == "Customer support")
    assert list(support) == ICO
    assert support[ICO[11]] == "Contract — Art. 6(1)(b)"
    html = svc.export_text("html", controller="Example <Shop>")
    assert "Example &lt;Shop&gt;" in html and "Purpose of processing" in html
    assert "Link to contract with processor" in html  # listed among the columns left blank
    assert audit_events(admin.ctx, "inventory.export")[-1]["details"]["format"] == "html"
    with pytest.raises(InventoryError, match="unknown export format 'xls'"):
        svc.export_text("xls")


def test_every_cnil_registre_section_has_an_ico_column() -> None:
    """The CNIL's registre de base asks nothing the ICO columns do not carry."""
    cnil = (DATA / "cnil_registre_sections.txt").read_text("utf-8").splitlines()
    carried_by = {
        "Nom de l'activité": "Business function",
        "Objectifs poursuivis": "Purpose of processing",
        "Catégories de personnes concernées": "Categories of individuals",
        "Catégories de données collectées": "Categories of personal data",
        "Des données sensibles sont-elles traitées ?": ICO[12],
        "Durées de conservation des catégories de données": "Retention schedule (if possible)",
        "Catégories de destinataires des données": "Categories of recipients",
        "Transferts des données hors UE": ICO[7],
        "Mesures de sécurité": ICO[10],
    }
    assert set(cnil) == set(carried_by)
    assert set(carried_by.values()) <= set(HEADINGS)
