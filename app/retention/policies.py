"""Retention policies as values: what a policy targets, its action, and Zendesk's own rules.

    privdesk retention add closed-2y --target tickets --status closed --older-than 730d \\
        --action delete

Durations are written ``365d``, ``52w`` or ``2y`` (a year is 365 days). Ticket age is
counted from the ticket's last update (the stored export has no solved/closed instant).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from app.errors import PrivDeskError
from app.redaction.types import MaskStyle
from models.inventory import RetentionPolicy

TARGETS = ("tickets", "users", "attachments")
ACTIONS = ("delete", "anonymise", "review")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
OPEN_STATUSES = ("new", "open", "pending", "hold")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dwy])\s*$")
_DAYS = {"d": 1, "w": 7, "y": 365}

# Shown next to every policy: what Zendesk itself does, so the two are not confused.
ZENDESK_RULES = (
    "Zendesk's own deletion schedules act only on archived tickets (Zendesk archives a "
    "ticket 120 days after it is closed) and on end users; PrivDesk's policy acts on the "
    "workspace copy and writes the matching help-desk plan.",
    "In Zendesk a redaction or any other update to a ticket restarts the clock of an "
    "age-based deletion schedule.",
    "Deleted tickets and users stay recoverable in Zendesk for 30 days: the plan includes "
    "the permanent-deletion calls (deleted_tickets, deleted_users).",
)


class RetentionError(PrivDeskError):
    """A bad policy, an unknown one, or a run that cannot go on."""


def parse_days(text: str, option: str) -> int:
    m = _DURATION.match(text or "")
    if not m:
        raise RetentionError(f"{option} {text!r}: write a duration like 365d, 52w or 2y")
    days = int(m.group(1)) * _DAYS[m.group(2)]
    if days <= 0:
        raise RetentionError(f"{option} {text!r}: must be at least one day")
    return days


@dataclass(frozen=True)
class Policy:
    name: str
    target: str
    action: str
    status: str | None = None
    older_than_days: int | None = None
    inactive_days: int | None = None
    tag: str | None = None
    group: str | None = None
    style: str = MaskStyle.TOKEN.value
    created_at: str = ""
    created_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        what = {"tickets": "tickets", "users": "end users", "attachments": "attachments of tickets"}
        parts = [what[self.target]]
        if self.status:
            parts.append(f"status {self.status}")
        if self.older_than_days is not None:
            parts.append(f"not updated for {self.older_than_days} days")
        if self.inactive_days is not None:
            parts.append(f"inactive for {self.inactive_days} days with no open ticket")
        if self.tag:
            parts.append(f"tagged {self.tag}")
        if self.group:
            parts.append(f"in group {self.group}")
        verb = {"delete": "delete", "anonymise": f"anonymise ({self.style})", "review": "review"}
        return f"{verb[self.action]}: " + ", ".join(parts)


def check(p: Policy) -> None:
    where = f"policy {p.name!r}"
    if not _NAME.match(p.name):
        raise RetentionError(
            f"{where}: a name is letters, digits, '.', '_' or '-' (at most 80 characters)"
        )
    if p.target not in TARGETS:
        raise RetentionError(f"{where}: --target must be one of {', '.join(TARGETS)}")
    if p.action not in ACTIONS:
        raise RetentionError(f"{where}: --action must be one of {', '.join(ACTIONS)}")
    if p.status is not None and p.status not in STATUSES:
        raise RetentionError(f"{where}: --status must be one of {', '.join(STATUSES)}")
    if p.target == "users":
        if p.inactive_days is None:
            raise RetentionError(f"{where}: a users policy needs --inactive-for (e.g. 730d)")
        if p.status or p.older_than_days is not None or p.group:
            raise RetentionError(
                f"{where}: --status, --older-than and --group apply to tickets and attachments"
            )
    else:
        if p.inactive_days is not None:
            raise RetentionError(f"{where}: --inactive-for applies to a users policy")
        if p.older_than_days is None:
            raise RetentionError(f"{where}: a {p.target} policy needs --older-than (e.g. 365d)")
        if p.status in OPEN_STATUSES and p.action == "delete":
            raise RetentionError(f"{where}: deleting {p.status} tickets is refused; use review")
    try:
        MaskStyle(p.style)
    except ValueError:
        styles = ", ".join(s.value for s in MaskStyle)
        raise RetentionError(f"{where}: --style must be one of {styles}") from None


def policy_of(row: RetentionPolicy) -> Policy:
    return Policy(
        row.name,
        row.target,
        row.action,
        row.status,
        row.older_than_days,
        row.inactive_days,
        row.tag,
        row.group_ref,
        row.style,
        row.created_at,
        row.created_by,
    )
