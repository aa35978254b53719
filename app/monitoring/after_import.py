"""Alert rules run after an import or a sync that brought new access or audit logs.

The issue's workflow: "`privdesk alerts run` evaluates the rules over new events (…also
after each import/sync)". The import and the evaluation are separate authorized actions —
an operator who may import help-desk data need not be one who may work alerts — so this
runs the rules only when the same operator holds `monitoring.manage`, and otherwise says
plainly that the new events wait for the next `privdesk alerts run`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.monitoring.records import AlertRow
from app.monitoring.service import AlertService
from app.security.permissions import Permission

# Importer / sync count kinds whose records are monitoring events.
MONITORED_KINDS = ("access_logs", "audit_logs")


@dataclass(frozen=True)
class AfterImport:
    """What happened to the new log events an import brought."""

    events: int  # new access/audit log records the import wrote
    ran: bool  # the rules were evaluated now
    alerts: tuple[AlertRow, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "new_log_events": self.events,
            "rules_run": self.ran,
            "new_alerts": len(self.alerts),
            "alerts": [
                {"id": a.id, "rule": a.rule, "severity": a.severity, "subject": a.subject}
                for a in self.alerts
            ],
        }

    def summary(self) -> str:
        if not self.ran:
            return (
                f"{_events(self.events)} wait for the alert rules: they run at the next "
                "`privdesk alerts run` by an operator who may manage monitoring."
            )
        if not self.alerts:
            return f"Alert rules ran over {_events(self.events)}: no new alert."
        high = sum(1 for a in self.alerts if a.severity == "high")
        n = len(self.alerts)
        head = f"Alert rules ran over {_events(self.events)}: {n} new alert{'s' if n != 1 else ''}"
        return head + (f" ({high} high)." if high else ".") + " See `privdesk alerts list`."


def _events(n: int) -> str:
    return f"{n} new log event{'s' if n != 1 else ''}"


def new_log_events(counts: Mapping[str, Mapping[str, int]]) -> int:
    """How many access/audit log records an import's counts say were written."""
    return sum(int(counts.get(k, {}).get("inserted", 0)) for k in MONITORED_KINDS)


def evaluate_after_import(
    ctx: Any, principal: Any, counts: Mapping[str, Mapping[str, int]]
) -> AfterImport | None:
    """Run the alert rules if the import wrote log events; None when it wrote none."""
    events = new_log_events(counts)
    if not events:
        return None
    if not principal.can(Permission.MONITORING_MANAGE):
        return AfterImport(events, ran=False)
    result = AlertService(ctx, principal).run()
    return AfterImport(events, ran=True, alerts=result.alerts)
