"""What every part of the generator shares: the people kept in memory and the counters."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from app.demodata import pii
from app.demodata.writers import JSON, Labels


@dataclass
class Person:
    id: int
    first: str
    last: str
    email: str
    role: str  # Zendesk role: end-user | agent | admin
    role_name: str  # admin, a custom role name, or "end-user"
    created_at: datetime
    last_login_at: datetime | None
    place: tuple[str, str, str, int, str, float, float]
    ip: str
    browser: str
    phone: str | None = None
    organization_id: int | None = None
    custom_role_id: int | None = None
    two_factor: bool = False
    suspended: bool = False
    shared_agent: bool = False
    report_csv: bool = False
    groups: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    external_id: str | None = None
    roster_status: str | None = "active"  # None: not in the roster
    roster_end: date | None = None
    roster_email: str | None = None
    owner: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("agent", "admin")

    def can_author(self, when: datetime) -> bool:
        """Whether this agent was around (created, and had not gone quiet) at `when`."""
        if self.last_login_at is None:
            return False
        return self.created_at + timedelta(days=1) <= when <= self.last_login_at + timedelta(days=1)


class GeneratorState:
    """The export's options and everything the parts hand on to each other."""

    labels: Labels
    organizations: list[JSON]

    def __init__(
        self, out: Path, agents: int, end_users: int, tickets: int, seed: int, now: datetime
    ) -> None:
        self.out = out
        self.n_agents = agents
        self.n_end_users = end_users
        self.n_tickets = tickets
        self.seed = seed
        self.now = now
        self.counts: dict[str, int] = {}
        self.scenarios: Counter[str] = Counter()
        self.planted: Counter[str] = Counter({t: 0 for t in pii.ENTITY_TYPES})
        self.decoy_kinds: Counter[str] = Counter({k: 0 for k in pii.DECOY_KINDS})
        self.comments = 0
        self.staff: list[Person] = []
        self.customers: list[Person] = []
        self.role_ids: dict[str, int] = {}
        self.group_ids: dict[str, int] = {}
        self.org_ids: list[int] = []
        self.org_domains: dict[int, str] = {}
        self.emails: set[str] = set()

    def rng(self, part: str) -> random.Random:
        # One stream per part: adding tickets never shifts the users, and vice versa.
        return random.Random(f"privdesk-demo:{self.seed}:{part}")
