"""A generated Zendesk access log and audit log: plenty of normal work, planted patterns.

Shapes follow Zendesk's API reference (tests/data/monitoring/README.md): access-log records
as in the access-log webhook example, audit-log records as in *List Audit Logs*. Times are
fixed (no wall clock): history on the 27 weekdays before PLANT_DAY, working hours
09:00–17:00 UTC (Europe/London is UTC in November), four reads an hour per agent from the
agent's own /24; the planted patterns all fall on PLANT_DAY.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

PLANT_DAY = date(2026, 11, 26)  # a Thursday; the FixedClock of the tests is 27 Nov 12:00Z
NORMAL_AGENTS = (2001, 2002, 2003, 2005, 2006, 2007)
QUIET_AGENT = 2004  # three reads a day, then seventy on PLANT_DAY
ADMIN = 3001

# (rule id, actor) each planted pattern must raise, and nothing else.
PLANTED = {
    ("bulk_user_reads", "2001"),
    ("off_hours_access", "2002"),
    ("new_ip", "2003"),
    ("reads_above_baseline", str(QUIET_AGENT)),
    ("export_downloaded", str(ADMIN)),
    ("api_token_created", str(ADMIN)),
    ("two_factor_disabled", str(ADMIN)),
}


def ts(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def home_ip(agent: int) -> str:
    return f"198.51.{agent % 250}.{10 + agent % 7}"


@dataclass
class LogWriter:
    access: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(20))
    _n: int = 0

    def read(
        self,
        agent: int,
        when: datetime,
        kind: str = "tickets",
        ip: str | None = None,
        auth: str = "session",
        method: str = "GET",
    ) -> None:
        self._n += 1
        record = self.rng.randrange(1, 5000)
        self.access.append(
            {
                "id": f"01JAL{self._n:010d}",
                "timestamp": ts(when),
                "user_id": agent,
                "ip_address": ip or home_ip(agent),
                "method": method,
                "url": f"/api/v2/{kind}/{record}.json",
                "status": 200,
                "authorization_type": auth,
                "client": "Mozilla/5.0",
                "graphql": None,
                "referer": "https://example.zendesk.com/agent/dashboard",
                "bytes_sent": 2048,
                "category": kind.title(),
                "summary": f"Show {kind[:-1]}",
                "origin_service": "Zendesk",
            }
        )

    def change(
        self,
        actor: int,
        when: datetime,
        action: str,
        source_type: str,
        label: str,
        change: str,
    ) -> None:
        self._n += 1
        self.audit.append(
            {
                "id": 900000 + self._n,
                "action": action,
                "action_label": action.title(),
                "actor_id": actor,
                "actor_name": f"Staff {actor}",
                "source_id": 1,
                "source_type": source_type,
                "source_label": label,
                "change_description": change,
                "ip_address": home_ip(actor),
                "created_at": ts(when),
                "url": f"https://example.zendesk.com/api/v2/audit_logs/{900000 + self._n}.json",
            }
        )

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "access_logs.json").write_text(json.dumps({"access_logs": self.access}))
        (folder / "audit_logs.json").write_text(json.dumps({"audit_logs": self.audit}))
        self.access, self.audit = [], []
        return folder


def weekdays_before(day: date, count: int) -> list[date]:
    out: list[date] = []
    d = day
    while len(out) < count:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            out.append(d)
    return sorted(out)


def normal_day(w: LogWriter, day: date) -> None:
    """Four reads an hour per agent 09–17, a few ordinary admin changes, the quiet agent's 3."""
    for agent in NORMAL_AGENTS:
        for hour in range(9, 17):
            for q in range(4):
                kind = "users" if q == 3 else "tickets"
                w.read(agent, at(day, hour, q * 15 + w.rng.randrange(0, 10), w.rng.randrange(60)))
                if q == 1:
                    w.read(agent, at(day, hour, q * 15 + 12), kind, method="PUT")
    for hour in (10, 13, 15):
        w.read(QUIET_AGENT, at(day, hour, 5))
    w.change(ADMIN, at(day, 9, 30), "login", "user", f"Staff {ADMIN}", "Successful sign-in")
    w.change(ADMIN, at(day, 11, 0), "update", "ticket_field", "Order number", "Title changed")


def history(w: LogWriter, days: int = 27) -> None:
    for day in weekdays_before(PLANT_DAY, days):
        normal_day(w, day)
    first = weekdays_before(PLANT_DAY, days)[3]
    w.change(
        ADMIN,
        at(first, 14, 0),
        "update",
        "user",
        "Staff 2005",
        "Role changed from End User to Agent",
    )
    w.change(ADMIN, at(first, 14, 5), "create", "user_setting", "Suspension state: X", "Suspended")


def planted_day(w: LogWriter) -> None:
    d = PLANT_DAY
    normal_day(w, d)
    for n in range(60):  # bulk: sixty profiles in five minutes
        w.read(2001, at(d, 10, n // 12, (n * 5) % 60), "users")
    for minute in (30, 35, 41):  # off hours, from the agent's usual address
        w.read(2002, at(d, 23, minute))
    for minute in (0, 2):  # new address range
        w.read(2003, at(d, 11, minute, 30), ip="203.0.113.50")
    for n in range(70):  # seventy reads spread over the day: far above a 3-a-day baseline
        w.read(QUIET_AGENT, at(d, 9 + n // 10, (n % 10) * 6 + 1))
    w.change(ADMIN, at(d, 12, 0), "exported", "ticket", "Tickets", "Exported tickets (CSV)")
    w.change(ADMIN, at(d, 12, 10), "create", "api_token", "API token", "")
    w.change(ADMIN, at(d, 12, 20), "update", "account_setting", "Require Two Factor", "Disabled")
