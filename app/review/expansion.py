"""Who can see what in a directory snapshot, without a campaign (`privdesk review
permissions`): each agent's expanded statements, filtered by agent or by permission.

A permission is a statement key (``tickets.delete``) or a Zendesk configuration key
(``ticket_deletion``, or an unknown one shown raw): the second finds every statement that
key granted, so "who got what through ticket_editing?" has an answer too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.helpdesk import mask_email
from app.review.permissions import Grant, catalogue
from app.review.records import PermissionCount
from app.review.snapshot import load_agents


@dataclass(frozen=True)
class AgentExpansion:
    agent_id: int | None
    name: str | None
    email: str | None  # masked unless the operator may reveal personal data
    role_name: str
    grants: tuple[Grant, ...]
    unknown_custom_role: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "email": self.email,
            "role_name": self.role_name,
            "unknown_custom_role": self.unknown_custom_role,
            "grants": [g.to_json() for g in self.grants],
        }


@dataclass(frozen=True)
class PermissionsView:
    snapshot_id: int
    agent_id: int | None
    permission: str | None
    meaning: str | None  # Zendesk's meaning when `permission` is a configuration key
    agents: tuple[AgentExpansion, ...]
    counts: tuple[PermissionCount, ...]  # statement -> how many of `agents` hold it

    def to_json(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "agent_id": self.agent_id,
            "permission": self.permission,
            "meaning": self.meaning,
            "agents": [a.to_json() for a in self.agents],
            "counts": [{"key": c.key, "text": c.text, "holders": c.holders} for c in self.counts],
        }


def matches(grant: Grant, permission: str) -> bool:
    """Statement `permission`, or a statement granted by configuration key `permission`."""
    if grant.key in (permission, f"raw:{permission}"):
        return True
    via = grant.via  # "custom role NAME: KEY=VALUE", "…: KEY" or "…: custom_objects.NAME=…"
    return f": {permission}=" in via or via.endswith(f": {permission}") or f": {permission}." in via


def expansion(
    s: Session,
    snapshot_id: int,
    *,
    agent_id: int | None = None,
    permission: str | None = None,
    masked: bool = True,
) -> PermissionsView:
    agents = []
    for facts in load_agents(s, snapshot_id):
        if agent_id is not None and facts.agent_id != agent_id:
            continue
        grants = tuple(g for g in facts.grants if permission is None or matches(g, permission))
        if permission is not None and not grants:
            continue
        agents.append(
            AgentExpansion(
                facts.agent_id,
                facts.name,
                mask_email(facts.email) if masked else facts.email,
                facts.role_name,
                grants,
                facts.unknown_custom_role,
            )
        )
    holders: dict[str, int] = defaultdict(int)
    texts: dict[str, str] = {}
    for agent in agents:
        for key in {g.key for g in agent.grants}:
            holders[key] += 1
        for g in agent.grants:
            texts.setdefault(g.key, g.text)
    counts = sorted(
        (PermissionCount(k, texts[k], n) for k, n in holders.items()),
        key=lambda p: (p.key.startswith("raw:"), p.text),
    )
    spec = catalogue().keys.get(permission or "")
    return PermissionsView(
        snapshot_id,
        agent_id,
        permission,
        spec.meaning if spec else None,
        tuple(agents),
        tuple(counts),
    )
