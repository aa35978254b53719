"""Regulatory clocks as pure functions: no database, no clock of their own.

- GDPR Art. 33: the supervisory authority within 72 hours of awareness. The period is
  expressed in hours, so Reg. 1182/71's weekend/holiday roll-over does not apply: the
  deadline is exactly 72 elapsed hours after the aware instant (computed in UTC, so a
  DST change in between neither adds nor removes an hour). A later notice needs reasons.
- GDPR Art. 34: no clock ("without undue delay"); a task when the risk is high.
- US states: dated rules from `resources/drills/us_state_rules.toml` (or a file of your
  own) in calendar days from discovery or from the consumer notice, with thresholds.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from importlib.resources import files
from typing import Any

ART33_HOURS = 72
ART33_BASIS = "72 hours after awareness, counted in hours (weekends and holidays do not extend it)"
ART34_NOTE = (
    "Art. 34: inform data subjects without undue delay when the risk is high, unless an "
    "Art. 34(3) exception applies (encrypted/unintelligible, risk no longer likely, "
    "disproportionate effort → public communication)"
)


class ClockError(ValueError):
    """Bad input to a clock (naive datetime, unknown regime, bad rule file)."""


def parse_instant(text: str, tz: tzinfo | None = None, *, zone_hint: str = "--tz") -> datetime:
    """An ISO 8601 date-time; without an offset it is read in `tz` (required then).

    A local time must name one instant: a time the clocks skipped (spring forward) is
    refused, and one they showed twice (fall back) must be given with its offset. This is
    the one parser for every local time the drills and breach CLI and GUI take.
    `zone_hint` says where a time zone can be given (the CLI's flag, the GUI's field).
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"not an ISO date-time: {text!r} (e.g. 2026-05-02T14:20+02:00)") from None
    if value.tzinfo is None:
        if tz is None:
            raise ClockError(
                f"{text!r} has no UTC offset: add one (e.g. +02:00) or give {zone_hint}"
            )
        value = local_instant(value, tz)
    return value


def _offset_text(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta(0)).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", None) or tz)


def local_instant(wall: datetime, tz: tzinfo) -> datetime:
    """The one instant a wall-clock time names in `tz`, or :class:`ClockError` saying why
    there is none (clocks went forward) or two (clocks went back: give the offset)."""
    wall = wall.replace(tzinfo=None)
    early, late = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    before, after = early.utcoffset(), late.utcoffset()
    shown = wall.isoformat(timespec="minutes")
    if before == after:
        return early
    zone = _zone_name(tz)
    if before is not None and after is not None and after > before:
        # In the gap: fold=0 reads it with the offset before the change.
        jump = _transition(early.astimezone(UTC) - (after - before), early.astimezone(UTC), tz)
        start = jump.astimezone(tz).replace(tzinfo=None) - (after - before)
        end = jump.astimezone(tz).replace(tzinfo=None)
        raise ClockError(
            f"{shown} does not exist in {zone}: clocks went forward from "
            f"{start:%H:%M} to {end:%H:%M} that night ({early.tzname()} {_offset_text(before)} → "
            f"{late.tzname()} {_offset_text(after)}); give a time that existed, or an offset"
        )
    first, second = _offset_text(before), _offset_text(after)
    names = f" ({early.tzname()} or {late.tzname()})" if early.tzname() != late.tzname() else ""
    raise ClockError(
        f"{shown} is ambiguous in {zone}: clocks went back that night, so it happened twice"
        f"{names}; give it with an offset: {shown}{first} or {second}"
    )


def _transition(lo: datetime, hi: datetime, tz: tzinfo) -> datetime:
    """The first instant in (lo, hi] with `hi`'s UTC offset (to the second)."""
    target = hi.astimezone(tz).utcoffset()
    while (hi - lo) > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(f"{name} must carry a timezone")
    return value


def gdpr_art33_due(aware_at: datetime) -> datetime:
    """Exactly 72 elapsed hours after awareness, in UTC."""
    return _aware(aware_at, "aware_at").astimezone(UTC) + timedelta(hours=ART33_HOURS)


@dataclass(frozen=True)
class Art33Status:
    due: datetime
    notified_at: datetime | None
    late: bool
    hours_late: float


def art33_status(aware_at: datetime, notified_at: datetime | None) -> Art33Status:
    """Whether a notice (given at `notified_at`) is, or would now be, past the 72 hours."""
    due = gdpr_art33_due(aware_at)
    if notified_at is None:
        return Art33Status(due, None, False, 0.0)
    late_by = (_aware(notified_at, "notified_at") - due).total_seconds() / 3600
    return Art33Status(due, notified_at, late_by > 0, max(0.0, late_by))


def remaining(due: datetime, now: datetime) -> timedelta:
    return due - now


def format_countdown(left: timedelta) -> str:
    """`71:59:59` while running, `-02:10:00` once overdue (hours can exceed 24)."""
    seconds = int(left.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"


# ---------------------------------------------------------------- US state rules


@dataclass(frozen=True)
class StateRule:
    id: str
    state: str
    audience: str  # residents | attorney_general | regulator
    title: str
    citation: str
    basis: str  # discovery | consumer_notice
    days: int | None  # None: "most expedient time, without unreasonable delay"
    more_than: int | None = None
    at_least: int | None = None
    effective_from: date | None = None
    effective_to: date | None = None

    def in_force(self, day: date) -> bool:
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def applies(self, residents: int | None) -> bool | None:
        """True/False for a known resident count; None when the count is not known."""
        if self.more_than is None and self.at_least is None:
            return True
        if residents is None:
            return None
        if self.more_than is not None and residents <= self.more_than:
            return False
        return not (self.at_least is not None and residents < self.at_least)

    def threshold_text(self) -> str:
        if self.more_than is not None:
            return f"if more than {self.more_than} {self.state} residents"
        if self.at_least is not None:
            return f"if at least {self.at_least} {self.state} residents"
        return ""


_RULE_KEYS = {
    "id",
    "state",
    "audience",
    "title",
    "citation",
    "from",
    "days",
    "expedient",
    "more_than",
    "at_least",
    "effective_from",
    "effective_to",
}


def parse_state_rules(text: str, source: str = "rules") -> tuple[StateRule, ...]:
    """Rules from TOML text; errors name the source, the rule number and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClockError(f"{source}: not valid TOML ({exc})") from None
    rules = []
    for n, raw in enumerate(data.get("rule", []), 1):
        where = f"{source}: rule {n}"
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ClockError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        for key in ("id", "state", "title", "from"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ClockError(f"{where}: field {key!r} is required (text)")
        if raw["from"] not in ("discovery", "consumer_notice"):
            raise ClockError(f"{where}: field 'from' must be discovery or consumer_notice")
        days = raw.get("days")
        if days is None and not raw.get("expedient"):
            raise ClockError(f"{where}: give 'days' or 'expedient = true'")
        if days is not None and (not isinstance(days, int) or days < 1):
            raise ClockError(f"{where}: field 'days' must be a whole number of days ≥ 1")
        for key in ("effective_from", "effective_to"):
            if key in raw and not isinstance(raw[key], date):
                raise ClockError(f"{where}: field {key!r} must be a date (YYYY-MM-DD)")
        rules.append(
            StateRule(
                id=raw["id"],
                state=raw["state"].upper(),
                audience=raw.get("audience", "residents"),
                title=raw["title"],
                citation=raw.get("citation", ""),
                basis=raw["from"],
                days=days,
                more_than=raw.get("more_than"),
                at_least=raw.get("at_least"),
                effective_from=raw.get("effective_from"),
                effective_to=raw.get("effective_to"),
            )
        )
    return tuple(rules)


def builtin_state_rules() -> tuple[StateRule, ...]:
    text = (files("resources") / "drills" / "us_state_rules.toml").read_text(encoding="utf-8")
    return parse_state_rules(text, "us_state_rules.toml")


# ---------------------------------------------------------------- every deadline


@dataclass(frozen=True)
class Deadline:
    key: str  # e.g. gdpr_art33_due, us_ca_residents_due
    regime: str  # gdpr | us-ca | …
    title: str
    due: datetime | date | None  # datetime (hours), date (calendar days), None (no fixed time)
    basis: str
    citation: str = ""
    condition: str = ""

    def iso(self, tz: tzinfo | None = None) -> str | None:
        if self.due is None:
            return None
        if isinstance(self.due, datetime):
            shown = self.due.astimezone(tz or UTC)
            text = shown.isoformat(timespec="seconds")
            return text.replace("+00:00", "Z") if shown.utcoffset() == timedelta(0) else text
        return self.due.isoformat()


def known_regimes(rules: Iterable[StateRule]) -> list[str]:
    return ["all", "gdpr", "us", *sorted({f"us-{r.state.lower()}" for r in rules})]


def _wanted(regime: str, chosen: Collection[str]) -> bool:
    if "all" in chosen or regime in chosen:
        return True
    return regime.startswith("us-") and "us" in chosen


def deadlines(
    aware_at: datetime,
    *,
    regimes: Collection[str] = ("all",),
    discovered_at: datetime | None = None,
    residents: Mapping[str, int] | None = None,
    consumers_notified: Mapping[str, date] | None = None,
    rules: Iterable[StateRule] | None = None,
    tz: tzinfo | None = None,
) -> list[Deadline]:
    """Every deadline that applies, GDPR first, then the states in rule order.

    Calendar-day rules count from the discovery *date* in `tz` (default: the offset the
    aware time was given in). A state rule with a resident threshold is left out when
    the count is known and below it, and shown with its condition when unknown.
    """
    _aware(aware_at, "aware_at")
    rules = tuple(builtin_state_rules() if rules is None else rules)
    valid = set(known_regimes(rules))
    for regime in regimes:
        if regime not in valid:
            raise ClockError(f"unknown regime {regime!r} (known: {', '.join(sorted(valid))})")
    residents = {k.upper(): v for k, v in (residents or {}).items()}
    consumers_notified = {k.upper(): v for k, v in (consumers_notified or {}).items()}
    out: list[Deadline] = []
    if _wanted("gdpr", regimes):
        out.append(
            Deadline(
                "gdpr_art33_due",
                "gdpr",
                "GDPR Art. 33: notify the supervisory authority",
                gdpr_art33_due(aware_at),
                ART33_BASIS,
                "GDPR Art. 33(1)",
            )
        )
        out.append(
            Deadline(
                "gdpr_art34_due",
                "gdpr",
                "GDPR Art. 34: inform data subjects (high risk)",
                None,
                ART34_NOTE,
                "GDPR Art. 34",
                "if the breach is likely to result in a high risk",
            )
        )
    zone = tz or aware_at.tzinfo
    found = _aware(discovered_at or aware_at, "discovered_at")
    day = found.astimezone(zone).date()
    resident_due: dict[str, date] = {}
    for rule in rules:
        regime = f"us-{rule.state.lower()}"
        if not _wanted(regime, regimes) or not rule.in_force(day):
            continue
        applies = rule.applies(residents.get(rule.state))
        if applies is False:
            continue
        condition = rule.threshold_text() if applies is None else ""
        due: date | None
        if rule.days is None:
            due, basis = None, "in the most expedient time possible, without unreasonable delay"
        elif rule.basis == "discovery":
            due = day + timedelta(days=rule.days)
            basis = f"{rule.days} calendar days from discovery ({day.isoformat()})"
        else:
            notified = consumers_notified.get(rule.state)
            if notified is not None:
                due = notified + timedelta(days=rule.days)
                basis = f"{rule.days} calendar days after residents were notified"
            else:
                latest = resident_due.get(rule.state)
                due = latest + timedelta(days=rule.days) if latest else None
                basis = (
                    f"{rule.days} calendar days after residents are notified "
                    "(shown: at the latest, if residents are notified on their deadline)"
                )
        if rule.audience == "residents" and isinstance(due, date):
            resident_due[rule.state] = due
        out.append(
            Deadline(f"{rule.id}_due", regime, rule.title, due, basis, rule.citation, condition)
        )
    return out


def deadlines_json(items: Iterable[Deadline], tz: tzinfo | None = None) -> dict[str, Any]:
    """`{"gdpr_art33_due": ISO, …, "notes": {key: basis}}` for `privdesk breach clock`."""
    data: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for d in items:
        data[d.key] = d.iso(tz)
        notes[d.key] = f"{d.basis}; {d.condition}" if d.condition else d.basis
    data["notes"] = notes
    return data
