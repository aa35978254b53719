"""The settings registry: every workspace setting declared once, in one table.

A setting is a row of :data:`REGISTRY`: key, type, default, bounds or choices, a label for
the GUI, a help line for the CLI and the permissions that read and change it. Services
read and write settings only through :class:`Settings` (``ctx.settings``), which checks
the value against its declaration before anything is stored; the CLI (`privdesk settings`)
and the GUI dialogs build their fields from the same declarations. Values are stored as
JSON in the workspace's ``settings`` table; a key with no row has its default.

Permission checks and audit events belong to the services that call :meth:`Settings.set`
(the :class:`app.admin.SettingsService` for the generic ones): the registry itself is
plain data and validation, usable inside any transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from app.errors import PrivDeskError
from app.security.permissions import Permission
from models.workspace import Setting

P = Permission


class SettingError(PrivDeskError):
    """An unknown key or a value outside what its declaration allows."""


def _check_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingError(
            f"unknown time zone {value!r}: use an IANA name like Europe/London"
        ) from exc


def _check_toxic_rules(value: list[Any]) -> None:
    # Imported here: the review engine is a feature module, the registry sits below it.
    from app.review.findings import rules_from_json

    try:
        rules = rules_from_json(json.dumps(value))
    except (ValueError, KeyError, TypeError) as exc:
        raise SettingError(f"Toxic rules not saved: {exc}") from None
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise SettingError("Toxic rules not saved: every rule needs its own id.")


def _check_retention(value: int) -> None:
    if 0 < value < 90:
        raise SettingError(
            "Keep imported help-desk logs (monitoring.log_retention_days) must be 0 (for ever) "
            "or at least 90 days"
        )


@dataclass(frozen=True)
class SettingSpec:
    """One setting's declaration. ``minimum``/``maximum`` bound ints; ``choices`` bound strs."""

    key: str
    type: type
    default: Any
    label: str
    help: str
    view: Permission
    manage: Permission
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""  # "s" or "days": how the CLI and GUI show the number
    choices: tuple[str, ...] = ()
    check: Callable[[Any], None] | None = field(default=None, compare=False)
    # A text that may be left empty (its default ""): information the workspace has not
    # been given yet, which the feature that reads it says plainly (e.g. the DSAR summary).
    allow_empty: bool = False

    @property
    def name(self) -> str:
        """How messages name it: the label a person knows, the key a script uses."""
        return f"{self.label} ({self.key})"

    def validate(self, value: Any) -> Any:
        """The value as stored, or :class:`SettingError` saying what is allowed."""
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise SettingError(f"{self.name} must be a whole number")
            lo, hi = self.minimum, self.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise SettingError(f"{self.name} must be {self.bounds()}")
        elif self.type is str:
            if not isinstance(value, str) or (not value and not self.allow_empty):
                raise SettingError(f"{self.name} must be a non-empty text")
            if self.choices and value not in self.choices:
                raise SettingError(f"{self.name} must be one of {', '.join(self.choices)}")
        elif self.type is list and not isinstance(value, list):
            raise SettingError(f"{self.name} must be a JSON list")
        if self.check is not None:
            self.check(value)
        return value

    def parse(self, text: str) -> Any:
        """A value typed on the command line, converted to the setting's type."""
        if self.type is int:
            try:
                return int(text)
            except ValueError:
                raise SettingError(f"{self.name} must be a whole number, not {text!r}") from None
        if self.type is list:
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise SettingError(f"{self.name} not saved: not valid JSON ({exc.msg})") from None
        return text

    def bounds(self) -> str:
        """The allowed range in words: "between 1 and 240 minutes"."""
        lo, hi = self.minimum, self.maximum
        if lo is None or hi is None:
            return "at least " + self.show(lo) if hi is None else "at most " + self.show(hi)
        if self.unit == "s" and lo % 60 == 0 and hi % 60 == 0:
            return f"between {lo // 60} and {hi // 60} minutes"
        return f"between {lo} and {hi} {self.unit}".rstrip()

    def show(self, value: Any) -> str:
        if value is None:
            return "—"
        if self.unit == "s" and isinstance(value, int) and value % 60 == 0:
            return f"{value // 60} min"
        if self.unit:
            return f"{value} {self.unit}"
        if self.type is list:
            return f"{len(value)} entries"
        if self.allow_empty and isinstance(value, str):
            text = " ".join(value.split())
            return "(not set)" if not text else text if len(text) <= 40 else text[:39] + "…"
        return str(value)


REGISTRY: tuple[SettingSpec, ...] = (
    SettingSpec(
        "idle_timeout_s",
        int,
        15 * 60,  # AAL3-style for screens full of personal data (AUTH-9)
        "Lock after idle",
        "the GUI locks, and a `privdesk login` session ends, after this long unused",
        P.SETTINGS_VIEW,
        P.SETTINGS_MANAGE,
        minimum=60,
        maximum=4 * 3600,
        unit="s",
    ),
    SettingSpec(
        "absolute_session_s",
        int,
        12 * 3600,
        "Session lifetime",
        "any session ends this long after sign-in, used or not",
        P.SETTINGS_VIEW,
        P.SETTINGS_MANAGE,
        minimum=15 * 60,
        maximum=24 * 3600,
        unit="s",
    ),
    SettingSpec(
        "step_up_window_s",
        int,
        5 * 60,
        "Step-up valid for",
        "a fresh code authorises irreversible actions for this long",
        P.SETTINGS_VIEW,
        P.SETTINGS_MANAGE,
        minimum=60,
        maximum=15 * 60,
        unit="s",
    ),
    SettingSpec(
        "audit.evolve_every_events",
        int,
        1000,
        "Audit key change every",
        "the audit key evolves, and a signed checkpoint is written, after this many events "
        "(and at every start, clean shutdown and day)",
        P.SETTINGS_VIEW,
        P.SETTINGS_MANAGE,
        minimum=10,
        maximum=1_000_000,
        unit="events",
    ),
    SettingSpec(
        "review.dormant_days",
        int,
        90,
        "Dormant after",
        "access reviews flag agents with no sign-in for this many days",
        P.REVIEW_VIEW,
        P.REVIEW_MANAGE,
        minimum=7,
        maximum=3650,
        unit="days",
    ),
    SettingSpec(
        "review.toxic_rules",
        list,
        None,  # None: the built-in rules of app.review.findings
        "Toxic combinations",
        "rules of permissions that must not be held together (JSON list)",
        P.REVIEW_VIEW,
        P.REVIEW_MANAGE,
        check=_check_toxic_rules,
    ),
    SettingSpec(
        "review.require_training_for_privileged",
        str,
        "on",
        "Privileged access needs training",
        '"on": an access-review item whose agent holds privileged rights while required '
        "training is overdue or never completed cannot be kept (revoke it, or modify it "
        'to a role without them, until the agent trains); "off": it can be kept with a '
        "justification, like any other finding",
        P.REVIEW_VIEW,
        P.REVIEW_MANAGE,
        choices=("on", "off"),
    ),
    SettingSpec(
        "dsar.pause_method",
        str,
        "ico",
        "Clarification pauses count",
        'how clarification pauses count: "ico" (days between asking and the answer) or '
        '"dpa-s54" (DPA 2018 s.54(3C): both end days excluded too)',
        P.DSAR_VIEW,
        P.DSAR_MANAGE,
        choices=("ico", "dpa-s54"),
    ),
    SettingSpec(
        "dsar.timezone",
        str,
        "Europe/London",
        "Controller time zone",
        "decides the local date of receipt (day one of a deadline)",
        P.DSAR_VIEW,
        P.DSAR_MANAGE,
        check=_check_zone,
    ),
    SettingSpec(
        "monitoring.timezone",
        str,
        "Europe/London",
        "Monitoring time zone",
        "the local time off-hours and per-day monitoring rules count in",
        P.MONITORING_VIEW,
        P.MONITORING_MANAGE,
        check=_check_zone,
    ),
    SettingSpec(
        "monitoring.run_every_minutes",
        int,
        15,
        "Run alert rules every",
        "minutes between the console's background runs of the alert rules while a privacy "
        "officer is signed in (0: only by hand, after imports and with `alerts run`)",
        P.MONITORING_VIEW,
        P.MONITORING_MANAGE,
        minimum=0,
        maximum=1440,
        unit="minutes",
    ),
    SettingSpec(
        "monitoring.log_retention_days",
        int,
        0,
        "Keep imported help-desk logs",
        "days to keep imported Zendesk access and audit logs; older records are deleted by "
        "`alerts run` (0 keeps them for ever; otherwise at least 90, Zendesk's own window)",
        P.MONITORING_VIEW,
        P.MONITORING_MANAGE,
        minimum=0,
        maximum=36500,
        unit="days",
        check=_check_retention,
    ),
    SettingSpec(
        "vendors.unused_after_days",
        int,
        90,
        "Integration unused after",
        "days without use after which a help-desk token or OAuth client is a finding "
        "(token_unused) in the vendor register",
        P.VENDORS_VIEW,
        P.VENDORS_MANAGE,
        minimum=1,
        maximum=3650,
        unit="days",
    ),
    SettingSpec(
        "monitoring.review_period",
        str,
        "monthly",
        "Log review period",
        "how often the access and audit logs are reviewed and signed off (weekly or monthly)",
        P.MONITORING_VIEW,
        P.MONITORING_MANAGE,
        choices=("weekly", "monthly"),
    ),
    *(
        SettingSpec(
            f"dsar.art15_{name}",
            str,
            "",
            f"Art. 15{ref} {label.lower()}",
            f"GDPR Art. 15{ref}: {what} — printed in every access package's summary",
            P.DSAR_VIEW,
            P.DSAR_MANAGE,
            allow_empty=True,
        )
        for name, ref, label, what in (
            ("purposes", "(1)(a)", "Purposes", "the purposes of the processing"),
            ("categories", "(1)(b)", "Data categories", "the categories of personal data"),
            (
                "recipients",
                "(1)(c)",
                "Recipients",
                "the recipients or categories of recipients (third countries included)",
            ),
            ("retention", "(1)(d)", "Retention", "how long the data is kept, or the criteria"),
            (
                "rights",
                "(1)(e)",
                "Rights",
                "how to ask for rectification, erasure, restriction or to object",
            ),
            (
                "complaint",
                "(1)(f)",
                "Supervisory authority",
                "the right to complain to a supervisory authority, and which one",
            ),
            ("source", "(1)(g)", "Source", "where data not collected from the person came from"),
            (
                "automated",
                "(1)(h)",
                "Automated decisions",
                "automated decision-making or profiling: whether, its logic and effects",
            ),
            ("transfers", "(2)", "Transfer safeguards", "safeguards for third-country transfers"),
        )
    ),
)


class Settings:
    """Typed access to the workspace settings within a caller's transaction."""

    def __init__(self, specs: tuple[SettingSpec, ...] = REGISTRY) -> None:
        self._specs: Mapping[str, SettingSpec] = {spec.key: spec for spec in specs}

    def __iter__(self) -> Iterator[SettingSpec]:
        return iter(self._specs.values())

    def spec(self, key: str) -> SettingSpec:
        try:
            return self._specs[key]
        except KeyError:
            raise SettingError(
                f"unknown setting {key!r}: one of {', '.join(self._specs)}"
            ) from None

    def in_area(self, prefix: str) -> list[SettingSpec]:
        """The settings whose key starts with ``prefix`` (e.g. ``"dsar."``)."""
        return [spec for spec in self if spec.key.startswith(prefix)]

    def get(self, s: Session, key: str) -> Any:
        spec = self.spec(key)
        row = s.get(Setting, key)
        return spec.default if row is None else json.loads(row.value_json)

    def is_default(self, s: Session, key: str) -> bool:
        self.spec(key)
        return s.get(Setting, key) is None

    def set(self, s: Session, key: str, value: Any) -> Any:
        """Store a checked value; returns the value it replaces."""
        spec = self.spec(key)
        spec.validate(value)
        before = self.get(s, key)
        row = s.get(Setting, key)
        text = json.dumps(value)
        if row is None:
            s.add(Setting(key=key, value_json=text))
        else:
            row.value_json = text
        return before

    def reset(self, s: Session, key: str) -> Any:
        """Back to the default; returns the value it replaces."""
        self.spec(key)
        before = self.get(s, key)
        row = s.get(Setting, key)
        if row is not None:
            s.delete(row)
        return before


SETTINGS = Settings()
"""The registry every context carries (``ctx.settings``): declarations only, no state."""
