"""Rules as data: RE2 pattern checks with positions, TOML import/export, the built-ins."""

from __future__ import annotations

import importlib.resources
import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import re2

from app.errors import PrivDeskError
from app.redaction.types import ENTITY_TYPES, MaskStyle, Rule
from app.redaction.validators import UnknownValidator, get_validator

FORMAT = 1
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_ENTITY = re.compile(r"[A-Z][A-Z0-9_]{1,47}")

_HINTS = (
    ("(?<", "look-behind is not supported by RE2"),
    ("(?=", "look-ahead is not supported by RE2"),
    ("(?!", "negative look-ahead is not supported by RE2"),
    ("(?>", "atomic groups are not supported by RE2"),
    ("++", "possessive quantifiers are not supported by RE2"),
    ("*+", "possessive quantifiers are not supported by RE2"),
    ("?+", "possessive quantifiers are not supported by RE2"),
)


class RuleError(PrivDeskError):
    """A rule that cannot be used; the message names the rule, field and position."""


def re2_options(ignore_case: bool = False) -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.max_mem = 64 << 20
    return options


def pattern_error(pattern: str) -> tuple[str, int] | None:
    """(message, 0-based position) if `pattern` is not valid RE2, else None."""
    try:
        re2.compile(pattern, re2_options())
    except re2.error as exc:
        raw = exc.args[0] if exc.args else b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        what, _, fragment = text.partition(": ")
        pos = pattern.find(fragment) if fragment else -1
        if pos < 0 and fragment:
            pos = pattern.find(fragment[:2])
        pos = max(pos, 0)
        hint = next((h for token, h in _HINTS if fragment.startswith(token)), None)
        if hint is None and re.match(r"\\[1-9]", fragment):
            hint = "back-references are not supported by RE2"
        message = f"{what} at position {pos + 1}: {fragment}" + (f" ({hint})" if hint else "")
        return message, pos
    return None


def check_rule(rule: Rule) -> None:
    """Raise RuleError (naming the rule and the field) if `rule` cannot be compiled."""
    where = f"rule {rule.id!r}"
    if not _ID.fullmatch(rule.id):
        raise RuleError(f"{where}: id must be lower-case letters, digits, '_', '-' or '.'")
    if not _ENTITY.fullmatch(rule.entity_type):
        raise RuleError(f"{where}: type must be an upper-case name such as CREDIT_CARD")
    if not rule.pattern:
        raise RuleError(f"{where}: pattern is empty")
    problem = pattern_error(rule.pattern)
    if problem is not None:
        raise RuleError(f"{where}: pattern {problem[0]}")
    compiled = re2.compile(rule.pattern, re2_options(rule.ignore_case))
    if compiled.groups < rule.group or rule.group < 0:
        raise RuleError(f"{where}: group {rule.group} does not exist in the pattern")
    if compiled.fullmatch("") is not None:
        raise RuleError(f"{where}: pattern matches the empty string")
    for allowed in rule.allow_patterns:
        problem = pattern_error(allowed)
        if problem is not None:
            raise RuleError(f"{where}: allow pattern {problem[0]}")
    if rule.validator:
        try:
            get_validator(rule.validator)
        except UnknownValidator as exc:
            raise RuleError(f"{where}: {exc}") from None
    if not 0.0 < rule.score <= 1.0 or math.isnan(rule.score):
        raise RuleError(f"{where}: score must be in (0, 1]")
    if not 0 <= rule.context_window <= 500:
        raise RuleError(f"{where}: context_window must be 0–500 characters")


# --- TOML ----------------------------------------------------------------------------------

_FIELDS: dict[str, tuple[str, type]] = {
    # toml key: (Rule attribute, type)
    "id": ("id", str),
    "type": ("entity_type", str),
    "pattern": ("pattern", str),
    "name": ("name", str),
    "description": ("description", str),
    "group": ("group", int),
    "validator": ("validator", str),
    "context": ("context", list),
    "context_window": ("context_window", int),
    "context_required": ("context_required", bool),
    "context_boost": ("context_boost", float),
    "allow": ("allow", list),
    "allow_patterns": ("allow_patterns", list),
    "score": ("score", float),
    "style": ("style", str),
    "ignore_case": ("ignore_case", bool),
    "enabled": ("enabled", bool),
    "must_match": ("must_match", list),
    "must_not_match": ("must_not_match", list),
}
_REQUIRED = ("id", "type", "pattern")


def rule_from_dict(data: Mapping[str, Any], *, where: str, builtin: bool = False) -> Rule:
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise RuleError(f"{where}: unknown field {unknown[0]!r}")
    for key in _REQUIRED:
        if key not in data:
            raise RuleError(f"{where}: missing field {key!r}")
    values: dict[str, Any] = {"builtin": builtin}
    for key, raw in data.items():
        attr, kind = _FIELDS[key]
        value: Any = raw
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            value = float(raw)
        if kind is list:
            if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
                raise RuleError(f"{where}: field {key!r} must be a list of strings")
            value = tuple(raw)
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise RuleError(f"{where}: field {key!r} must be {kind.__name__}")
        values[attr] = value
    try:
        values["style"] = MaskStyle(values.get("style", MaskStyle.TOKEN))
    except ValueError:
        styles = ", ".join(s.value for s in MaskStyle)
        raise RuleError(f"{where}: style must be one of {styles}") from None
    rule = Rule(**values)
    check_rule(rule)
    return rule


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """The rule as TOML/JSON data; defaults left out, so a file stays short."""
    default = Rule(id="x", entity_type="X", pattern="x")
    out: dict[str, Any] = {}
    for key, (attr, _) in _FIELDS.items():
        value = getattr(rule, attr)
        if key in _REQUIRED or value != getattr(default, attr):
            out[key] = list(value) if isinstance(value, tuple) else value
    if "style" in out:
        out["style"] = str(out["style"])
    return out


def load_rules_text(text: str, *, source: str, builtin: bool = False) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{source}: not valid TOML: {exc}") from None
    if data.get("format", FORMAT) != FORMAT:
        raise RuleError(f"{source}: unsupported format {data.get('format')!r} (expected 1)")
    entries = data.get("rule", [])
    if not isinstance(entries, list) or not entries:
        raise RuleError(f"{source}: no [[rule]] tables")
    rules, seen = [], set()
    for n, entry in enumerate(entries, 1):
        where = f"{source}: rule #{n}" + (f" ({entry['id']!r})" if "id" in entry else "")
        rule = rule_from_dict(entry, where=where, builtin=builtin)
        if rule.id in seen:
            raise RuleError(f"{where}: duplicate id")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(type(value).__name__)


def dump_rules(rules: Iterable[Rule]) -> str:
    """TOML text that `load_rules_text` reads back to the same rules."""
    lines = [f"format = {FORMAT}", ""]
    for rule in rules:
        lines.append("[[rule]]")
        for key, value in rule_to_dict(rule).items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def builtin_rules() -> list[Rule]:
    text = (
        importlib.resources.files("resources.redaction")
        .joinpath("builtin.toml")
        .read_text(encoding="utf-8")
    )
    return load_rules_text(text, source="builtin.toml", builtin=True)


def entity_types(rules: Sequence[Rule]) -> list[str]:
    known = list(ENTITY_TYPES)
    return known + sorted({r.entity_type for r in rules} - set(known))
