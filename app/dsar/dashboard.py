"""The DSAR queue's dashboard numbers (counts only), from request summaries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.dsar.records import RequestSummary
from app.dsar.vocabulary import CLOSED


@dataclass(frozen=True)
class Dashboard:
    """Numbers for the queue's charts (counts only)."""

    open_by_age: dict[str, int]  # age bucket → open requests
    on_time_by_month: dict[str, tuple[int, int]]  # YYYY-MM closed → (on time, closed)
    by_type: dict[str, int]
    by_regime: dict[str, int]


AGE_BUCKETS = ("0–7 d", "8–14 d", "15–21 d", "22–28 d", "29+ d")


def _bucket(days: int) -> str:
    for limit, name in zip((7, 14, 21, 28), AGE_BUCKETS, strict=False):
        if days <= limit:
            return name
    return AGE_BUCKETS[-1]


def dashboard_of(rows: Sequence[RequestSummary], today: date) -> Dashboard:
    """Open requests by age, completions on time per month, volume by type and regime."""
    ages = Counter(_bucket((today - r.received_date).days) for r in rows if r.status not in CLOSED)
    months: dict[str, list[int]] = {}
    for r in rows:
        if r.closed_date is not None and r.status == "completed":
            slot = months.setdefault(r.closed_date.strftime("%Y-%m"), [0, 0])
            slot[0] += r.closed_date <= r.deadline.due
            slot[1] += 1
    return Dashboard(
        open_by_age={b: ages.get(b, 0) for b in AGE_BUCKETS},
        on_time_by_month={m: (v[0], v[1]) for m, v in sorted(months.items())},
        by_type=dict(Counter(r.request_type for r in rows)),
        by_regime=dict(Counter(r.regime for r in rows)),
    )
