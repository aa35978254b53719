"""Quizzes (issue 21, part 2): one self-contained HTML page without the answer key; the
results file it saves is HMAC-signed with a key derived for that export; import verifies
it and scores it from the stored answer key, so an edited or replayed file fails."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.helpdesk import HelpdeskService
from app.training import quizzes
from app.training.imports import TrainingError
from app.training.service import TrainingService
from models.training import Completion, QuizExport
from tests.helpdesk_helpers import CSV

BEN = "ben.agent@acme.example"
RIGHT = {
    "card-in-ticket": 1,
    "dsar-request": 2,
    "caller-identity": 0,
    "phishing-report": 2,
    "export-customers": 1,
}


@pytest.fixture
def svc(admin: Any) -> TrainingService:
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    principal, _secret = admin.add_operator("dpo", ["privacy_officer"])
    s = TrainingService(admin.ctx, principal)
    s.add_programme("Annual privacy training", roles=("agent", "admin"))
    return s


def _key(svc: TrainingService, export_id: str) -> bytes:
    with svc.ctx.read_session() as s:
        row = s.scalar(select(QuizExport).where(QuizExport.export_id == export_id))
        assert row is not None
        return bytes.fromhex(row.key_hex)


def _results(svc: TrainingService, export_id: str, answers: dict[str, int], **over: Any) -> dict:
    body: dict[str, Any] = {
        "format": quizzes.RESULTS_FORMAT,
        "export_id": export_id,
        "quiz": "privacy-basics",
        "agent": BEN,
        "answers": answers,
        "completed_at": "2026-11-27T11:00:00Z",
    }
    body.update(over)
    body["hmac"] = quizzes.sign(_key(svc, export_id), body)
    return body


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), "utf-8")
    return path


def test_the_page_is_self_contained_and_has_no_answer_key(svc: Any, tmp_path: Path) -> None:
    out = svc.export_quiz("privacy-basics", BEN, tmp_path / "quiz.html")
    html = out.path.read_text("utf-8")
    assert out.export_id in html and "Privacy basics for help-desk agents" in html
    assert not re.search(r"\b(src|href)\s*=\s*[\"']?(https?:)?//", html)  # no network
    assert '"answer"' not in html and "answer =" not in html
    assert _key(svc, out.export_id).hex() not in html  # only the derived key travels


def test_a_signed_passing_file_scores_and_records_a_completion(svc: Any, tmp_path: Path) -> None:
    out = svc.export_quiz("privacy-basics", BEN, tmp_path / "quiz.html")
    wrong_one = {**RIGHT, "export-customers": 0}
    # The page's "score" would be ignored: the score comes from the stored answer key.
    data = _results(svc, out.export_id, wrong_one)
    data["score"] = 100
    outcome = svc.import_quiz_results(_write(tmp_path / "r.json", data))
    assert (outcome.score, outcome.passed, outcome.completion_recorded) == (80.0, True, True)
    (ben,) = [r for r in svc.status() if r.agent == "Ben Agent"]
    assert (ben.state, ben.completed_at) == ("current", "2026-11-27T11:00:00Z")
    with pytest.raises(TrainingError, match="already imported"):
        svc.import_quiz_results(tmp_path / "r.json")


def test_a_failing_score_records_no_completion(svc: Any, tmp_path: Path) -> None:
    out = svc.export_quiz("privacy-basics", BEN, tmp_path / "quiz.html")
    outcome = svc.import_quiz_results(
        _write(tmp_path / "r.json", _results(svc, out.export_id, {"card-in-ticket": 1}))
    )
    assert (outcome.score, outcome.passed, outcome.completion_recorded) == (20.0, False, False)
    with svc.ctx.read_session() as s:
        assert s.scalars(select(Completion)).all() == []


def test_an_edited_or_replayed_file_fails_verification(svc: Any, tmp_path: Path) -> None:
    first = svc.export_quiz("privacy-basics", BEN, tmp_path / "a.html")
    second = svc.export_quiz("privacy-basics", BEN, tmp_path / "b.html")
    data = _results(svc, first.export_id, {"card-in-ticket": 0})
    data["answers"] = RIGHT  # edited after the page signed it
    with pytest.raises(TrainingError, match=r"r\.json, field 'hmac': does not verify"):
        svc.import_quiz_results(_write(tmp_path / "r.json", data))
    replay = _results(svc, first.export_id, RIGHT)
    replay["export_id"] = second.export_id  # one export's signature for another export
    with pytest.raises(TrainingError, match="field 'hmac': does not verify"):
        svc.import_quiz_results(_write(tmp_path / "r.json", replay))
    other = _results(svc, first.export_id, RIGHT, agent="ada.admin@acme.example")
    with pytest.raises(TrainingError, match="field 'agent': not the agent exported for"):
        svc.import_quiz_results(_write(tmp_path / "r.json", other))
    with pytest.raises(TrainingError, match="not an active agent"):
        svc.export_quiz("privacy-basics", "nobody@acme.example", tmp_path / "c.html")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_the_pages_own_script_signs_what_import_verifies(svc: Any, tmp_path: Path) -> None:
    """Runs the HTML's inline JavaScript (its SHA-256/HMAC and canonical JSON) and imports
    the results it produces, with a non-ASCII answer key order shuffled."""
    out = svc.export_quiz("privacy-basics", BEN, tmp_path / "quiz.html")
    script = re.search(r"<script>(.*?)</script>", out.path.read_text("utf-8"), re.S)
    assert script is not None
    answers = json.dumps(dict(reversed(list(RIGHT.items()))))
    driver = script.group(1) + (
        f"const answers = {answers};\n"
        'const r = {format: "privdesk-quiz-results/1", export_id: EXPORT_ID, quiz: QUIZ.name,'
        ' agent: AGENT, answers: answers, completed_at: "2026-11-27T11:45:00Z"};\n'
        "r.hmac = hex(hmacSha256(unhex(KEY_HEX), canonical(r)));\n"
        "console.log(JSON.stringify(r));\n"
    )
    run = subprocess.run(
        ["node", "-e", driver], capture_output=True, text=True, timeout=60, check=True
    )
    outcome = svc.import_quiz_results(_write(tmp_path / "r.json", json.loads(run.stdout)))
    assert (outcome.score, outcome.passed) == (100.0, True)


def test_quiz_files_are_checked(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="question 1, field 'answer'"):
        quizzes._quiz_from("x", {"title": "T", "questions": [
            {"id": "a", "text": "?", "choices": ["y", "n"], "answer": 2}
        ]})  # fmt: skip
    assert quizzes.load_quiz("privacy-basics").programme == "Annual privacy training"
    with pytest.raises(TrainingError, match="does not exist"):
        quizzes.load_quiz("nope")
