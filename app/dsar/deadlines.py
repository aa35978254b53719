"""Statutory deadlines for data-subject requests: pure functions of dates (no I/O, no clock).

Rules (sources in /work/shared/SECURITY.md §5):

- ``uk-gdpr`` / ``eu-gdpr`` (Art. 12(3), ICO counting since 2019): the clock starts on the
  latest of receipt, receipt of requested identity information and receipt of a fee; that
  day is day one. Due on the corresponding calendar date of the next month, or the last
  day of that month when it has no such date; a weekend or public holiday of the chosen
  calendar moves it to the next working day. Extension: three months from the same start,
  same rules. Clarification pauses (UK only; the EDPB position on EU pauses is not
  settled, so EU requests do not pause): ``ico`` adds the days between asking and the
  answer (``end - start``); ``dpa-s54`` (DPA 2018 s.54(3C)) excludes both end days as well
  (``end - start + 1``). Paused days are added to the corresponding date before rolling.
- ``ccpa``: acknowledge within 10 business days; respond within 45 calendar days of
  receipt regardless of verification, +45 (90 in total) with notice inside the first 45;
  opt-out of sale/sharing and limit-use requests within 15 business days (no extension).
  Calendar-day deadlines are hard dates (no weekend roll is stated).
- ``vcdpa``: 45 days of receipt, +45 with notice. ``lgpd``: 15 days of receipt.

Holiday calendars come from the ``holidays`` package, named by ISO 3166 code with an
optional subdivision (``GB-ENG``, ``DE``, ``US-CA``). A 28-day internal target (the ICO's
suggestion, so it is always inside a calendar month) is shown beside the legal date.
"""

from __future__ import annotations

import calendar as _calendar
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import holidays

from app.errors import PrivDeskError

Regime = Literal["uk-gdpr", "eu-gdpr", "ccpa", "vcdpa", "lgpd"]
PauseMethod = Literal["ico", "dpa-s54"]

REGIMES: tuple[Regime, ...] = ("uk-gdpr", "eu-gdpr", "ccpa", "vcdpa", "lgpd")
PAUSE_METHODS: tuple[PauseMethod, ...] = ("ico", "dpa-s54")
GDPR: frozenset[str] = frozenset({"uk-gdpr", "eu-gdpr"})
# Request types answered within 15 business days under the CCPA regulations (§§ 7026, 7027).
CCPA_FAST_TYPES = frozenset({"opt-out-sale", "limit-sensitive"})
DEFAULT_CALENDARS: dict[str, str | None] = {
    "uk-gdpr": "GB-ENG",
    "eu-gdpr": None,  # the Member State varies: choose one per request
    "ccpa": "US-CA",
    "vcdpa": "US-VA",
    "lgpd": "BR",
}
INTERNAL_TARGET_DAYS = 28
REMINDER_OFFSETS = (7, 2, 0)


class DeadlineError(PrivDeskError):
    pass


@dataclass(frozen=True)
class Pause:
    """Clarification asked on `start`, answered on `end` (both local dates)."""

    start: date
    end: date


@dataclass(frozen=True)
class Deadlines:
    regime: str
    received: date
    clock_start: date
    calendar: str | None
    due: date
    extended_due: date | None
    acknowledge_by: date | None
    internal_target: date
    paused_days: int

    def to_json(self) -> dict[str, str | None]:
        """The keys `privdesk dsar due --json` prints (null where a regime has none)."""
        return {
            "regime": self.regime,
            "received": self.received.isoformat(),
            "due": self.due.isoformat(),
            "extended_due": self.extended_due.isoformat() if self.extended_due else None,
            "acknowledge_by": self.acknowledge_by.isoformat() if self.acknowledge_by else None,
            "calendar": self.calendar,
        }


# ---------------------------------------------------------------- calendars


def parse_calendar(code: str) -> tuple[str, str | None]:
    """``"GB-ENG"`` → ``("GB", "ENG")``; raises DeadlineError for unknown codes."""
    country, _, subdiv = code.strip().upper().partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise DeadlineError(f"unknown holiday calendar {code!r}: use an ISO code like GB-ENG")
    if subdiv and subdiv not in supported[country]:
        raise DeadlineError(
            f"unknown subdivision {subdiv!r} for {country}: "
            f"choose one of {', '.join(supported[country][:12])}"
        )
    return country, subdiv or None


@functools.lru_cache(maxsize=64)
def _holiday_set(code: str, year: int) -> frozenset[date]:
    country, subdiv = parse_calendar(code)
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year).keys())


def is_working_day(d: date, calendar: str | None) -> bool:
    """Monday to Friday and not a public holiday of `calendar` (None: weekends only)."""
    if d.weekday() >= 5:
        return False
    return calendar is None or d not in _holiday_set(calendar, d.year)


def next_working_day(d: date, calendar: str | None) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    while not is_working_day(d, calendar):
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int, calendar: str | None) -> date:
    """The `n`-th working day after `d` (`d` itself does not count)."""
    while n > 0:
        d += timedelta(days=1)
        if is_working_day(d, calendar):
            n -= 1
    return d


def add_months(d: date, months: int) -> date:
    """The corresponding calendar date `months` later, or that month's last day."""
    index = d.month - 1 + months
    year, month = d.year + index // 12, index % 12 + 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------- deadlines


def paused_days(pauses: Iterable[Pause], method: PauseMethod) -> int:
    total = 0
    for p in pauses:
        if p.end < p.start:
            raise DeadlineError("a clarification pause cannot end before it starts")
        total += (p.end - p.start).days + (1 if method == "dpa-s54" else 0)
    return total


def compute(
    regime: str,
    received: date,
    *,
    calendar: str | None = None,
    request_type: str = "access",
    identity_received: date | None = None,
    fee_received: date | None = None,
    pauses: Sequence[Pause] = (),
    pause_method: PauseMethod = "ico",
) -> Deadlines:
    """Every date a request of `regime` received on `received` (controller's local date) has.

    `calendar` defaults per regime (DEFAULT_CALENDARS). `identity_received` and
    `fee_received` move the GDPR start; other regimes count from receipt regardless.
    """
    if regime not in REGIMES:
        raise DeadlineError(f"unknown regime {regime!r}: choose one of {', '.join(REGIMES)}")
    if pause_method not in PAUSE_METHODS:
        raise DeadlineError(f"unknown pause method {pause_method!r}")
    if calendar is None:
        calendar = DEFAULT_CALENDARS[regime]
    if calendar is not None:
        country, subdiv = parse_calendar(calendar)
        calendar = f"{country}-{subdiv}" if subdiv else country
    if pauses and regime != "uk-gdpr":
        raise DeadlineError("clarification pauses stop the clock only under uk-gdpr")
    if regime in GDPR:
        start = max(d for d in (received, identity_received, fee_received) if d is not None)
        paused = paused_days(pauses, pause_method)
        due = next_working_day(add_months(start, 1) + timedelta(days=paused), calendar)
        extended = next_working_day(add_months(start, 3) + timedelta(days=paused), calendar)
        target = start + timedelta(days=INTERNAL_TARGET_DAYS - 1 + paused)
        return Deadlines(
            regime, received, start, calendar, due, extended, None, min(target, due), paused
        )
    ack: date | None = None
    ext: date | None = None
    if regime == "ccpa" and request_type in CCPA_FAST_TYPES:
        due = add_business_days(received, 15, calendar)
    elif regime in ("ccpa", "vcdpa"):
        due = received + timedelta(days=45)
        ext = received + timedelta(days=90)
        if regime == "ccpa":
            ack = add_business_days(received, 10, calendar)
    else:  # lgpd
        due = received + timedelta(days=15)
    target = received + timedelta(days=INTERNAL_TARGET_DAYS - 1)
    return Deadlines(regime, received, received, calendar, due, ext, ack, min(target, due), 0)


def extension_allowed(original_due: date, notice_on: date) -> bool:
    """An extension counts only if its notice (with reasons) was recorded by the due date."""
    return notice_on <= original_due


def reminders(due: date) -> tuple[date, ...]:
    """Reminder dates T−7, T−2 and T−0."""
    return tuple(due - timedelta(days=n) for n in REMINDER_OFFSETS)


TimeLeft = Literal["overdue", "due-today", "due-soon", "on-track"]


def time_left(due: date, today: date) -> TimeLeft:
    """overdue after the due date; due-soon from T−7 (the first reminder)."""
    days = (due - today).days
    if days < 0:
        return "overdue"
    if days == 0:
        return "due-today"
    return "due-soon" if days <= REMINDER_OFFSETS[0] else "on-track"
