"""`privdesk vendors …` (issue 21's CLI contract): add/list/show, integrations import and
list, link, review with a step-up sign-off, `findings --json` in the contract's shape,
export; bad input is exit 2 with one line naming the file, record and field."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.security import totp
from app.vendors import questionnaire
from tests.test_vendors import DATA, Office
from views.launch import main


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def office(admin: Any, monkeypatch: pytest.MonkeyPatch) -> Office:
    o = Office(admin)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield o.admin.ctx, o.officer

    monkeypatch.setattr("app.cli.vendors.signed_in", signed_in)
    return o


def test_add_list_show_link_and_findings_json(office: Office, capsys: Any) -> None:
    code, out, err = run(
        capsys, "vendors", "add", "acme", "--name", "Acme Surveys", "--purpose", "CSAT surveys",
        "--dpa-signed", "--dpa-date", "2025-02-01", "--transfer", "sccs", "--risk", "high",
        "--next-review", "2026-10-01", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["vendor"]["transfer"] == "sccs"
    code, out, err = run(capsys, "vendors", "add", "acme", "--name", "Acme again")
    assert code == 2 and "vendor 'acme' exists" in err and err.count("\n") == 1
    code, out, err = run(
        capsys, "vendors", "certification", "acme", "--kind", "SOC 2 Type II",
        "--report-date", "2025-04-01", "--expires", "2026-03-31",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "vendors", "integrations", "import", str(DATA), "--json")
    assert code == 0, err
    assert json.loads(out)["added"] == 9
    code, out, _ = run(capsys, "vendors", "link", "oauth_client:41", "acme")
    assert code == 0 and "linked oauth_client:41 to vendor acme" in out
    code, out, _ = run(capsys, "vendors", "integrations", "list", "--json")
    linked = {i["ref"]: i["vendor"] for i in json.loads(out)["integrations"]}
    assert linked["oauth_client:41"] == "acme" and linked["app_installation:42"] is None
    code, out, _ = run(capsys, "vendors", "list")
    assert "acme" in out and "2026-10-01" in out and "2026-03-31" in out
    code, out, _ = run(capsys, "vendors", "findings", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"findings"}
    assert all(set(f) == {"type", "subject", "detail"} for f in data["findings"])
    types = {f["type"] for f in data["findings"]}
    assert types == {
        "token_unused", "excessive_scope", "app_without_vendor", "review_overdue",
        "certificate_expired",
    }  # fmt: skip
    code, out, _ = run(capsys, "vendors", "show", "acme", "--json")
    assert [i["ref"] for i in json.loads(out)["integrations"]] == ["oauth_client:41"]


def test_a_bad_integration_record_is_exit_2_naming_file_record_field(
    office: Office, capsys: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "zd"
    shutil.copytree(DATA, folder)
    tokens = json.loads((folder / "oauth_tokens.json").read_text("utf-8"))
    tokens["tokens"][2]["used_at"] = 12
    (folder / "oauth_tokens.json").write_text(json.dumps(tokens), "utf-8")
    code, out, err = run(capsys, "vendors", "integrations", "import", str(folder))
    assert code == 2 and err.count("\n") == 1
    assert "oauth_tokens.json: record 2 (tokens[2]): field 'used_at' is not a time" in err
    code, out, _ = run(capsys, "vendors", "integrations", "list", "--json")
    assert json.loads(out)["integrations"] == []  # nothing written


def test_review_answer_and_step_up_signoff(
    office: Office, capsys: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "vendors", "add", "slack", "--name", "Slack")
    code, out, _ = run(capsys, "vendors", "review", "start", "slack", "--json")
    review = json.loads(out)["review"]["id"]
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(dict.fromkeys(questionnaire.builtin().ids(), "yes")), "utf-8")
    evidence = tmp_path / "iso-cert.pdf"
    evidence.write_bytes(b"certificate")
    code, out, err = run(
        capsys, "vendors", "review", "answer", str(review), "--answers", str(answers),
        "--answer", "encryption.rest=partial", "--evidence", str(evidence), "--json",
    )  # fmt: skip
    assert code == 0, err
    got = json.loads(out)["review"]
    assert got["answers"]["encryption.rest"] == "partial" and got["score"] < 100
    assert got["evidence"][0]["name"] == "iso-cert.pdf" and got["evidence"][0]["size"] == 11
    code, out, err = run(capsys, "vendors", "review", "answer", str(review), "--answer", "mfa")
    assert code == 2 and "write it QUESTION=ANSWER" in err
    office.admin.clock.advance(6 * 60)  # past the sign-in's step-up window
    office.admin.clock.advance(30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(office.secret, office.admin.clock.now()))
    code, out, err = run(
        capsys, "vendors", "review", "signoff", str(review), "--decision", "approve", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["review"]["status"] == "signed_off"


def test_export_csv_to_a_file(office: Office, capsys: Any, tmp_path: Path) -> None:
    run(capsys, "vendors", "add", "slack", "--name", "Slack", "--transfer", "dpf")
    target = tmp_path / "vendors.csv"
    code, _out, err = run(capsys, "vendors", "export", "--format", "csv", "--out", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [(r["key"], r["transfer"]) for r in rows] == [("slack", "dpf")]


def test_questionnaire_out_edit_and_import(office: Office, capsys: Any, tmp_path: Path) -> None:
    out_file = tmp_path / "q.toml"
    code, out, err = run(capsys, "vendors", "review", "questions", "--out", str(out_file))
    assert code == 0, err
    assert out.startswith(f"questionnaire {questionnaire.builtin().version} (built-in, ")
    assert out_file.read_text(encoding="utf-8") == questionnaire.builtin().text
    code, _, err = run(capsys, "vendors", "review", "questions", "--out", str(out_file))
    assert code == 2 and "exists; choose a new file" in err
    edited = out_file.read_text(encoding="utf-8").replace("weight = 3", "weight = 5", 1)
    out_file.write_text(edited.replace('version = "2026.1"', 'version = "2027.1"'), "utf-8")
    code, out, err = run(capsys, "vendors", "review", "questionnaire", str(out_file), "--json")
    assert code == 0, err
    assert json.loads(out) == {"status": "ok", "version": "2027.1", "questions": 15}
    code, out, err = run(capsys, "vendors", "review", "questions", "--json")
    data = json.loads(out)
    assert data["version"] == "2027.1" and data["origin"] == "imported"
    assert data["questions"][0]["weight"] == 5
