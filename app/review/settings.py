"""Review settings kept in the workspace `settings` table (keys prefixed `review.`)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from app.review.findings import DEFAULT_DORMANT_DAYS, ToxicRule, rules_from_json
from models.workspace import Setting

DORMANT_KEY = "review.dormant_days"
RULES_KEY = "review.toxic_rules"


def dormant_days(s: Session) -> int:
    row = s.get(Setting, DORMANT_KEY)
    return int(json.loads(row.value_json)) if row else DEFAULT_DORMANT_DAYS


def toxic_rules(s: Session) -> list[ToxicRule]:
    row = s.get(Setting, RULES_KEY)
    return rules_from_json(row.value_json if row else None)


def custom_rules(s: Session) -> bool:
    return s.get(Setting, RULES_KEY) is not None


def reset(s: Session, key: str) -> None:
    row = s.get(Setting, key)
    if row is not None:
        s.delete(row)


def put(s: Session, key: str, value: object) -> None:
    row = s.get(Setting, key)
    text = json.dumps(value)
    if row is None:
        s.add(Setting(key=key, value_json=text))
    else:
        row.value_json = text
