"""The redaction engine: `scan` and `redact`, pure and thread-safe, one compiled scanner.

    engine = RedactionEngine(builtin_rules(), key=workspace_key, people=known)
    engine.scan("card 4111 1111 1111 1111")  # [Finding(5, 24, 'CREDIT_CARD', …)]
    engine.redact("card 4111 1111 1111 1111", MaskStyle.LAST4)  # 'card **** **** **** 1111'

`people` are the names and e-mails of the workspace directory, matched as literals and
reported as ``PERSON`` (the help desk knows its customers; no NLP).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import re2

from app.redaction.masking import mask
from app.redaction.rules import check_rule
from app.redaction.scanner import Scanner
from app.redaction.types import PERSON, Finding, MaskStyle, Rule

KNOWN_PEOPLE = "known_people"
MIN_LITERAL = 5  # shorter names ("Al Li") would hit ordinary words


def people_rule(literals: Iterable[str], *, enabled: bool = True) -> Rule | None:
    """One literal-alternation rule for known people's names and e-mails, or None."""
    unique = sorted(
        {" ".join(x.split()) for x in literals if x and len(x.strip()) >= MIN_LITERAL},
        key=lambda s: (-len(s), s),  # longest first: leftmost-first prefers it
    )
    if not unique:
        return None
    alternation = "|".join(re2.escape(x).replace(r"\ ", r"\s+") for x in unique)
    return Rule(
        id=KNOWN_PEOPLE,
        entity_type=PERSON,
        name="Known people (workspace directory)",
        description="Names and e-mails of people in the imported directory, as literals.",
        pattern=alternation,
        validator="boundary",
        ignore_case=True,
        score=0.7,
        style=MaskStyle.PSEUDONYM,
        enabled=enabled,
        builtin=True,
    )


class RedactionEngine:
    """Rules compiled once; `scan`/`redact` share no mutable state between calls."""

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        key: bytes | None = None,
        people: Iterable[str] = (),
        people_enabled: bool = True,
    ) -> None:
        for rule in rules:
            check_rule(rule)
        extra = people_rule(people, enabled=people_enabled)
        self.rules: tuple[Rule, ...] = tuple(rules) + ((extra,) if extra else ())
        self.key = key if key is not None else os.urandom(32)
        self.scanner = Scanner(self.rules)
        self._styles = {r.id: r.style for r in self.rules}

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def scan(self, text: str) -> list[Finding]:
        return self.scanner.scan(text)

    def scan_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        return self.scanner.scan_many(texts)

    def redact(self, text: str, style: MaskStyle | None = None) -> str:
        """`text` with every finding masked (`style`, or each rule's own style)."""
        return self.apply(text, self.scan(text), style)

    def apply(self, text: str, findings: Sequence[Finding], style: MaskStyle | None = None) -> str:
        out: list[str] = []
        pos = 0
        for f in sorted(findings, key=lambda f: f.start):
            if f.start < pos:
                continue
            out.append(text[pos : f.start])
            chosen = style or self._styles.get(f.rule_id, MaskStyle.TOKEN)
            out.append(mask(chosen, f.entity_type, text[f.start : f.end], self.key))
            pos = f.end
        out.append(text[pos:])
        return "".join(out)

    def tag(self, text: str, findings: Sequence[Finding], open_tag: str, close_tag: str) -> str:
        """`text` with each finding wrapped in tags (Zendesk's ``<redact>`` markup)."""
        out: list[str] = []
        pos = 0
        for f in sorted(findings, key=lambda f: f.start):
            if f.start < pos:
                continue
            out += [text[pos : f.start], open_tag, text[f.start : f.end], close_tag]
            pos = f.end
        out.append(text[pos:])
        return "".join(out)
