"""Zendesk exports: which file holds what, and each record turned into a table row.

Both shapes Zendesk produces are accepted, per file: API responses (``{"users": [...],
"next_page": …}``, a bare list, or one API page per line) and the NDJSON account export
(one object per line; tickets may embed a ``comments`` array). A file's kind comes from
its name (``users.json``, ``tickets-2.ndjson``, ``ticket_comments_123.json`` …) or, failing
that, from its content.

Required fields (Zendesk's own required fields, ZENDESK.md; a record without one is refused
with its location): every record its ``id``; a user a ``name`` or an ``email``; an identity
its ``user_id``, ``type`` and ``value``; a custom role, group or organization its ``name``;
a membership its ``user_id`` and ``group_id``; a ticket its ``requester_id`` and a
``subject`` or ``description`` (tickets from chat or voice may have no subject); a comment
its ``author_id`` and a ``body``, ``html_body`` or ``plain_body``; an audit log record its
``action`` and ``created_at``; an access log record its ``timestamp``. A user's ``role``
accepts only Zendesk's three values (an audit log's ``action`` is kept as a code: Zendesk
may add actions). Text limits:
see :mod:`app.importers.fields` (64 KiB a field, 1 MiB a body or description).

``account_settings.json`` (``GET /api/v2/account/settings``) is kept verbatim; the sign-in
facts are read from ``settings.security``::

    {"settings": {"security": {"sso": {"enabled": true, "type": "saml"},
                               "sign_in_methods": {"zendesk": true, "google": false,
                                                   "microsoft": false, "saml": true}}}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.importers.fields import (
    BadValue,
    Spec,
    apply_spec,
    as_body,
    as_bool,
    as_code,
    as_dict,
    as_email,
    as_id,
    as_int,
    as_int_list,
    as_list,
    as_str,
    as_str_list,
    as_text_id,
    as_timestamp,
    describe,
    dumps,
    has_surrogate,
    one_of,
    required,
)
from app.importers.problems import Location, Problems
from app.importers.sources import SourceFile, peek

TS = as_timestamp

USERS: Spec = {
    "id": ("zendesk_id", as_id),
    "external_id": ("external_id", as_text_id),
    "name": ("name", as_str),
    "email": ("email", as_email),
    "phone": ("phone", as_str),
    "role": ("role", one_of("end-user", "agent", "admin")),
    "role_type": ("role_type", as_int),
    "custom_role_id": ("custom_role_id", as_int),
    "restricted_agent": ("restricted_agent", as_bool),
    "suspended": ("suspended", as_bool),
    "active": ("active", as_bool),
    "two_factor_auth_enabled": ("two_factor_auth_enabled", as_bool),
    "last_login_at": ("last_login_at", TS),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
    "organization_id": ("organization_id", as_int),
    "default_group_id": ("default_group_id", as_int),
    "shared_agent": ("shared_agent", as_bool),
    "report_csv": ("report_csv", as_bool),
    "only_private_comments": ("only_private_comments", as_bool),
    "ticket_restriction": ("ticket_restriction", as_code),
    "tags": ("tags_json", as_str_list),
}
IDENTITIES: Spec = {
    "id": ("zendesk_id", as_id),
    "user_id": ("user_id", as_id),
    "type": ("type", as_code),
    "value": ("value", required(as_str)),
    "verified": ("verified", as_bool),
    "primary": ("primary", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
CUSTOM_ROLES: Spec = {
    "id": ("zendesk_id", as_id),
    "name": ("name", required(as_str)),
    "description": ("description", as_str),
    "role_type": ("role_type", as_int),
    "team_member_count": ("team_member_count", as_int),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
    "configuration": ("configuration_json", as_dict),
}
GROUPS: Spec = {
    "id": ("zendesk_id", as_id),
    "name": ("name", required(as_str)),
    "description": ("description", as_str),
    "default": ("is_default", as_bool),
    "deleted": ("deleted", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
GROUP_MEMBERSHIPS: Spec = {
    "id": ("zendesk_id", as_id),
    "user_id": ("user_id", as_id),
    "group_id": ("group_id", as_id),
    "default": ("is_default", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
ORGANIZATIONS: Spec = {
    "id": ("zendesk_id", as_id),
    "name": ("name", required(as_str)),
    "external_id": ("external_id", as_text_id),
    "domain_names": ("domain_names_json", as_str_list),
    "tags": ("tags_json", as_str_list),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
TICKETS: Spec = {
    "id": ("id", as_id),
    "external_id": ("external_id", as_text_id),
    "subject": ("subject", as_str),
    "description": ("description", as_body),
    "status": ("status", as_code),
    "priority": ("priority", as_code),
    "type": ("type", as_code),
    "requester_id": ("requester_id", required(as_int)),
    "submitter_id": ("submitter_id", as_int),
    "assignee_id": ("assignee_id", as_int),
    "organization_id": ("organization_id", as_int),
    "group_id": ("group_id", as_int),
    "collaborator_ids": ("collaborator_ids_json", as_int_list),
    "follower_ids": ("follower_ids_json", as_int_list),
    "email_cc_ids": ("email_cc_ids_json", as_int_list),
    "tags": ("tags_json", as_str_list),
    "custom_fields": ("custom_fields_json", as_list),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
COMMENTS: Spec = {
    "id": ("id", as_id),
    "ticket_id": ("ticket_id", as_int),
    "author_id": ("author_id", required(as_int)),
    "body": ("body", as_body),
    "html_body": ("html_body", as_body),
    "plain_body": ("plain_body", as_body),
    "public": ("public", as_bool),
    "created_at": ("created_at", TS),
}
AUDIT_LOGS: Spec = {
    "id": ("id", as_id),
    "action": ("action", required(as_code)),
    "action_label": ("action_label", as_str),
    "actor_id": ("actor_id", as_int),
    "actor_name": ("actor_name", as_str),
    "source_type": ("source_type", as_code),
    "source_id": ("source_id", as_int),
    "source_label": ("source_label", as_str),
    "change_description": ("change_description", as_body),
    "ip_address": ("ip_address", as_str),
    "created_at": ("created_at", required(TS)),
}


def _access_id(value: Any) -> str:
    if value is None:
        raise BadValue("is missing", quote=False)
    text = as_text_id(value)
    assert text is not None
    return text


ACCESS_LOGS: Spec = {
    "id": ("id", _access_id),
    "timestamp": ("timestamp", required(TS)),
    "user_id": ("user_id", as_int),
    "ip_address": ("ip_address", as_str),
    "method": ("method", as_code),
    "url": ("url", as_str),
    "status": ("status", as_int),
    "authorization_type": ("authorization_type", as_code),
    "category": ("category", as_code),
    "summary": ("summary", as_str),
}


@dataclass(frozen=True)
class Kind:
    name: str
    list_key: str  # the list in an API response
    spec: Spec | None
    directory: bool
    aliases: tuple[str, ...]


KINDS: tuple[Kind, ...] = (
    # Order matters: referenced kinds come before the kinds that reference them.
    Kind("organizations", "organizations", ORGANIZATIONS, True, ("organizations",)),
    Kind("custom_roles", "custom_roles", CUSTOM_ROLES, True, ("custom_roles", "roles")),
    Kind("groups", "groups", GROUPS, True, ("groups",)),
    Kind("users", "users", USERS, True, ("users",)),
    Kind("identities", "identities", IDENTITIES, True, ("user_identities", "identities")),
    Kind(
        "group_memberships",
        "group_memberships",
        GROUP_MEMBERSHIPS,
        True,
        ("group_memberships", "memberships"),
    ),
    Kind("account_settings", "settings", None, True, ("account_settings", "settings")),
    Kind("tickets", "tickets", TICKETS, False, ("tickets",)),
    Kind("ticket_comments", "comments", COMMENTS, False, ("ticket_comments", "comments")),
    Kind("audit_logs", "audit_logs", AUDIT_LOGS, False, ("audit_logs",)),
    Kind("access_logs", "access_logs", ACCESS_LOGS, False, ("access_logs",)),
)
BY_NAME = {k.name: k for k in KINDS}
_ALIASES = sorted(((a, k) for k in KINDS for a in k.aliases), key=lambda p: -len(p[0]))
SUFFIXES = (".json", ".ndjson", ".jsonl")


def kind_from_name(name: str) -> Kind | None:
    stem = name.lower()
    for suffix in SUFFIXES:
        stem = stem.removesuffix(suffix)
    stem = re.sub(r"[^a-z0-9]+", "_", stem).strip("_")
    for alias, kind in _ALIASES:
        if stem == alias or stem.startswith(alias + "_"):
            return kind
    return None


def _kind_of_record(rec: Mapping[str, Any]) -> str | None:
    keys = set(rec)
    if "configuration" in keys:
        return "custom_roles"
    if {"requester_id", "subject"} & keys and "author_id" not in keys:
        return "tickets"
    if {"author_id"} <= keys and keys & {"body", "html_body", "plain_body"}:
        return "ticket_comments"
    if {"user_id", "group_id"} <= keys:
        return "group_memberships"
    if {"user_id", "type", "value"} <= keys:
        return "identities"
    if {"action", "source_type"} <= keys:
        return "audit_logs"
    if {"method", "url"} <= keys and keys & {"timestamp", "status"}:
        return "access_logs"
    if "role" in keys and keys & {"email", "name"}:
        return "users"
    if "domain_names" in keys:
        return "organizations"
    if "name" in keys and keys & {"default", "deleted"}:
        return "groups"
    return None


def kind_from_content(src: SourceFile) -> Kind | None:
    first = peek(src)
    if first is None:
        return None
    for kind in KINDS:
        value = first.get(kind.list_key)
        if isinstance(value, list) or (kind.name == "account_settings" and isinstance(value, dict)):
            return kind
    name = _kind_of_record(first)
    return BY_NAME[name] if name else None


def comments_ticket_from_name(name: str) -> int | None:
    """``ticket_comments_123.json`` / ``tickets_123_comments.json`` → 123 (API per ticket)."""
    match = re.search(r"(\d{1,18})(?!\d)", name.lower().rsplit(".", 1)[0])
    return int(match.group(1)) if match and "comment" in name.lower() else None


def normalise(kind: Kind, rec: dict[str, Any], loc: Location, problems: Problems) -> Any:
    """The row for one record (None after recording problems)."""
    assert kind.spec is not None
    skip = frozenset({"comments"}) if kind.name == "tickets" else frozenset()
    row = apply_spec(rec, kind.spec, loc, problems, skip=skip)
    if row is None:
        return None
    missing = _missing(kind.name, row)
    if missing:
        problems.add(loc, missing)
        return None
    if kind.name == "users" and row.get("role") is None:
        row["role"] = "end-user"
    return row


def _missing(kind: str, row: dict[str, Any]) -> str | None:
    """The problem of a record without the fields its kind needs (one of several)."""

    def absent(*columns: str) -> bool:
        return all(row.get(c) in (None, "") for c in columns)

    if kind == "users" and absent("name", "email"):
        return "name and email are both missing"
    if kind == "identities" and absent("type"):
        return "type is missing"
    if kind == "tickets" and absent("subject", "description"):
        return "subject and description are both missing"
    if kind == "ticket_comments" and absent("body", "html_body", "plain_body"):
        return "body is missing (no body, html_body or plain_body)"
    return None


def embedded_comments(rec: dict[str, Any], loc: Location, problems: Problems) -> list[Any]:
    value = rec.get("comments")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        problems.add(loc, "comments is not a list of objects")
        return []
    return value


# ---------------------------------------------------------------- account settings


def _enabled_methods(raw: Any, label: str, loc: Location, problems: Problems) -> list[str] | None:
    """Names switched on in ``{name: bool}`` or ``{name: {"enabled": bool, …}}``."""
    methods: list[str] = []
    try:
        for name, value in as_dict(raw).items():
            flag = value.get("enabled") if isinstance(value, dict) else value
            if as_bool(flag):
                methods.append(name)
    except BadValue as bad:
        problems.add(loc, describe(label, raw, bad))
        return None
    return methods


def auth_settings(rec: dict[str, Any], loc: Location, problems: Problems) -> dict[str, Any] | None:
    """Sign-in methods and SSO from account settings; the settings kept verbatim.

    Read from ``security.sign_in_methods`` (``{name: bool}``) or
    ``security.team_member_authentication`` (``{name: {"enabled": bool, "roles": […]}}``),
    and ``security.sso_enabled`` or ``security.sso.enabled``; a SAML/JWT/SSO method that
    is switched on also means SSO is on.
    """
    if isinstance(rec.get("settings"), dict):  # {"settings": {...}} on one NDJSON line
        rec = rec["settings"]
    try:
        settings_json = dumps(rec)
    except RecursionError:
        problems.add(loc, "the record is nested too deeply")
        return None
    if has_surrogate(settings_json):
        problems.add(loc, "settings are not valid Unicode text (a lone surrogate)")
        return None
    verbatim: dict[str, Any] = {
        "sso_enabled": None,
        "methods_json": "[]",
        "settings_json": settings_json,
    }
    security = rec.get("security")
    if security is None:
        return verbatim
    if not isinstance(security, dict):
        problems.add(loc, "security is not an object")
        return None
    sso: bool | None = None
    methods: list[str] = []
    for key in ("sign_in_methods", "team_member_authentication"):
        if key in security:
            found = _enabled_methods(security[key], f"security.{key}", loc, problems)
            if found is None:
                return None
            methods += found
            sso = any(m in ("saml", "jwt", "sso") for m in methods)
    raw_sso = security.get("sso_enabled", security.get("sso"))
    try:
        flag = as_bool(raw_sso.get("enabled") if isinstance(raw_sso, dict) else raw_sso)
    except BadValue as bad:
        problems.add(loc, describe("security.sso_enabled", raw_sso, bad))
        return None
    if flag is not None:
        sso = flag or bool(sso)
    verbatim.update(sso_enabled=sso, methods_json=dumps(sorted(set(methods))))
    return verbatim
