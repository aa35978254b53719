"""Training status per agent and programme: current / due soon / overdue / never.

The agents are the staff (``agent`` and ``admin``) of the latest help-desk directory
snapshot, suspended accounts left out (they cannot work tickets). A programme applies to an
agent whose Zendesk role, one of whose groups (CSV group names or Zendesk group
memberships) or whose custom role is in the programme's audience. An agent's completion is
the latest one recorded for the programme under the blind index of the agent's email; it
is good for ``recurrence_months`` months, "due soon" in the last `DUE_SOON_DAYS` of them.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.importers.loader import latest_snapshot
from app.training.identity import email_index
from models.helpdesk import (
    SNAPSHOT_DIRECTORY,
    STAFF_ROLES,
    CustomRole,
    GroupMembership,
    HelpdeskGroup,
    Person,
)
from models.training import Completion, Programme

STATES = ("current", "due_soon", "overdue", "never")
STATE_TEXT = {
    "current": "Current",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "never": "Never completed",
}
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Audience:
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    custom_roles: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str | None) -> Audience:
        data = json.loads(text or "{}")
        return cls(
            tuple(data.get("roles", ())),
            tuple(data.get("groups", ())),
            tuple(data.get("custom_roles", ())),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "roles": list(self.roles),
                "groups": list(self.groups),
                "custom_roles": list(self.custom_roles),
            },
            sort_keys=True,
        )

    def includes(self, agent: AgentFacts) -> bool:
        lower = {g.lower() for g in self.groups}
        customs = {c.lower() for c in self.custom_roles}
        return (
            agent.role in self.roles
            or any(g.lower() in lower for g in agent.groups)
            or (agent.custom_role is not None and agent.custom_role.lower() in customs)
        )

    def text(self) -> str:
        parts = [*self.roles, *(f"group {g}" for g in self.groups)]
        parts += [f"custom role {c}" for c in self.custom_roles]
        return ", ".join(parts)


@dataclass(frozen=True)
class AgentFacts:
    person_id: int  # hd_people.id in the latest snapshot
    zendesk_id: int | None
    name: str
    email: str
    role: str
    groups: tuple[str, ...]
    custom_role: str | None


@dataclass(frozen=True)
class StatusRow:
    """One agent's standing in one programme (`due_at` None when never completed)."""

    programme_id: int
    programme: str
    person_id: int
    zendesk_id: int | None
    agent: str
    email: str
    email_index: str
    state: str
    completed_at: str | None
    due_at: str | None
    score: float | None

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]

    @property
    def lapsed(self) -> bool:
        """Overdue or never completed: required training the agent does not have."""
        return self.state in ("overdue", "never")


def add_months(when: datetime, months: int) -> datetime:
    """`when` plus whole calendar months (31 Jan + 1 month = 28/29 Feb)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def state_of(completed_at: str | None, months: int, at: datetime) -> tuple[str, str | None]:
    """(state, due time) of a programme completed at `completed_at`, seen at `at`."""
    if completed_at is None:
        return "never", None
    due = add_months(_parse(completed_at), months)
    if at > due:
        return "overdue", _iso(due)
    if at >= due - timedelta(days=DUE_SOON_DAYS):
        return "due_soon", _iso(due)
    return "current", _iso(due)


def load_agents(s: Session) -> list[AgentFacts]:
    """The staff of the latest directory snapshot (none before the first import)."""
    snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
    if snap is None:
        return []
    customs = {
        c.zendesk_id: c.name or ""
        for c in s.scalars(select(CustomRole).where(CustomRole.snapshot_id == snap.id))
    }
    group_names = {
        g.zendesk_id: g.name or ""
        for g in s.scalars(select(HelpdeskGroup).where(HelpdeskGroup.snapshot_id == snap.id))
    }
    member: dict[int, list[str]] = {}
    for m in s.scalars(select(GroupMembership).where(GroupMembership.snapshot_id == snap.id)):
        if m.group_id in group_names:
            member.setdefault(m.user_id, []).append(group_names[m.group_id])
    out: list[AgentFacts] = []
    people = s.scalars(
        select(Person)
        .where(Person.snapshot_id == snap.id, Person.role.in_(STAFF_ROLES))
        .order_by(Person.name, Person.id)
    )
    for p in people:
        if p.suspended or not p.email:
            continue
        groups = [str(g) for g in json.loads(p.groups_json or "[]")]
        if p.zendesk_id is not None:
            groups += member.get(p.zendesk_id, [])
        out.append(
            AgentFacts(
                p.id,
                p.zendesk_id,
                p.name or p.email,
                p.email,
                p.role,
                tuple(dict.fromkeys(groups)),
                customs.get(p.custom_role_id) if p.custom_role_id is not None else None,
            )
        )
    return out


def compute(
    programmes: Sequence[Programme],
    agents: Iterable[AgentFacts],
    latest: dict[tuple[int, str], tuple[str, float | None]],
    index_of: dict[str, str],
    at: datetime,
) -> list[StatusRow]:
    """Pure: one row per (programme, agent in its audience)."""
    rows: list[StatusRow] = []
    agent_list = list(agents)
    for prog in programmes:
        audience = Audience.from_json(prog.audience_json)
        for a in agent_list:
            if not audience.includes(a):
                continue
            idx = index_of[a.email]
            done = latest.get((prog.id, idx))
            state, due = state_of(done[0] if done else None, prog.recurrence_months, at)
            rows.append(
                StatusRow(
                    prog.id,
                    prog.name,
                    a.person_id,
                    a.zendesk_id,
                    a.name,
                    a.email,
                    idx,
                    state,
                    done[0] if done else None,
                    due,
                    done[1] if done else None,
                )
            )
    return rows


def status_rows(s: Session, at: datetime) -> list[StatusRow]:
    """Every agent's status in every programme, at `at` (completions after `at` ignored)."""
    programmes = list(s.scalars(select(Programme).order_by(Programme.name)))
    agents = load_agents(s)
    index_of = {a.email: email_index(s, a.email) for a in agents}
    stamp = _iso(at)
    latest: dict[tuple[int, str], tuple[str, float | None]] = {}
    for c in s.scalars(select(Completion).where(Completion.completed_at <= stamp)):
        key = (c.programme_id, c.email_index)
        if key not in latest or c.completed_at > latest[key][0]:
            latest[key] = (c.completed_at, c.score)
    return compute(programmes, agents, latest, index_of, at)


def lapsed_by_email(s: Session, at: datetime) -> dict[str, tuple[str, ...]] | None:
    """Lower-cased agent email -> the required programmes they are overdue on or never
    completed, at `at`; None when no programme is defined (training is not in use)."""
    if s.scalar(select(Programme.id).limit(1)) is None:
        return None
    out: dict[str, list[str]] = {}
    for r in status_rows(s, at):
        if r.lapsed:
            out.setdefault(r.email.strip().lower(), []).append(r.programme)
    return {k: tuple(v) for k, v in out.items()}
