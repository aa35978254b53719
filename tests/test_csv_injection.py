"""CSV injection (OWASP): every CSV the product writes neutralises cells that a spreadsheet
would run as a formula — text starting with = + - @, a tab or a carriage return gets a
leading single quote — while real numbers (a count of -3) stay numbers. Each export is
attacked with ticket/operator text (issue 14, "Exports"; AUD-1 exports stay exact: the
cell is the stored text with one quote in front, nothing else changed)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.audit.service import AuditService
from app.dsar.export import ExportService
from app.dsar.locate import LocateService
from app.reports import csv_safe
from models.helpdesk import Comment, Ticket
from tests.dsar_helpers import make_desk
from tests.test_review_campaigns import stepped_up
from tests.test_review_data import USERS, load_snapshot, officer, review, user

ROOT = Path(__file__).resolve().parent.parent

PAYLOADS = (
    '=HYPERLINK("http://x","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
)


def is_formula(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]


# ---------------------------------------------------------------- the writer itself


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_that_starts_a_formula_gets_a_quote(payload: str) -> None:
    text = csv_safe.render(["value"], [[payload]])
    assert cells(text) == ["value", "'" + payload]


def test_a_carriage_return_inside_a_cell_cannot_start_a_row() -> None:
    text = csv_safe.render(["a", "b"], [["x\r=1+1", "\r=2"]], lineterminator="\n")
    assert cells(text) == ["a", "b", "x\r=1+1", "'\r=2"]
    assert text.count("\n") == 2


def test_real_numbers_keep_their_sign_text_numbers_do_not() -> None:
    text = csv_safe.render(["n", "x", "t", "b", "none"], [[-3, -1.5, "-3", True, None]])
    assert cells(text)[5:] == ["-3", "-1.5", "'-3", "True", ""]


def test_no_other_csv_writer_in_app() -> None:
    """One writer for every CSV the product writes: no csv.writer/DictWriter elsewhere."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "app").rglob("*.py")
        if p.name != "csv_safe.py" and re.search(r"csv\.(writer|DictWriter)\b", p.read_text())
    ]
    assert offenders == []


# ---------------------------------------------------------------- DSAR package


def test_dsar_package_csvs_carry_no_formula_from_ticket_text(admin: Any, tmp_path: Path) -> None:
    desk = make_desk(admin)
    with admin.ctx.session() as s:
        ticket = s.get(Ticket, 101)
        assert ticket is not None
        ticket.subject = PAYLOADS[0]
        for n, body in enumerate(PAYLOADS):
            s.add(Comment(id=7100 + n, ticket_id=101, author_id=1002, body=body, row_hash="h"))
    ref = desk.new().reference
    desk.svc().verify(ref, method="email reply from the address on file")
    LocateService(desk.ctx, desk.officer).locate(ref)
    out = tmp_path / "package.zip"
    ExportService(desk.ctx, desk.stepped_up()).export(ref, out)
    with zipfile.ZipFile(out) as z:
        csvs = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".csv")}
        data = json.loads(z.read("data.json"))
    assert {"tickets.csv", "comments.csv"} <= set(csvs)
    for name, text in csvs.items():
        bad = [c for c in cells(text) if is_formula(c)]
        assert bad == [], name
    bodies = [r["body"] for r in csv.DictReader(io.StringIO(csvs["comments.csv"], newline=""))]
    stored = {c["body"] for c in data["comments"]}
    for payload in PAYLOADS:
        assert payload in stored  # the JSON keeps the text exactly …
        assert "'" + payload in bodies  # … the CSV cell is it with one quote in front
    subjects = [r["subject"] for r in csv.DictReader(io.StringIO(csvs["tickets.csv"]))]
    assert "'" + PAYLOADS[0] in subjects


# ---------------------------------------------------------------- review evidence


def test_review_items_and_remediation_csvs_neutralise_names_and_justifications(
    admin: Any, tmp_path: Path
) -> None:
    hostile = user(150, "Mallory Agent")
    hostile["name"] = '\t=HYPERLINK("http://x","click")'
    load_snapshot(admin, tmp_path, users=[*USERS, hostile])
    priya, secret = officer(admin, email="priya.raman@acme.example")
    service = review(admin, priya)
    c = service.create_campaign()
    items = {i.agent_id: i for i in service.items(c.id)}
    service.decide([items[104].id], "revoke", justification=PAYLOADS[1])
    service.decide([items[108].id], "revoke", justification=PAYLOADS[2])
    service.decide([items[109].id], "modify", target_role="Tier 1", justification=PAYLOADS[3])
    service.decide([items[150].id], "revoke", justification=PAYLOADS[0])
    fresh = review(admin, stepped_up(admin, priya, secret))
    pack = fresh.export_pack(c.id, tmp_path / "pack", render_pdf=None)
    for name in pack.files:
        if name.endswith(".csv"):
            text = (tmp_path / "pack" / name).read_text(encoding="utf-8")
            assert [x for x in cells(text) if is_formula(x)] == [], name
    remediation = fresh.remediation_csv(c.id)
    assert [x for x in cells(remediation) if is_formula(x)] == []
    rows = list(csv.DictReader(io.StringIO(remediation, newline="")))
    assert {r["justification"] for r in rows} >= {"'" + p for p in PAYLOADS[:4]}
    assert "'" + hostile["name"] in {r["name"] for r in rows}


# ---------------------------------------------------------------- audit export


def test_audit_export_csv_neutralises_event_fields(admin: Any) -> None:
    with admin.ctx.session() as s:
        for n, payload in enumerate(PAYLOADS):
            admin.ctx.audit.record(
                s, action="test.csv", object_type="ticket", object_id=payload, details={"n": -n}
            )
    auditor, _secret = admin.add_operator("audra", ["auditor"])
    text = AuditService(admin.ctx, auditor).export("csv")
    assert [x for x in cells(text) if is_formula(x)] == []
    ids = [r["object_id"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    for payload in PAYLOADS:
        assert "'" + payload in ids
    seqs = [r["seq"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert all(s.isdigit() for s in seqs)  # numbers stay numbers
