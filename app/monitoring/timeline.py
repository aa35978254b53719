"""Access volume per agent per day, with the alerts of those days: the pane's chart data.

Rows are selected by time only; grouping by agent id and local day happens here (no
SQLite-only date functions, no personal column in SQL).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.clock import utc_iso
from app.monitoring.sources import parse_time
from app.security.guard import Service
from app.security.permissions import Permission
from models.helpdesk import AccessLog
from models.monitoring import Alert

TOP_AGENTS = 6


@dataclass(frozen=True)
class AlertMark:
    id: int
    day: date
    agent: str
    severity: str
    rule: str


@dataclass(frozen=True)
class Timeline:
    days: tuple[date, ...]
    series: dict[str, tuple[int, ...]]  # agent id -> events per day (the busiest agents)
    others: tuple[int, ...]  # every other agent, per day
    alerts: tuple[AlertMark, ...]


class TimelineService(Service):
    def access_volume(self, days: int = 30) -> Timeline:
        """The last `days` local days up to the latest access-log record (or today)."""
        days = max(1, min(days, 366))
        with self.authorized(Permission.MONITORING_VIEW, action="monitoring.timeline") as (s, _):
            tz = ZoneInfo(self.ctx.settings.get(s, "monitoring.timezone"))
            latest = parse_time(
                s.scalar(select(AccessLog.timestamp).order_by(AccessLog.timestamp.desc()).limit(1))
            )
            last = (latest or self.ctx.clock.now()).astimezone(tz).date()
            first = last - timedelta(days=days - 1)
            lo = utc_iso(datetime.combine(first, time(0), tz))
            hi = utc_iso(datetime.combine(last + timedelta(days=1), time(0), tz))
            counts: Counter[tuple[str, date]] = Counter()
            totals: Counter[str] = Counter()
            rows = s.execute(
                select(AccessLog.user_id, AccessLog.timestamp).where(
                    AccessLog.timestamp >= lo, AccessLog.timestamp < hi
                )
            )
            for user_id, stamp in rows:
                at = parse_time(stamp)
                if at is None:
                    continue
                agent = "" if user_id is None else str(user_id)
                counts[(agent, at.astimezone(tz).date())] += 1
                totals[agent] += 1
            axis = tuple(first + timedelta(days=n) for n in range(days))
            top = [a for a, _ in sorted(totals.items(), key=lambda p: (-p[1], p[0]))[:TOP_AGENTS]]
            series = {a: tuple(counts[(a, d)] for d in axis) for a in top}
            others = tuple(
                sum(n for (a, d2), n in counts.items() if d2 == d and a not in series) for d in axis
            )
            marks = []
            for alert in s.scalars(
                select(Alert).where(Alert.first_at >= lo, Alert.first_at < hi).order_by(Alert.id)
            ):
                at = parse_time(alert.first_at)
                if at is not None:
                    marks.append(
                        AlertMark(
                            alert.id,
                            at.astimezone(tz).date(),
                            alert.actor_key,
                            alert.severity,
                            alert.rule_id,
                        )
                    )
            return Timeline(axis, series, others, tuple(marks))
