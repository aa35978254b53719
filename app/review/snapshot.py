"""Reading a directory snapshot into engine facts: a handful of queries, no per-agent SQL."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.review.findings import AgentFacts, AuthPolicy, RosterFacts
from app.review.permissions import AccountFlags, effective_grants
from models.helpdesk import (
    STAFF_ROLES,
    AuthSettings,
    CustomRole,
    GroupMembership,
    HelpdeskGroup,
    Person,
    RosterEntry,
)

SCOPES = ("all", "admins", "group", "custom_role")


def builtin_role_name(role: str, role_type: int | None) -> str:
    if role == "admin":
        return "Admin"
    return "Light agent" if role_type == 1 else "Agent"


def load_policy(s: Session, snapshot_id: int) -> AuthPolicy:
    row = s.scalars(select(AuthSettings).where(AuthSettings.snapshot_id == snapshot_id)).first()
    if row is None:
        return AuthPolicy()
    return AuthPolicy.from_settings(
        row.sso_enabled, json.loads(row.methods_json or "[]"), json.loads(row.settings_json or "{}")
    )


def load_roster(s: Session, roster_snapshot_id: int | None) -> dict[str, RosterFacts] | None:
    if roster_snapshot_id is None:
        return None
    rows = s.execute(
        select(RosterEntry.email, RosterEntry.status, RosterEntry.end_date).where(
            RosterEntry.snapshot_id == roster_snapshot_id
        )
    )
    return {email.strip().lower(): RosterFacts(status, end) for email, status, end in rows}


def role_configs(s: Session, snapshot_id: int) -> dict[int, tuple[str, dict[str, Any]]]:
    rows = s.execute(
        select(CustomRole.zendesk_id, CustomRole.name, CustomRole.configuration_json).where(
            CustomRole.snapshot_id == snapshot_id
        )
    )
    return {zid: (name or f"role {zid}", json.loads(cfg or "{}")) for zid, name, cfg in rows}


def load_agents(
    s: Session, snapshot_id: int, scope: str = "all", scope_value: str | None = None
) -> list[AgentFacts]:
    """Agents and admins of a snapshot in the given scope, with groups and permissions."""
    roles = role_configs(s, snapshot_id)
    groups = {
        zid: name or f"group {zid}"
        for zid, name in s.execute(
            select(HelpdeskGroup.zendesk_id, HelpdeskGroup.name).where(
                HelpdeskGroup.snapshot_id == snapshot_id
            )
        )
    }
    member_of: dict[int, list[str]] = defaultdict(list)
    for user_id, group_id in s.execute(
        select(GroupMembership.user_id, GroupMembership.group_id).where(
            GroupMembership.snapshot_id == snapshot_id
        )
    ):
        member_of[user_id].append(groups.get(group_id, f"group {group_id}"))
    people = s.scalars(
        select(Person)
        .where(Person.snapshot_id == snapshot_id, Person.role.in_(STAFF_ROLES))
        .order_by(Person.zendesk_id, Person.id)
    )
    out: list[AgentFacts] = []
    for p in people:
        role = roles.get(p.custom_role_id) if p.custom_role_id is not None else None
        # An agent's custom role that the snapshot lacks: a finding, never invented rights.
        unknown = p.custom_role_id if role is None and p.role != "admin" else None
        if role and p.role != "admin":
            role_name = role[0]
        elif unknown is not None:
            role_name = f"unknown custom role {unknown}"
        else:
            role_name = builtin_role_name(p.role, p.role_type)
        csv_groups = json.loads(p.groups_json or "[]")  # a CSV import names groups directly
        agent_groups = tuple(sorted({*member_of.get(p.zendesk_id or -1, []), *csv_groups}))
        if not _in_scope(p.role, role_name, agent_groups, scope, scope_value):
            continue
        flags = AccountFlags(
            role=p.role,
            role_type=p.role_type,
            custom_role_name=role_name,
            restricted_agent=p.restricted_agent,
            report_csv=p.report_csv,
            ticket_restriction=p.ticket_restriction,
            only_private_comments=p.only_private_comments,
            shared_agent=p.shared_agent,
            custom_role_id=unknown,
        )
        grants = effective_grants(flags, role[1] if role else None)
        out.append(
            AgentFacts(
                agent_id=p.zendesk_id,
                email=p.email,
                name=p.name,
                role=p.role,
                role_name=role_name,
                suspended=bool(p.suspended),
                active=p.active is not False,
                two_factor=p.two_factor_auth_enabled,
                last_login_at=p.last_login_at,
                created_at=p.created_at,
                shared_agent=bool(p.shared_agent),
                groups=agent_groups,
                grants=tuple(grants),
                unknown_custom_role=unknown,
            )
        )
    return out


def _in_scope(
    role: str, role_name: str, groups: tuple[str, ...], scope: str, value: str | None
) -> bool:
    if scope == "all":
        return True
    if scope == "admins":
        return role == "admin"
    wanted = (value or "").strip().lower()
    if scope == "group":
        return any(g.lower() == wanted for g in groups)
    return role_name.lower() == wanted


def scope_label(scope: str, value: str | None) -> str:
    return {
        "all": "all agents and admins",
        "admins": "admins",
        "group": f"group {value}",
        "custom_role": f"role {value}",
    }.get(scope, scope)


def role_names(s: Session, snapshot_id: int) -> list[str]:
    names = [name for name, _cfg in role_configs(s, snapshot_id).values()]
    return sorted({*names, "Admin", "Agent", "Light agent"})


def group_names(s: Session, snapshot_id: int) -> list[str]:
    rows = s.scalars(select(HelpdeskGroup.name).where(HelpdeskGroup.snapshot_id == snapshot_id))
    named = s.scalars(
        select(Person.groups_json).where(
            Person.snapshot_id == snapshot_id,
            Person.role.in_(STAFF_ROLES),
            Person.groups_json != "[]",
        )
    )
    return sorted({r for r in rows if r} | {g for text in named for g in json.loads(text)})
