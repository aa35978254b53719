"""`privdesk training …`: add a programme, import a Moodle export and GoPhish results,
status and phishing in --json, a quiz exported and its results imported; bad input is
exit 2 with one line naming the file, line and field, and writes nothing."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.helpdesk import HelpdeskService
from app.training import quizzes
from models.training import Completion, QuizExport
from tests.helpdesk_helpers import CSV
from views.launch import main

DATA = Path(__file__).parent / "data" / "training"


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def desk(admin: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    officer, _secret = admin.add_operator("dpo", ["privacy_officer"])

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield admin.ctx, officer

    monkeypatch.setattr("app.cli.training.signed_in", signed_in)
    return admin


def test_the_training_commands(desk: Any, capsys: Any, tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "training", "programmes", "add", "Annual privacy training",
        "--months", "12", "--role", "agent", "--role", "admin",
    )  # fmt: skip
    assert code == 0, err
    assert "added Annual privacy training: agent, admin" in out
    code, out, _ = run(capsys, "training", "list", "--json")
    assert json.loads(out)["programmes"][0]["recurrence_months"] == 12
    code, out, err = run(
        capsys, "training", "import", "--kind", "completions",
        "--programme", "Annual privacy training", str(DATA / "moodle-course-completion.csv"),
    )  # fmt: skip
    assert code == 0, err
    assert "2 completions added, 0 already known, 1 not complete" in out
    code, out, err = run(
        capsys, "training", "import", "--kind", "phishing", str(DATA / "gophish-results.json")
    )
    assert code == 0 and "Q4 parcel-delivery lure: 2 results added" in out, err
    code, out, _ = run(capsys, "training", "status", "--json")
    states = {r["agent"]: r["state"] for r in json.loads(out)["status"]}
    assert states == {"Ada Admin": "current", "Ben Agent": "due_soon"}
    code, out, _ = run(capsys, "training", "status")
    assert "Due soon" in out and "due 2026-12-02" in out
    code, out, _ = run(capsys, "training", "phishing", "--json")
    assert {r["status"] for r in json.loads(out)["results"]} == {"Email Reported", "Submitted Data"}
    assert "ben.agent@" not in out  # masked

    page = tmp_path / "quiz.html"
    code, out, err = run(
        capsys, "training", "quiz", "export", "privacy-basics",
        "--agent", "ben.agent@acme.example", "--out", str(page), "--json",
    )  # fmt: skip
    assert code == 0, err
    export_id = json.loads(out)["export_id"]
    assert page.is_file()
    with desk.ctx.read_session() as s:
        key = bytes.fromhex(
            s.scalar(select(QuizExport.key_hex).where(QuizExport.export_id == export_id)) or ""
        )
    answers = {q.id: q.answer for q in quizzes.load_quiz("privacy-basics").questions}
    results: dict[str, Any] = {
        "format": quizzes.RESULTS_FORMAT,
        "export_id": export_id,
        "quiz": "privacy-basics",
        "agent": "ben.agent@acme.example",
        "answers": answers,
        "completed_at": "2026-11-27T11:00:00Z",
    }
    results["hmac"] = quizzes.sign(key, results)
    back = tmp_path / "results.json"
    back.write_text(json.dumps(results), "utf-8")
    code, out, err = run(capsys, "training", "quiz", "import", str(back))
    assert code == 0, err
    assert "privacy-basics: 100% passed; completion recorded" in out


def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    desk: Any, capsys: Any, tmp_path: Path
) -> None:
    assert run(capsys, "training", "programmes", "add", "P", "--role", "agent")[0] == 0
    bad = tmp_path / "completion-p.csv"
    bad.write_text("ID,Name,Email address,Course complete\n1,A,a@x.example,yesterday\n", "utf-8")
    code, out, err = run(
        capsys, "training", "import", "--kind", "completions", "--programme", "P", str(bad)
    )
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert "completion-p.csv, line 2, field 'completed_at'" in err
    code, _out, err = run(capsys, "training", "import", "--kind", "completions", str(bad))
    assert code == 2 and "needs --programme" in err
    with desk.ctx.read_session() as s:
        assert s.scalars(select(Completion)).all() == []
