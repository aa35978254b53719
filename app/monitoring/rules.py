"""Detection rules as data: TOML `[[rule]]` tables, checked field by field.

    [[rule]]
    id = "bulk_user_reads"            # stable snake_case; the `rule` of every alert
    version = 1
    title = "…"                       # one line
    explanation = "…"                 # why it matters, what to check
    severity = "high"                 # low | medium | high
    source = "access_log"             # access_log | zendesk_audit | privdesk_audit
    kind = "threshold"                # event | threshold | baseline | off_hours | new_ip
    playbook = "insider-mass-export"  # the incident playbook `alerts escalate` starts
    [rule.match]                      # every condition must hold (absent: every event)
    method = "GET"                    # equals (case-insensitive)
    category = ["Users", "Tickets"]   # any of
    url = { prefix = "/api/v2/users" } # or { contains = … } / { regex = … } / { not = … }
    [rule.params]                     # what the kind needs (see KIND_PARAMS)

A bad file gives a `RuleError` naming the file, the rule id, the field and what was
expected; nothing of a file is used unless all of it is valid.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import re2

from app.errors import PrivDeskError

SEVERITIES = ("low", "medium", "high")
SOURCES = ("access_log", "zendesk_audit", "privdesk_audit")
KINDS = ("event", "threshold", "baseline", "off_hours", "new_ip")
MATCH_FIELDS: dict[str, tuple[str, ...]] = {
    "access_log": (
        "method",
        "url",
        "path",
        "status",
        "authorization_type",
        "category",
        "summary",
    ),
    "zendesk_audit": ("action", "source_type", "source_label", "change_description"),
    "privdesk_audit": ("action", "outcome", "object_type"),
}
OPERATORS = ("contains", "prefix", "regex", "not")

# kind -> param -> (type, minimum, maximum, default or None when required)
ParamSpec = tuple[type, float, float, Any]
KIND_PARAMS: dict[str, dict[str, ParamSpec]] = {
    "event": {},
    "threshold": {
        "count": (int, 1, 1_000_000, None),
        "window_minutes": (int, 1, 7 * 24 * 60, None),
    },
    "baseline": {
        "factor": (float, 1.0, 1000.0, None),
        "baseline_days": (int, 1, 365, 30),
        "min_count": (int, 1, 1_000_000, None),
    },
    "off_hours": {
        "start_hour": (int, 0, 23, None),
        "end_hour": (int, 1, 24, None),
        "weekends": (bool, 0, 1, True),
    },
    "new_ip": {
        "baseline_days": (int, 1, 365, 30),
        "min_history": (int, 1, 1_000_000, 20),
        "prefix_v4": (int, 8, 32, 24),
        "prefix_v6": (int, 16, 128, 48),
    },
}
COMMON_PARAMS: dict[str, ParamSpec] = {
    "group_by": (str, 0, 0, "actor"),  # actor | all (one group for every actor)
}
REQUIRED = ("id", "version", "title", "explanation", "severity", "source", "kind")
OPTIONAL = ("playbook", "match", "params", "enabled")
DEFAULT_PLAYBOOK = "compromised-agent-account"
_ID = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
MAX_RULES_BYTES = 1_000_000


class RuleError(PrivDeskError):
    """A rule file with a bad field: where (file, rule, field) and what was expected."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # equals | contains | prefix | regex | not
    values: tuple[str, ...]

    def holds(self, value: str) -> bool:
        text = value.casefold()
        if self.op == "equals":
            return text in {v.casefold() for v in self.values}
        if self.op == "not":
            return text not in {v.casefold() for v in self.values}
        if self.op == "contains":
            return any(v.casefold() in text for v in self.values)
        if self.op == "prefix":
            return any(text.startswith(v.casefold()) for v in self.values)
        return any(re2.search(v, value) is not None for v in self.values)


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    title: str
    explanation: str
    severity: str
    source: str
    kind: str
    playbook: str
    enabled: bool
    match: tuple[Condition, ...]
    params: Mapping[str, Any]

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(c.holds(fields.get(c.field, "")) for c in self.match)

    def param(self, name: str) -> Any:
        return self.params[name]


def _where(file: str, rule_id: str | None, field: str | None = None) -> str:
    where = file
    if rule_id:
        where += f": rule {rule_id!r}"
    if field:
        where += f": field {field!r}"
    return where


def _conditions(file: str, rid: str, source: str, raw: Any) -> tuple[Condition, ...]:
    if not isinstance(raw, dict):
        raise RuleError(f"{_where(file, rid, 'match')}: expected a table of field conditions")
    allowed = MATCH_FIELDS[source]
    out = []
    for field, value in raw.items():
        where = _where(file, rid, f"match.{field}")
        if field not in allowed:
            raise RuleError(
                f"{where}: not a field of {source} events (expected one of {', '.join(allowed)})"
            )
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in OPERATORS:
                raise RuleError(
                    f"{where}: expected one operator of {', '.join(OPERATORS)}, got {sorted(value)}"
                )
            op, operand = next(iter(value.items()))
        else:
            op, operand = "equals", value
        values = _strings(where, operand)
        if op == "regex":
            for pattern in values:
                try:
                    re2.compile(pattern)
                except re2.error as exc:
                    raise RuleError(f"{where}: not a valid regular expression ({exc})") from None
        out.append(Condition(field, op, values))
    return tuple(out)


def _strings(where: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in items):
        raise RuleError(f"{where}: expected a text or a non-empty list of texts, got {value!r}")
    return tuple(str(v) for v in items)


def _params(file: str, rid: str, kind: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RuleError(f"{_where(file, rid, 'params')}: expected a table")
    specs = {**KIND_PARAMS[kind], **COMMON_PARAMS}
    for name in raw:
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise RuleError(
                f"{_where(file, rid, f'params.{name}')}: not a parameter of a {kind} rule "
                f"(expected one of {known})"
            )
    out: dict[str, Any] = {}
    for name, (kind_type, lo, hi, default) in specs.items():
        where = _where(file, rid, f"params.{name}")
        if name not in raw:
            if default is None:
                raise RuleError(f"{where}: missing (a {kind} rule needs it)")
            out[name] = default
            continue
        value = raw[name]
        if kind_type is bool:
            if not isinstance(value, bool):
                raise RuleError(f"{where}: expected true or false, got {value!r}")
        elif kind_type is str:
            if value not in ("actor", "all"):
                raise RuleError(f'{where}: expected "actor" or "all", got {value!r}')
        else:
            number_ok = isinstance(value, int | float) and not isinstance(value, bool)
            if kind_type is int and not isinstance(value, int):
                number_ok = False
            if not number_ok:
                what = "a whole number" if kind_type is int else "a number"
                raise RuleError(f"{where}: expected {what}, got {value!r}")
            if not lo <= value <= hi:
                raise RuleError(f"{where}: expected between {lo:g} and {hi:g}, got {value!r}")
        out[name] = value
    if kind == "off_hours" and out["start_hour"] >= out["end_hour"]:
        raise RuleError(
            f"{_where(file, rid, 'params.end_hour')}: expected after start_hour "
            f"({out['start_hour']}), got {out['end_hour']}"
        )
    return out


def _text(file: str, rid: str | None, raw: Mapping[str, Any], field: str) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{_where(file, rid, field)}: expected a non-empty text, got {value!r}")
    return value.strip()


def _choice(file: str, rid: str, raw: Mapping[str, Any], field: str, allowed: Iterable[str]) -> str:
    value = _text(file, rid, raw, field)
    options = tuple(allowed)
    if value not in options:
        raise RuleError(
            f"{_where(file, rid, field)}: expected one of {', '.join(options)}, got {value!r}"
        )
    return value


def parse_rule(raw: Mapping[str, Any], file: str, position: int) -> Rule:
    """One `[[rule]]` table; `position` (1-based) names it until its id is known."""
    if not isinstance(raw, dict):
        raise RuleError(f"{file}: rule #{position}: expected a table")
    rid_value = raw.get("id")
    if not isinstance(rid_value, str) or not _ID.match(rid_value):
        raise RuleError(
            f"{file}: rule #{position}: field 'id': expected snake_case "
            f"(a-z, 0-9, _; starting with a letter), got {rid_value!r}"
        )
    rid = rid_value
    for field in raw:
        if field not in REQUIRED + OPTIONAL:
            raise RuleError(
                f"{_where(file, rid, field)}: unknown field "
                f"(expected one of {', '.join(REQUIRED + OPTIONAL)})"
            )
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RuleError(
            f"{_where(file, rid, 'version')}: expected a whole number ≥ 1, got {version!r}"
        )
    source = _choice(file, rid, raw, "source", SOURCES)
    kind = _choice(file, rid, raw, "kind", KINDS)
    playbook = raw.get("playbook", DEFAULT_PLAYBOOK)
    if not isinstance(playbook, str) or not playbook.strip():
        raise RuleError(
            f"{_where(file, rid, 'playbook')}: expected a playbook key, got {playbook!r}"
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError(f"{_where(file, rid, 'enabled')}: expected true or false, got {enabled!r}")
    return Rule(
        id=rid,
        version=version,
        title=_text(file, rid, raw, "title"),
        explanation=_text(file, rid, raw, "explanation"),
        severity=_choice(file, rid, raw, "severity", SEVERITIES),
        source=source,
        kind=kind,
        playbook=playbook.strip(),
        enabled=enabled,
        match=_conditions(file, rid, source, raw.get("match", {})),
        params=_params(file, rid, kind, raw.get("params", {})),
    )


def parse_rules(text: str, file: str) -> list[Rule]:
    """Every rule of one TOML file, or a `RuleError` (nothing is used from a bad file)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULES_BYTES:
        raise RuleError(f"{file}: larger than {MAX_RULES_BYTES // 1000} kB; not a rules file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{file}: not valid TOML ({exc})") from None
    extra = sorted(set(data) - {"rule"})
    if extra:
        raise RuleError(f"{file}: unknown top-level key {extra[0]!r} (expected [[rule]] tables)")
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise RuleError(f"{file}: no [[rule]] table")
    rules = [parse_rule(raw, file, n) for n, raw in enumerate(tables, 1)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{_where(file, rule.id, 'id')}: defined twice in this file")
        seen.add(rule.id)
    return rules


# ------------------------------------------------------------------ canonical TOML


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def _v(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _q(value)
    return "[" + ", ".join(_v(v) for v in value) + "]"


def dump_rule(rule: Rule) -> str:
    """Canonical TOML of one rule; `parse_rules(dump_rule(r), f) == [r]`."""
    lines = [
        "[[rule]]",
        f"id = {_q(rule.id)}",
        f"version = {rule.version}",
        f"title = {_q(rule.title)}",
        f"explanation = {_q(rule.explanation)}",
        f"severity = {_q(rule.severity)}",
        f"source = {_q(rule.source)}",
        f"kind = {_q(rule.kind)}",
        f"playbook = {_q(rule.playbook)}",
    ]
    if not rule.enabled:
        lines.append("enabled = false")
    if rule.match:
        lines += ["", "[rule.match]"]
        for c in rule.match:
            value = _v(list(c.values)) if len(c.values) > 1 else _v(c.values[0])
            lines.append(
                f"{c.field} = {value}"
                if c.op == "equals"
                else f"{c.field} = {{ {c.op} = {value} }}"
            )
    if rule.params:
        lines += ["", "[rule.params]"]
        lines += [f"{k} = {_v(v)}" for k, v in rule.params.items()]
    return "\n".join(lines) + "\n"


def builtin_rules() -> list[Rule]:
    """The rules shipped in resources/monitoring/, one file each, in id order."""
    folder = files("resources") / "monitoring"
    rules: list[Rule] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            rules += parse_rules(entry.read_text(encoding="utf-8"), entry.name)
    return sorted(rules, key=lambda r: r.id)
