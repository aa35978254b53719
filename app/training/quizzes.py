"""Quizzes as data, exported as one self-contained HTML page, answered offline.

A quiz is ``resources/training/quizzes/<name>.toml``: ``title``, optional ``programme``
(a pass records a completion of it), ``pass_mark`` (percent) and ``[[questions]]`` each
with ``id``, ``text``, ``choices`` and ``answer`` (the 0-based index of the right choice).

Integrity design (see the README, "Quizzes: what a results file proves"):

- the HTML holds the questions and choices only, never ``answer``;
- each export has a random 32-byte key stored in the workspace (``trn_quiz_exports``);
  the HTML carries the export id and ``HMAC-SHA256(export key, "quiz-results:" + id)``,
  a key derived for that export alone;
- the page's results file holds the export id, the quiz, the agent, the answers and the
  time, and ``hmac`` = HMAC-SHA256(derived key, canonical JSON of those fields) (keys
  sorted, no spaces, UTF-8);
- import recomputes the derived key from the stored key, verifies the HMAC in constant
  time, checks the export id, quiz and agent against the export, and recomputes the score
  from the stored answer key (a "score" in the file is ignored).

So an edited results file fails, a results file cannot be replayed for another export or
agent, and a pass cannot be claimed by writing a score. It does NOT prove who sat at the
browser, nor stop someone who reads the derived key out of the HTML from signing answers
of their choice for that one export (they would still need the right answers to pass).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.training.imports import TrainingError

RESULTS_FORMAT = "privdesk-quiz-results/1"
SIGNED_FIELDS = ("agent", "answers", "completed_at", "export_id", "quiz")
_NAME_OK = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    choices: tuple[str, ...]
    answer: int


@dataclass(frozen=True)
class Quiz:
    name: str
    title: str
    programme: str | None
    pass_mark: float
    questions: tuple[Question, ...]

    def public(self) -> dict[str, Any]:
        """What the HTML may show: no answers."""
        return {
            "name": self.name,
            "title": self.title,
            "pass_mark": self.pass_mark,
            "questions": [
                {"id": q.id, "text": q.text, "choices": list(q.choices)} for q in self.questions
            ],
        }

    def score(self, answers: dict[str, int]) -> float:
        right = sum(answers.get(q.id) == q.answer for q in self.questions)
        return round(100.0 * right / len(self.questions), 1)


def _quiz_from(name: str, data: dict[str, Any]) -> Quiz:
    where = f"{name}.toml"
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TrainingError(f"{where}: 'title' is required")
    mark = data.get("pass_mark", 80)
    if not isinstance(mark, int | float) or not 0 < mark <= 100:
        raise TrainingError(f"{where}: 'pass_mark' must be a percentage above 0")
    programme = data.get("programme")
    if programme is not None and not isinstance(programme, str):
        raise TrainingError(f"{where}: 'programme' must be a programme's name")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise TrainingError(f"{where}: give at least one [[questions]]")
    questions: list[Question] = []
    for n, q in enumerate(raw, start=1):
        at = f"{where}, question {n}"
        if not isinstance(q, dict):
            raise TrainingError(f"{at}: not a table")
        qid, text, choices, answer = q.get("id"), q.get("text"), q.get("choices"), q.get("answer")
        if not isinstance(qid, str) or not qid or any(x.id == qid for x in questions):
            raise TrainingError(f"{at}, field 'id': missing or repeated")
        if not isinstance(text, str) or not text.strip():
            raise TrainingError(f"{at}, field 'text': missing")
        if (
            not isinstance(choices, list)
            or len(choices) < 2
            or not all(isinstance(c, str) and c.strip() for c in choices)
        ):
            raise TrainingError(f"{at}, field 'choices': give two or more choices")
        if not isinstance(answer, int) or isinstance(answer, bool):
            raise TrainingError(f"{at}, field 'answer': not a choice number")
        if not 0 <= answer < len(choices):
            raise TrainingError(f"{at}, field 'answer': not a choice number")
        questions.append(Question(qid, text.strip(), tuple(choices), answer))
    return Quiz(name, title.strip(), programme, float(mark), tuple(questions))


def quiz_names() -> list[str]:
    folder = files("resources.training.quizzes")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_quiz(name: str) -> Quiz:
    if not name or not set(name) <= _NAME_OK:
        raise TrainingError(f"quiz {name!r}: not a quiz name (known: {', '.join(quiz_names())})")
    resource = files("resources.training.quizzes").joinpath(f"{name}.toml")
    if not resource.is_file():
        raise TrainingError(f"quiz {name!r} does not exist (known: {', '.join(quiz_names())})")
    try:
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TrainingError(f"{name}.toml: invalid TOML ({exc})") from None
    return _quiz_from(name, data)


def derived_key(export_key: bytes, export_id: str) -> bytes:
    return hmac.new(export_key, f"quiz-results:{export_id}".encode(), hashlib.sha256).digest()


def canonical(results: dict[str, Any]) -> bytes:
    body = {k: results[k] for k in SIGNED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign(export_key: bytes, results: dict[str, Any]) -> str:
    key = derived_key(export_key, str(results["export_id"]))
    return hmac.new(key, canonical(results), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ResultsFile:
    export_id: str
    quiz: str
    agent: str
    answers: dict[str, int]
    completed_at: str
    mac: str
    raw: dict[str, Any]


def read_results(path: Path) -> ResultsFile:
    """The results JSON a quiz page saved (shape checked; the HMAC is checked by the caller,
    who holds the export's key)."""
    try:
        if path.stat().st_size > 1024 * 1024:
            raise TrainingError(f"{path.name}: larger than 1 MiB, not a quiz results file")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrainingError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise TrainingError(f"{path.name}: not a JSON quiz results file") from None
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT:
        raise TrainingError(f"{path.name}, field 'format': not {RESULTS_FORMAT}")
    for field in (*SIGNED_FIELDS, "hmac"):
        if field not in data:
            raise TrainingError(f"{path.name}, field {field!r}: missing")
    for field in ("export_id", "quiz", "agent", "completed_at", "hmac"):
        if not isinstance(data[field], str):
            raise TrainingError(f"{path.name}, field {field!r}: not text")
    answers = data["answers"]
    if not isinstance(answers, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in answers.items()
    ):
        raise TrainingError(f"{path.name}, field 'answers': not question ids to choice numbers")
    return ResultsFile(
        data["export_id"],
        data["quiz"],
        data["agent"],
        dict(answers),
        data["completed_at"],
        data["hmac"],
        data,
    )


def verify(export_key: bytes, results: ResultsFile, path_name: str) -> None:
    expected = sign(export_key, results.raw)
    if not hmac.compare_digest(expected, results.mac.lower()):
        raise TrainingError(
            f"{path_name}, field 'hmac': does not verify — the file was edited, or is not "
            "the one this export's page saved"
        )
