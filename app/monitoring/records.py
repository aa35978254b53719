"""What the monitoring services return: frozen rows, no database objects."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.errors import PrivDeskError


class MonitoringError(PrivDeskError):
    """A monitoring action that cannot be done (unknown alert, wrong status, bad reason)."""


@dataclass(frozen=True)
class AlertRow:
    id: int
    rule: str
    severity: str
    status: str
    subject: str
    summary: str
    source: str
    first_at: str
    last_at: str
    event_count: int
    created_at: str
    owner: str | None
    run_id: int | None

    def as_json(self) -> dict[str, object]:
        return dict(vars(self))


@dataclass(frozen=True)
class EvidenceRow:
    source: str
    event_id: str
    at: str
    detail: str


@dataclass(frozen=True)
class TimelineRow:
    at: str
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class AlertDetail:
    alert: AlertRow
    title: str
    explanation: str
    ip_address: str | None
    reason: str
    evidence: tuple[EvidenceRow, ...]
    timeline: tuple[TimelineRow, ...]


@dataclass(frozen=True)
class RunResult:
    new: int
    alerts: tuple[AlertRow, ...]
    read: dict[str, int]  # source -> new events read
    suppressed: int
    purged: dict[str, int] = field(default_factory=dict)  # source -> records past retention


@dataclass(frozen=True)
class RuleInfo:
    id: str
    version: int
    title: str
    severity: str
    source: str
    kind: str
    enabled: bool
    origin: str  # built-in | imported
    explanation: str
    params: dict[str, object]
