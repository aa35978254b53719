"""The engine's plain value types: entity names, findings, mask styles, rules."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

# Presidio's entity names, so users recognise them.
CREDIT_CARD = "CREDIT_CARD"
US_SSN = "US_SSN"
US_ITIN = "US_ITIN"
IBAN_CODE = "IBAN_CODE"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
IP_ADDRESS = "IP_ADDRESS"
API_KEY = "API_KEY"
PASSWORD = "PASSWORD"
PERSON = "PERSON"
CRYPTO = "CRYPTO"
URL = "URL"
ENTITY_TYPES = (
    CREDIT_CARD,
    US_SSN,
    US_ITIN,
    IBAN_CODE,
    EMAIL_ADDRESS,
    PHONE_NUMBER,
    IP_ADDRESS,
    API_KEY,
    PASSWORD,
    PERSON,
    CRYPTO,
    URL,
)


class MaskStyle(enum.StrEnum):
    BLOCK = "block"  # every character but separators becomes █
    LAST4 = "last4"  # PCI display masking: only the last four digits stay
    TOKEN = "token"  # [CREDIT_CARD]
    PSEUDONYM = "pseudonym"  # [EMAIL_ADDRESS:7f3a9c], keyed HMAC: same value → same token


@dataclass(frozen=True, slots=True)
class Finding:
    """``text[start:end]`` (code points) is an entity of `entity_type`, found by `rule_id`.

    Never carries the matched value: callers slice the text they own when they need it.
    `reason` says why it was accepted (validator passed, context word found).
    """

    start: int
    end: int
    entity_type: str
    rule_id: str
    score: float
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "type": self.entity_type,
            "rule": self.rule_id,
        }


@dataclass(frozen=True)
class Rule:
    """One detection rule, as stored in the workspace and in TOML files.

    `pattern` is RE2 syntax. When `group` > 0 the finding is that capture group's span
    (e.g. the value after "password:"). `context` words found within `context_window`
    characters before the match raise the score by `context_boost`; with
    `context_required` a match without one is dropped. `allow` / `allow_patterns` list
    values that are never findings. `must_match` / `must_not_match` are the rule's own
    examples: whole strings that must (not) produce a finding of this rule.
    """

    id: str
    entity_type: str
    pattern: str
    name: str = ""
    description: str = ""
    group: int = 0
    validator: str | None = None
    context: tuple[str, ...] = ()
    context_window: int = 48
    context_required: bool = False
    context_boost: float = 0.15
    allow: tuple[str, ...] = ()
    allow_patterns: tuple[str, ...] = ()
    score: float = 0.8
    style: MaskStyle = MaskStyle.TOKEN
    ignore_case: bool = False
    enabled: bool = True
    builtin: bool = False
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def title(self) -> str:
        return self.name or self.id

    def with_changes(self, **changes: Any) -> Rule:
        return replace(self, **changes)
