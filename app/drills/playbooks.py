"""Playbooks as data: parse and validate TOML, write it back, load the built-in ones.

A playbook has steps in the incident-response phases (NIST SP 800-61 r2 names, each
mapped to its CSF 2.0 function as r3 does), each with an owner role, an expected
duration, dependencies on earlier steps, an optional decision point and linked
communication templates; drill injects at minute offsets; and decision targets for the
after-action report. Errors name the file, the step (or inject) and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from app.errors import PrivDeskError

PHASES: dict[str, tuple[str, str]] = {
    "prepare": ("Prepare", "Govern · Identify · Protect"),
    "detect": ("Detect & analyse", "Detect"),
    "contain": ("Contain", "Respond"),
    "eradicate": ("Eradicate & recover", "Respond · Recover"),
    "post": ("Post-incident", "Identify — Improvement"),
}
TEAM_ROLES: dict[str, str] = {
    "incident_lead": "Incident lead",
    "dpo": "DPO",
    "legal": "Legal",
    "comms": "Communications",
    "it_security": "IT / security",
    "support_lead": "Support lead",
}
DECISIONS: dict[str, str] = {
    "personal_data": "Is personal data involved?",
    "awareness": "Are we aware (reasonable certainty personal data was compromised)?",
    "risk": "Is it likely to result in a risk / high risk to individuals?",
    "notify": "Notify the supervisory authority / data subjects?",
}
TEMPLATE_KEYS = ("sa_notice", "subject_notice", "customer_faq", "press_statement", "internal")
DEFAULT_TARGETS = {"awareness": 60, "notifiable": 120, "draft_notice": 240}

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}$")
_STEP_FIELDS = {
    "id",
    "phase",
    "title",
    "owner",
    "minutes",
    "depends_on",
    "decision",
    "templates",
    "description",
}
_TOP_FIELDS = {"key", "title", "summary", "scenario", "steps", "injects", "targets"}


class PlaybookError(PrivDeskError):
    """A playbook file that cannot be used; the message names where and what to fix."""


@dataclass(frozen=True)
class Step:
    id: str
    phase: str
    title: str
    owner: str
    minutes: int
    depends_on: tuple[str, ...] = ()
    decision: str = ""  # a DECISIONS key, or "" for an ordinary step
    templates: tuple[str, ...] = ()
    description: str = ""

    @property
    def decision_text(self) -> str:
        return DECISIONS.get(self.decision, "")


@dataclass(frozen=True)
class InjectSpec:
    at_minutes: int
    text: str
    expect: str = ""


@dataclass(frozen=True)
class PlaybookSpec:
    key: str
    title: str
    summary: str
    scenario: str
    steps: tuple[Step, ...]
    injects: tuple[InjectSpec, ...] = ()
    targets: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TARGETS))

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.steps)


def _need(raw: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        what = {str: "text", int: "a whole number", list: "a list"}.get(kind, kind.__name__)
        raise PlaybookError(f"{where}: field {key!r} is required and must be {what}")
    if isinstance(value, str) and not value.strip():
        raise PlaybookError(f"{where}: field {key!r} must not be empty")
    return value


def _str_list(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlaybookError(f"{where}: field {key!r} must be a list of text")
    return tuple(value)


def parse_playbook(text: str, source: str = "playbook") -> PlaybookSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookError(f"{source}: not valid TOML ({exc})") from None
    return playbook_from_dict(data, source)


def playbook_from_dict(data: dict[str, Any], source: str = "playbook") -> PlaybookSpec:
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        raise PlaybookError(f"{source}: unknown field {sorted(unknown)[0]!r}")
    key = _need(data, "key", str, source)
    if not _KEY.match(key):
        raise PlaybookError(
            f"{source}: field 'key' must be lower-case letters, digits and dashes ({key!r})"
        )
    title = _need(data, "title", str, source)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PlaybookError(f"{source}: a playbook needs at least one [[steps]] entry")
    steps: list[Step] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_steps, 1):
        where = f"{source}: step {n}"
        if not isinstance(raw, dict):
            raise PlaybookError(f"{where}: must be a table")
        extra = set(raw) - _STEP_FIELDS
        if extra:
            raise PlaybookError(f"{where}: unknown field {sorted(extra)[0]!r}")
        sid = _need(raw, "id", str, where)
        where = f"{source}: step {n} ({sid})"
        if not _KEY.match(sid) and not re.match(r"^[a-z0-9][a-z0-9_-]{0,78}$", sid):
            raise PlaybookError(f"{where}: field 'id' must be lower-case letters, digits, -, _")
        if sid in seen:
            raise PlaybookError(f"{where}: field 'id' repeats an earlier step")
        phase = _need(raw, "phase", str, where)
        if phase not in PHASES:
            raise PlaybookError(f"{where}: field 'phase' must be one of {', '.join(PHASES)}")
        owner = _need(raw, "owner", str, where)
        if owner not in TEAM_ROLES:
            raise PlaybookError(f"{where}: field 'owner' must be one of {', '.join(TEAM_ROLES)}")
        minutes = _need(raw, "minutes", int, where)
        if not 1 <= minutes <= 60 * 24 * 30:
            raise PlaybookError(f"{where}: field 'minutes' must be between 1 and 43200")
        depends = _str_list(raw, "depends_on", where)
        for dep in depends:
            if dep not in seen:
                raise PlaybookError(
                    f"{where}: field 'depends_on' names {dep!r}, which is not an earlier step"
                )
        decision = raw.get("decision", "")
        if decision and decision not in DECISIONS:
            raise PlaybookError(f"{where}: field 'decision' must be one of {', '.join(DECISIONS)}")
        templates = _str_list(raw, "templates", where)
        for t in templates:
            if t not in TEMPLATE_KEYS:
                raise PlaybookError(
                    f"{where}: field 'templates' names {t!r} (known: {', '.join(TEMPLATE_KEYS)})"
                )
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise PlaybookError(f"{where}: field 'description' must be text")
        seen.add(sid)
        steps.append(
            Step(
                sid,
                phase,
                _need(raw, "title", str, where),
                owner,
                minutes,
                depends,
                decision,
                templates,
                description,
            )
        )
    injects = []
    for n, raw in enumerate(data.get("injects", []), 1):
        where = f"{source}: inject {n}"
        if not isinstance(raw, dict) or set(raw) - {"at_minutes", "text", "expect"}:
            raise PlaybookError(f"{where}: only at_minutes, text and expect are allowed")
        at = _need(raw, "at_minutes", int, where)
        if at < 0:
            raise PlaybookError(f"{where}: field 'at_minutes' must be 0 or more")
        expect = raw.get("expect", "")
        if not isinstance(expect, str):
            raise PlaybookError(f"{where}: field 'expect' must be text")
        injects.append(InjectSpec(at, _need(raw, "text", str, where), expect))
    targets = dict(DEFAULT_TARGETS)
    raw_targets = data.get("targets", {})
    if not isinstance(raw_targets, dict):
        raise PlaybookError(f"{source}: [targets] must be a table")
    for name, value in raw_targets.items():
        if name not in DEFAULT_TARGETS:
            known = ", ".join(DEFAULT_TARGETS)
            raise PlaybookError(f"{source}: [targets] {name!r} is unknown (known: {known})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise PlaybookError(f"{source}: [targets] {name!r} must be minutes ≥ 1")
        targets[name] = value
    summary = data.get("summary", "")
    scenario = data.get("scenario", "")
    if not isinstance(summary, str) or not isinstance(scenario, str):
        raise PlaybookError(f"{source}: fields 'summary' and 'scenario' must be text")
    return PlaybookSpec(
        key,
        title,
        summary,
        scenario,
        tuple(steps),
        tuple(sorted(injects, key=lambda i: i.at_minutes)),
        targets,
    )


# ---------------------------------------------------------------- writing TOML


def _q(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    out = out.replace("\t", "\\t").replace("\r", "\\r")
    return f'"{out}"'


def _v(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_v(v) for v in value) + "]"
    raise TypeError(type(value).__name__)


def dump_playbook(spec: PlaybookSpec) -> str:
    """Canonical TOML for a playbook; `parse_playbook(dump_playbook(p)) == p`."""
    lines = [f"key = {_q(spec.key)}", f"title = {_q(spec.title)}"]
    if spec.summary:
        lines.append(f"summary = {_q(spec.summary)}")
    if spec.scenario:
        lines.append(f"scenario = {_q(spec.scenario)}")
    lines += ["", "[targets]"]
    lines += [f"{k} = {v}" for k, v in spec.targets.items()]
    for step in spec.steps:
        lines += ["", "[[steps]]"]
        lines += [
            f"id = {_q(step.id)}",
            f"phase = {_q(step.phase)}",
            f"title = {_q(step.title)}",
            f"owner = {_q(step.owner)}",
            f"minutes = {step.minutes}",
        ]
        if step.depends_on:
            lines.append(f"depends_on = {_v(step.depends_on)}")
        if step.decision:
            lines.append(f"decision = {_q(step.decision)}")
        if step.templates:
            lines.append(f"templates = {_v(step.templates)}")
        if step.description:
            lines.append(f"description = {_q(step.description)}")
    for inject in spec.injects:
        lines += ["", "[[injects]]", f"at_minutes = {inject.at_minutes}"]
        lines.append(f"text = {_q(inject.text)}")
        if inject.expect:
            lines.append(f"expect = {_q(inject.expect)}")
    return "\n".join(lines) + "\n"


def builtin_playbooks() -> list[tuple[str, str]]:
    """(file name, TOML text) of every playbook shipped in resources/playbooks/."""
    folder = files("resources") / "playbooks"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            out.append((entry.name, entry.read_text(encoding="utf-8")))
    return out
