"""Effective permissions: a custom role's `configuration` and the built-in roles and flags,
expanded into plain statements a reviewer can read ("can delete tickets").

Every statement says why it is held (`via`: which role, key or user flag grants it), so
the who-can-see-what view can answer "who can export CSV, and through what?". Keys of a
configuration this module does not know are never dropped: they become `raw:<key>`
statements showing the key and its value verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Statements that make an account privileged (finding `privileged`).
PRIVILEGED = frozenset(
    {
        "admin.account",
        "tickets.delete",
        "tickets.view_deleted",
        "tickets.redact",
        "manage.roles",
        "manage.team_members",
        "export.csv",
    }
)

# Fixed texts for the statements reviewers ask about most; other keys get generated ones.
TEXTS: dict[str, str] = {
    "admin.account": "full account administration (built-in admin)",
    "tickets.all": "can see all tickets",
    "tickets.groups": "can see tickets in their groups",
    "tickets.organization": "can see tickets of their organization",
    "tickets.assigned": "can see only tickets assigned to them",
    "tickets.requested": "can see only tickets they requested",
    "tickets.delete": "can delete tickets",
    "tickets.view_deleted": "can view deleted tickets",
    "tickets.redact": "can redact",
    "tickets.edit": "can edit ticket properties",
    "tickets.merge": "can merge tickets",
    "tickets.tags": "can edit ticket tags",
    "comments.public": "can add public comments",
    "comments.private_only": "can add private comments only",
    "export.csv": "can export CSV",
    "end_users.full": "end-user profile access: full",
    "end_users.edit": "end-user profile access: edit",
    "end_users.readonly": "end-user profile access: read-only",
    "end_users.list_full": "can list and search all end users",
    "manage.roles": "can manage roles",
    "manage.team_members": "can manage team members",
    "reports.full": "reporting: full",
    "reports.readonly": "reporting: read-only",
    "explore.full": "Explore analytics: full",
    "explore.readonly": "Explore analytics: read-only",
    "agent.light": "light agent (private comments, no assignments)",
    "agent.restricted": "restricted agent",
    "account.shared": "shared account (used by several people)",
}

_TICKET_ACCESS = {
    "all": "tickets.all",
    "within-groups": "tickets.groups",
    "within-groups-and-public-groups": "tickets.groups",
    "within-organization": "tickets.organization",
    "assigned-only": "tickets.assigned",
}
_RESTRICTION = {
    "groups": "tickets.groups",
    "organization": "tickets.organization",
    "assigned": "tickets.assigned",
    "requested": "tickets.requested",
}
_LEVELS = {"full": "full", "edit": "edit", "readonly": "readonly", "read-only": "readonly"}
_NO = (None, False, "none", "", "off", "false")

# Configuration keys documented by Zendesk (ZENDESK.md); anything else is shown raw.
KNOWN_KEYS = frozenset(
    {
        "ticket_access",
        "ticket_comment_access",
        "end_user_profile_access",
        "end_user_list_access",
        "explore_access",
        "forum_access",
        "macro_access",
        "report_access",
        "user_view_access",
        "view_access",
        "ticket_deletion",
        "ticket_redaction",
        "view_deleted_tickets",
        "ticket_editing",
        "ticket_merge",
        "ticket_tag_editing",
        "manage_roles",
        "manage_team_members",
        "manage_automations",
        "manage_business_rules",
        "manage_contextual_workspaces",
        "manage_dynamic_content",
        "manage_extensions_and_channels",
        "manage_facebook",
        "manage_group_memberships",
        "manage_groups",
        "manage_organization_fields",
        "manage_organizations",
        "manage_skills",
        "manage_slas",
        "manage_suspended_tickets",
        "manage_ticket_fields",
        "manage_ticket_forms",
        "manage_triggers",
        "manage_user_fields",
        "assign_tickets_to_any_group",
        "chat_access",
        "custom_objects",
        "forum_access_restricted_content",
        "group_access",
        "light_agent",
        "moderate_forums",
        "organization_editing",
        "organization_notes_editing",
        "side_conversation_create",
        "twitter_search_access",
        "voice_access",
        "voice_dashboard_access",
    }
)

_BOOL_KEYS = {
    "ticket_deletion": "tickets.delete",
    "view_deleted_tickets": "tickets.view_deleted",
    "ticket_redaction": "tickets.redact",
    "ticket_editing": "tickets.edit",
    "ticket_merge": "tickets.merge",
    "ticket_tag_editing": "tickets.tags",
    "light_agent": "agent.light",
}
_SKIP = frozenset({"forum_access", "macro_access", "user_view_access", "view_access"})

ADMIN_GRANTS = (
    "admin.account",
    "tickets.all",
    "tickets.delete",
    "tickets.view_deleted",
    "tickets.redact",
    "comments.public",
    "end_users.full",
    "end_users.list_full",
    "manage.roles",
    "manage.team_members",
    "reports.full",
)


@dataclass(frozen=True)
class Grant:
    """One effective permission: what it allows and what grants it."""

    key: str
    text: str
    via: str

    @property
    def privileged(self) -> bool:
        return self.key in PRIVILEGED

    @property
    def raw(self) -> bool:
        return self.key.startswith("raw:")

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "text": self.text, "via": self.via}


def text_for(key: str) -> str:
    if key in TEXTS:
        return TEXTS[key]
    if key.startswith("manage."):
        return "can manage " + key.removeprefix("manage.").replace("_", " ")
    if key.startswith("object."):
        _, name, scope = key.split(".", 2)
        return f"custom object {name}: {scope}"
    if key.startswith("raw:"):
        return f"unrecognised setting {key.removeprefix('raw:')}"
    return "can use " + key.removeprefix("can.").replace("_", " ")


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def expand_configuration(role_name: str, config: Mapping[str, Any]) -> list[Grant]:
    """A custom role's configuration as statements; unknown keys kept raw."""
    out: list[Grant] = []

    def add(key: str, config_key: str, value: Any) -> None:
        out.append(
            Grant(key, text_for(key), f"custom role {role_name}: {config_key}={_value(value)}")
        )

    for ck in sorted(config):
        value = config[ck]
        if ck not in KNOWN_KEYS:
            out.append(Grant(f"raw:{ck}", f"{ck} = {_value(value)}", f"custom role {role_name}"))
            continue
        if ck in _SKIP:
            continue
        if ck == "ticket_access":
            if isinstance(value, str) and value in _TICKET_ACCESS:
                add(_TICKET_ACCESS[value], ck, value)
            elif value not in _NO:
                out.append(
                    Grant(f"raw:{ck}", f"{ck} = {_value(value)}", f"custom role {role_name}")
                )
        elif ck == "ticket_comment_access":
            if value == "public":
                add("comments.public", ck, value)
            elif value == "private":
                add("comments.private_only", ck, value)
        elif ck in ("end_user_profile_access", "report_access", "explore_access"):
            level = _LEVELS.get(str(value))
            prefix = {"end_user_profile_access": "end_users", "report_access": "reports"}.get(
                ck, "explore"
            )
            if level is not None and f"{prefix}.{level}" in TEXTS:
                add(f"{prefix}.{level}", ck, value)
        elif ck == "end_user_list_access":
            if value == "full":
                add("end_users.list_full", ck, value)
        elif ck in ("manage_roles", "manage_team_members"):
            if value not in _NO and value != "readonly":
                add("manage." + ck.removeprefix("manage_"), ck, value)
        elif ck == "custom_objects":
            for name, spec in sorted((value or {}).items()):
                scopes = spec.get("scopes", []) if isinstance(spec, dict) else []
                for scope in scopes:
                    add(f"object.{name}.{scope}", f"custom_objects.{name}", scope)
        elif ck in _BOOL_KEYS:
            if value is True:
                add(_BOOL_KEYS[ck], ck, value)
        elif ck.startswith("manage_"):
            if value not in _NO and value != "readonly":
                add("manage." + ck.removeprefix("manage_"), ck, value)
        elif value not in _NO and value != "readonly":
            add("can." + ck, ck, value)
    return out


@dataclass(frozen=True)
class AccountFlags:
    """The built-in role and user flags of one help-desk account."""

    role: str  # agent | admin
    role_type: int | None = None
    custom_role_name: str | None = None
    restricted_agent: bool | None = None
    report_csv: bool | None = None
    ticket_restriction: str | None = None
    only_private_comments: bool | None = None
    shared_agent: bool | None = None


def effective_grants(flags: AccountFlags, config: Mapping[str, Any] | None) -> list[Grant]:
    """Built-in role + custom role + user flags, one statement per (key, reason)."""
    grants: list[Grant] = []
    if flags.role == "admin":
        grants += [Grant(k, text_for(k), "built-in role admin") for k in ADMIN_GRANTS]
    elif config is not None:
        grants += expand_configuration(flags.custom_role_name or "(unnamed)", config)
    elif flags.role_type == 1:
        grants += [
            Grant("agent.light", text_for("agent.light"), "built-in role light agent"),
            Grant("tickets.all", text_for("tickets.all"), "built-in role light agent"),
            Grant("comments.private_only", text_for("comments.private_only"), "light agent"),
        ]
    else:
        via = "built-in role agent"
        grants += [
            Grant("tickets.all", text_for("tickets.all"), via),
            Grant("comments.public", text_for("comments.public"), via),
            Grant("end_users.edit", text_for("end_users.edit"), via),
        ]
    if flags.ticket_restriction and flags.role != "admin":
        scoped = _RESTRICTION.get(flags.ticket_restriction)
        grants = [g for g in grants if not g.key.startswith("tickets.") or g.key in PRIVILEGED]
        via = f"user flag ticket_restriction={flags.ticket_restriction}"
        if scoped:
            grants.append(Grant(scoped, text_for(scoped), via))
        else:
            grants.append(
                Grant(
                    "raw:ticket_restriction",
                    f"ticket_restriction = {flags.ticket_restriction}",
                    via,
                )
            )
    if flags.only_private_comments:
        grants = [g for g in grants if g.key != "comments.public"]
        grants.append(
            Grant(
                "comments.private_only",
                text_for("comments.private_only"),
                "user flag only_private_comments",
            )
        )
    if flags.report_csv:
        grants.append(Grant("export.csv", text_for("export.csv"), "user flag report_csv"))
    if flags.restricted_agent and flags.role != "admin":
        grants.append(
            Grant("agent.restricted", text_for("agent.restricted"), "user flag restricted_agent")
        )
    if flags.shared_agent:
        grants.append(Grant("account.shared", text_for("account.shared"), "user flag shared_agent"))
    return _dedupe(grants)


def _dedupe(grants: Iterable[Grant]) -> list[Grant]:
    seen: set[tuple[str, str]] = set()
    out = []
    for g in grants:
        if (g.key, g.via) not in seen:
            seen.add((g.key, g.via))
            out.append(g)
    return out


def grant_keys(grants: Iterable[Grant]) -> frozenset[str]:
    return frozenset(g.key for g in grants)
