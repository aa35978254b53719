"""Redaction engine (issue 5): detectors, validators, the RE2 scanner, mask styles.

Public API: :class:`RedactionEngine` (``scan``, ``redact``), :class:`Finding`,
:class:`Rule`, :class:`MaskStyle`, :func:`builtin_rules`, :func:`load_rules_text`,
:func:`dump_rules`. The workspace side (versioned rule store, impact preview, history
redaction) is :mod:`app.redaction.service`.
"""

from __future__ import annotations

from app.redaction.engine import KNOWN_PEOPLE, RedactionEngine
from app.redaction.rules import RuleError, builtin_rules, dump_rules, load_rules_text
from app.redaction.types import ENTITY_TYPES, Finding, MaskStyle, Rule

__all__ = [
    "ENTITY_TYPES",
    "KNOWN_PEOPLE",
    "Finding",
    "MaskStyle",
    "RedactionEngine",
    "Rule",
    "RuleError",
    "builtin_rules",
    "dump_rules",
    "load_rules_text",
]
