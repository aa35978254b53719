"""The vendor security questionnaire: questions as data, answers and the weighted score.

The built-in template is ``resources/vendors/questionnaire.toml``; an officer may import
an edited copy (same shape, a new ``version``), kept in the workspace (``vd_questionnaires``).
New reviews use the newest; a review is checked and scored against the version it was
started with. An answer is ``yes``, ``partial``, ``no`` or ``n/a``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.vendors.records import VendorError
from models.vendors import VendorQuestionnaire

ANSWERS = {"yes": 1.0, "partial": 0.5, "no": 0.0, "n/a": None}
BUILTIN = "questionnaire.toml"


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    text: str
    weight: int


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]
    text: str = field(default="", compare=False, repr=False)  # its TOML, as written
    origin: str = "built-in"  # built-in | imported

    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise VendorError(f"no question {qid!r} in questionnaire {self.version}")

    def check_answers(self, answers: Mapping[str, str]) -> None:
        for qid, answer in answers.items():
            self.question(qid)
            if answer not in ANSWERS:
                raise VendorError(
                    f"question {qid!r}: answer {answer!r} is not one of {', '.join(ANSWERS)}"
                )

    def score(self, answers: Mapping[str, str]) -> int | None:
        """Weighted percent of the answered questions (n/a left out); None if none count."""
        total = got = 0.0
        for q in self.questions:
            value = ANSWERS.get(answers.get(q.id, ""))
            if value is None:
                continue
            total += q.weight
            got += q.weight * value
        return None if total == 0 else round(100 * got / total)

    def unanswered(self, answers: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions if q.id not in answers)


def parse(text: str, source: str) -> Questionnaire:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VendorError(f"{source}: not valid TOML ({exc})") from None
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise VendorError(f"{source}: 'version' is missing")
    questions: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(data.get("questions", [])):
        where = f"{source}: question {i + 1}"
        for name, kind in (("id", str), ("topic", str), ("text", str), ("weight", int)):
            if not isinstance(q.get(name), kind) or isinstance(q.get(name), bool):
                raise VendorError(f"{where}: field {name!r} is missing or not a {kind.__name__}")
        if q["id"] in seen:
            raise VendorError(f"{where}: id {q['id']!r} is used twice")
        if q["weight"] < 1:
            raise VendorError(f"{where}: field 'weight' must be at least 1")
        seen.add(q["id"])
        questions.append(Question(q["id"], q["topic"], q["text"], q["weight"]))
    if not questions:
        raise VendorError(f"{source}: no questions")
    return Questionnaire(version, tuple(questions), text)


def builtin() -> Questionnaire:
    text = files("resources.vendors").joinpath(BUILTIN).read_text("utf-8")
    return parse(text, f"resources/vendors/{BUILTIN}")


def _imported(row: VendorQuestionnaire) -> Questionnaire:
    q = parse(row.text, f"questionnaire {row.version}")
    return Questionnaire(q.version, q.questions, q.text, "imported")


def current(s: Session) -> Questionnaire:
    """The questionnaire new reviews use: the newest imported one, else the built-in."""
    row = s.scalar(select(VendorQuestionnaire).order_by(VendorQuestionnaire.id.desc()).limit(1))
    return builtin() if row is None else _imported(row)


def of_version(s: Session, version: str) -> Questionnaire:
    """The questionnaire a review was started with."""
    base = builtin()
    if version == base.version:
        return base
    row = s.scalar(select(VendorQuestionnaire).where(VendorQuestionnaire.version == version))
    if row is None:
        raise VendorError(f"no questionnaire version {version!r} in this workspace")
    return _imported(row)
