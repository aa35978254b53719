"""The workspace's rule set: built-ins from resources overlaid by versioned changes.

Pure data access on a Session (no permission checks: :mod:`app.redaction.service`
does those and audits). Every change appends a `rd_rule_versions` row.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import models.redaction  # noqa: F401 - registers the rd_ tables on the shared metadata
from app.importers.loader import latest_snapshot
from app.redaction.engine import KNOWN_PEOPLE, RedactionEngine
from app.redaction.rules import RuleError, builtin_rules, rule_from_dict, rule_to_dict
from app.redaction.types import MaskStyle, Rule
from models.helpdesk import SNAPSHOT_DIRECTORY, Identity, Person
from models.redaction import RedactionKey, RedactionRule, RedactionRuleVersion

PSEUDONYM_KEY = "pseudonym"


@dataclass(frozen=True)
class RuleInfo:
    """A rule as the library shows it: its current definition and where it stands."""

    rule: Rule
    version: int  # 0: the shipped built-in, never changed
    modified: bool  # a built-in that differs from the shipped one
    updated_at: str | None
    updated_by: str | None

    @property
    def rule_id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class RuleVersionInfo:
    rule_id: str
    version: int
    change: str
    definition: dict[str, Any]
    created_at: str
    created_by: str


def _people_placeholder(enabled: bool) -> Rule:
    return Rule(
        id=KNOWN_PEOPLE,
        entity_type="PERSON",
        pattern="(?:known people)",
        name="Known people (workspace directory)",
        description="Names and e-mails of people in the latest directory snapshot, matched "
        "as literals (no NLP).",
        score=0.7,
        style=MaskStyle.PSEUDONYM,
        enabled=enabled,
        builtin=True,
    )


def _definition(rule: Rule) -> dict[str, Any]:
    data = rule_to_dict(rule)
    data["enabled"] = rule.enabled
    return data


def load_rule_infos(s: Session) -> list[RuleInfo]:
    """Built-ins (in shipped order), then custom rules by id; deleted rules left out."""
    rows = {r.rule_id: r for r in s.scalars(select(RedactionRule))}
    current: dict[str, RedactionRuleVersion] = {}
    for row in rows.values():
        version = s.scalars(
            select(RedactionRuleVersion).where(
                RedactionRuleVersion.rule_id == row.rule_id,
                RedactionRuleVersion.version == row.current_version,
            )
        ).one()
        current[row.rule_id] = version
    infos: list[RuleInfo] = []
    shipped = [*builtin_rules(), _people_placeholder(True)]
    for base in shipped:
        stored = rows.get(base.id)
        if stored is None:
            infos.append(RuleInfo(base, 0, False, None, None))
            continue
        rule = _from_version(current[base.id], builtin=True, fallback=base)
        infos.append(
            RuleInfo(
                rule.with_changes(enabled=stored.enabled),
                stored.current_version,
                rule.with_changes(enabled=True) != base.with_changes(enabled=True)
                or stored.enabled != base.enabled,
                stored.updated_at,
                stored.updated_by,
            )
        )
    builtin_ids = {r.id for r in shipped}
    for rule_id in sorted(set(rows) - builtin_ids):
        row = rows[rule_id]
        if row.deleted:
            continue
        rule = _from_version(current[rule_id], builtin=False, fallback=None)
        infos.append(
            RuleInfo(
                rule.with_changes(enabled=row.enabled),
                row.current_version,
                False,
                row.updated_at,
                row.updated_by,
            )
        )
    return infos


def _from_version(version: RedactionRuleVersion, *, builtin: bool, fallback: Rule | None) -> Rule:
    data = json.loads(version.definition_json)
    if version.rule_id == KNOWN_PEOPLE:
        return _people_placeholder(bool(data.get("enabled", True)))
    try:
        return rule_from_dict(data, where=f"stored rule {version.rule_id!r}", builtin=builtin)
    except RuleError:
        if fallback is not None:
            return fallback  # a built-in whose stored edit no longer compiles: shipped one
        raise


def save_version(
    s: Session, rule: Rule, *, change: str, actor: str, now: str, builtin: bool
) -> RuleInfo:
    row = s.get(RedactionRule, rule.id)
    version = 1 if row is None else row.current_version + 1
    s.add(
        RedactionRuleVersion(
            rule_id=rule.id,
            version=version,
            change=change,
            definition_json=json.dumps(_definition(rule), sort_keys=True),
            created_at=now,
            created_by=actor,
        )
    )
    if row is None:
        row = RedactionRule(rule_id=rule.id, builtin=builtin, current_version=version)
        s.add(row)
    row.current_version = version
    row.enabled = rule.enabled
    row.deleted = change == "delete"
    row.updated_at = now
    row.updated_by = actor
    s.flush()
    return RuleInfo(rule, version, builtin, now, actor)


def load_versions(s: Session, rule_id: str) -> list[RuleVersionInfo]:
    rows = s.scalars(
        select(RedactionRuleVersion)
        .where(RedactionRuleVersion.rule_id == rule_id)
        .order_by(RedactionRuleVersion.version)
    )
    return [
        RuleVersionInfo(
            r.rule_id,
            r.version,
            r.change,
            json.loads(r.definition_json),
            r.created_at,
            r.created_by,
        )
        for r in rows
    ]


def pseudonym_key(s: Session, now: str) -> bytes:
    """The workspace's pseudonym HMAC key, created on first use."""
    row = s.get(RedactionKey, PSEUDONYM_KEY)
    if row is None:
        row = RedactionKey(name=PSEUDONYM_KEY, key=os.urandom(32), created_at=now)
        s.add(row)
        s.flush()
    return bytes(row.key)


def directory_literals(s: Session) -> list[str]:
    """Names and e-mails of everyone in the latest directory snapshot."""
    snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
    if snap is None:
        return []
    out: list[str] = []
    for name, email in s.execute(
        select(Person.name, Person.email).where(Person.snapshot_id == snap.id)
    ):
        out += [x for x in (name, email) if x]
    out += [
        v
        for v in s.scalars(
            select(Identity.value).where(Identity.snapshot_id == snap.id, Identity.type == "email")
        )
        if v
    ]
    return out


def build_engine(s: Session, rules: Sequence[Rule], now: str) -> RedactionEngine:
    """An engine for `rules` with the workspace key and, if enabled, known people."""
    people_on = any(r.id == KNOWN_PEOPLE and r.enabled for r in rules)
    real = [r for r in rules if r.id != KNOWN_PEOPLE]
    people = directory_literals(s) if people_on else []
    return RedactionEngine(real, key=pseudonym_key(s, now), people=people)
