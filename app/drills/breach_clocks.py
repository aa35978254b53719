"""The countdowns of a breach record: which regimes apply and when each clock is due."""

from __future__ import annotations

from datetime import datetime

from app.drills.clocks import ClockError, deadlines
from app.drills.records import (
    BreachView,
    ClockView,
    end_of_day_utc,
    parse_ts,
)


def regimes_for(jurisdictions: tuple[str, ...]) -> list[str]:
    """EU/EEA/UK (or none given) → GDPR; US-XX → that state's rules."""
    chosen = {"gdpr"} if not jurisdictions else set()
    for j in jurisdictions:
        code = j.strip().upper()
        if code in ("EU", "EEA", "UK", "GDPR") or (len(code) == 2 and code != "US"):
            chosen.add("gdpr")
        elif code.startswith("US-"):
            chosen.add(code.lower())
        elif code == "US":
            chosen.add("us")
    return sorted(chosen)


def clock_views(breach: BreachView) -> tuple[ClockView, ...]:
    """The countdowns of a breach record; none before awareness is decided."""
    aware = parse_ts(breach.aware_at)
    if aware is None:
        return ()
    try:
        items = deadlines(
            aware, regimes=regimes_for(breach.jurisdictions), residents=breach.residents
        )
    except ClockError:
        items = deadlines(aware, regimes=["gdpr"])
    out = []
    for d in items:
        if isinstance(d.due, datetime):
            due: datetime | None = d.due
        elif d.due is not None:
            due = end_of_day_utc(d.due.isoformat())
        else:
            due = None
        met = breach.authority_notified_at if d.key == "gdpr_art33_due" else None
        out.append(ClockView(d.key, d.title, due, d.iso(), d.basis, d.condition, met))
    return tuple(out)
