"""`privdesk inventory …` (issue 19's CLI contract): add/list/show, export csv|json|pdf,
scan --json in the contract's shape; bad input is exit 2 with one line."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dsar_helpers import make_desk
from tests.test_inventory import ICO
from tests.test_inventory_scan import plant
from views.launch import main  # the full `privdesk`: export renders a PDF


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def desk(admin: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    d = make_desk(admin)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield d.ctx, d.officer

    monkeypatch.setattr("app.cli.inventory.signed_in", signed_in)
    return d


def test_add_list_show_and_refusals(desk: Any, capsys: Any) -> None:
    code, out, err = run(
        capsys, "inventory", "system", "add", "slack", "--name", "Slack", "--kind",
        "integration", "--location", "US", "--vendor", "Salesforce", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["system"]["kind"] == "integration"
    code, out, err = run(capsys, "inventory", "system", "add", "slack", "--name", "Slack 2")
    assert code == 2 and "exists: pass --replace" in err and err.count("\n") == 1
    code, out, err = run(
        capsys, "inventory", "category", "add", "health", "--name", "Health",
        "--sensitivity", "special", "--replace",
    )  # fmt: skip
    assert code == 0 and "replaced category health" in out
    code, out, err = run(
        capsys, "inventory", "activity", "add", "chat", "--name", "Chat support",
        "--purpose", "Live chat", "--basis", "contract", "--transfers", "US",
    )  # fmt: skip
    assert code == 2 and "activity 'chat': an international transfer needs its --safeguard" in err
    code, out, _ = run(capsys, "inventory", "system", "list", "--json")
    assert {"zendesk", "slack"} <= {s["key"] for s in json.loads(out)["systems"]}
    code, out, _ = run(capsys, "inventory", "activity", "show", "customer-support")
    assert code == 0 and "lawful basis" in out and "contract" in out
    code, _, err = run(capsys, "inventory", "activity", "show", "nope")
    assert code == 2 and "no activity 'nope'" in err


def test_export_csv_json_and_pdf(desk: Any, capsys: Any, qapp: Any, tmp_path: Path) -> None:
    code, out, err = run(capsys, "inventory", "export", "--format", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ICO and len(rows) == 3  # header + the two built-in activities
    out_json = tmp_path / "ropa.json"
    code, out, err = run(
        capsys, "inventory", "export", "--format", "json", "--out", str(out_json),
        "--controller", "Example Shop Ltd, 1 High St", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["path"] == str(out_json)
    assert json.loads(out_json.read_text())["columns"] == ICO
    pdf = tmp_path / "ropa.pdf"
    code, out, err = run(capsys, "inventory", "export", "--format", "pdf", "--out", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    code, _, err = run(capsys, "inventory", "export", "--format", "pdf")
    assert code == 2 and "needs --out" in err


def test_scan_json_is_the_contract_shape(desk: Any, capsys: Any) -> None:
    plant(desk.ctx)
    code, out, err = run(capsys, "inventory", "scan", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data["fields"], list)
    by_field = {f["field"]: f["types"] for f in data["fields"]}
    assert by_field["ticket.subject"]["CREDIT_CARD"] >= 3
    assert all(isinstance(n, int) for t in by_field.values() for n in t.values())
    assert any(f["message"].startswith("card numbers in ticket subjects") for f in data["findings"])
    code, out, _ = run(capsys, "inventory", "scan")
    assert "Findings:" in out and "card numbers in ticket subjects" in out
