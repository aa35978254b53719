"""Labelled corpora: the demo export (`planted.json` + `tickets.ndjson`) as scoring cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.errors import PrivDeskError
from app.redaction.examples import Label

# The Presidio types the demo generator plants (it labels every one it writes).
DEMO_TYPES = frozenset({"CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER"})


@dataclass(frozen=True)
class Case:
    case_id: int  # the comment id
    text: str
    labels: tuple[Label, ...]


def iter_comment_bodies(folder: Path) -> Iterator[tuple[int, int, str]]:
    """(ticket id, comment id, body) for every comment of a demo/Zendesk NDJSON export."""
    path = folder / "tickets.ndjson"
    if not path.is_file():
        raise PrivDeskError(f"{path}: not found (expected a demo export folder)")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                ticket = json.loads(line)
                for c in ticket.get("comments", ()):
                    yield int(ticket["id"]), int(c["id"]), str(c.get("body") or "")


def load_demo_cases(folder: Path, *, limit: int | None = None) -> list[Case]:
    """Every comment of a demo export with its planted labels (comments without any
    planted entity are kept too: they measure false positives)."""
    planted_path = folder / "planted.json"
    try:
        planted = json.loads(planted_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PrivDeskError(f"{planted_path}: cannot read labels ({type(exc).__name__})") from None
    labels: dict[int, list[Label]] = {}
    for e in planted.get("entities", ()):
        labels.setdefault(int(e["comment_id"]), []).append(
            Label(int(e["start"]), int(e["end"]), str(e["type"]))
        )
    cases: list[Case] = []
    for _, comment_id, body in iter_comment_bodies(folder):
        cases.append(Case(comment_id, body, tuple(labels.get(comment_id, ()))))
        if limit is not None and len(cases) >= limit:
            break
    return cases
