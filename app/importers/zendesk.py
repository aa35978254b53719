"""Zendesk exports: which file holds what, and each record turned into a table row.

Both shapes Zendesk produces are accepted, per file: API responses (``{"users": [...],
"next_page": …}``, a bare list, or one API page per line) and the NDJSON account export
(one object per line; tickets may embed a ``comments`` array). A file's kind comes from
its name (``users.json``, ``tickets-2.ndjson``, ``ticket_comments_123.json`` …) or, failing
that, from its content; single objects, side-loads and search results are described in
:mod:`app.importers.zendesk_shapes`. Integer fields accept whole floats (``123.0``), as
JSON tools that read numbers as doubles write them.

Required fields (Zendesk's own required fields, ZENDESK.md; a record without one is refused
with its location): every record its ``id`` (a user may have no name, email or phone:
deleted users have none); an identity
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
    as_int_or_digits,
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

TS = as_timestamp
EXACT_FLOAT = 1 << 53  # beyond this a float no longer holds every integer exactly


def _whole(value: Any) -> Any:
    """A float with no fraction (``6139157572367.0``, ``-1.0``) as the integer it writes."""
    if isinstance(value, float) and value.is_integer():
        if abs(value) > EXACT_FLOAT:
            raise BadValue("is a floating-point number too large to be an exact id", quote=True)
        return int(value)
    return value


def whole(coerce: Any) -> Any:
    """`coerce` for an integer field, accepting whole floats as JSON tools write them."""

    def check(value: Any) -> Any:
        if isinstance(value, list):
            return coerce([_whole(v) for v in value])
        return coerce(_whole(value))

    return check


ID = whole(as_id)
INT = whole(as_int)
INTS = whole(as_int_list)
TEXT_ID = whole(as_text_id)

USERS: Spec = {
    "id": ("zendesk_id", ID),
    "external_id": ("external_id", TEXT_ID),
    "name": ("name", as_str),
    "email": ("email", as_email),
    "phone": ("phone", as_str),
    "role": ("role", one_of("end-user", "agent", "admin")),
    "role_type": ("role_type", INT),
    "custom_role_id": ("custom_role_id", INT),
    "restricted_agent": ("restricted_agent", as_bool),
    "suspended": ("suspended", as_bool),
    "active": ("active", as_bool),
    "two_factor_auth_enabled": ("two_factor_auth_enabled", as_bool),
    "last_login_at": ("last_login_at", TS),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
    "organization_id": ("organization_id", INT),
    "default_group_id": ("default_group_id", INT),
    "shared_agent": ("shared_agent", as_bool),
    "report_csv": ("report_csv", as_bool),
    "only_private_comments": ("only_private_comments", as_bool),
    "ticket_restriction": ("ticket_restriction", as_code),
    "tags": ("tags_json", as_str_list),
}
IDENTITIES: Spec = {
    "id": ("zendesk_id", ID),
    "user_id": ("user_id", ID),
    "type": ("type", as_code),
    "value": ("value", required(as_str)),
    "verified": ("verified", as_bool),
    "primary": ("primary", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
CUSTOM_ROLES: Spec = {
    "id": ("zendesk_id", ID),
    "name": ("name", required(as_str)),
    "description": ("description", as_str),
    "role_type": ("role_type", INT),
    "team_member_count": ("team_member_count", INT),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
    "configuration": ("configuration_json", as_dict),
}
GROUPS: Spec = {
    "id": ("zendesk_id", ID),
    "name": ("name", required(as_str)),
    "description": ("description", as_str),
    "default": ("is_default", as_bool),
    "deleted": ("deleted", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
GROUP_MEMBERSHIPS: Spec = {
    "id": ("zendesk_id", ID),
    "user_id": ("user_id", ID),
    "group_id": ("group_id", ID),
    "default": ("is_default", as_bool),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
ORGANIZATIONS: Spec = {
    "id": ("zendesk_id", ID),
    "name": ("name", required(as_str)),
    "external_id": ("external_id", TEXT_ID),
    "domain_names": ("domain_names_json", as_str_list),
    "tags": ("tags_json", as_str_list),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
TICKETS: Spec = {
    "id": ("id", ID),
    "external_id": ("external_id", TEXT_ID),
    "subject": ("subject", as_str),
    "description": ("description", as_body),
    "status": ("status", as_code),
    "priority": ("priority", as_code),
    "type": ("type", as_code),
    "requester_id": ("requester_id", required(INT)),
    "submitter_id": ("submitter_id", INT),
    "assignee_id": ("assignee_id", INT),
    "organization_id": ("organization_id", INT),
    "group_id": ("group_id", INT),
    "collaborator_ids": ("collaborator_ids_json", INTS),
    "follower_ids": ("follower_ids_json", INTS),
    "email_cc_ids": ("email_cc_ids_json", INTS),
    "tags": ("tags_json", as_str_list),
    "custom_fields": ("custom_fields_json", as_list),
    "created_at": ("created_at", TS),
    "updated_at": ("updated_at", TS),
}
COMMENTS: Spec = {
    "id": ("id", ID),
    "ticket_id": ("ticket_id", INT),
    "author_id": ("author_id", required(INT)),
    "body": ("body", as_body),
    "html_body": ("html_body", as_body),
    "plain_body": ("plain_body", as_body),
    "public": ("public", as_bool),
    "created_at": ("created_at", TS),
}
AUDIT_LOGS: Spec = {
    "id": ("id", ID),
    "action": ("action", required(as_code)),
    "action_label": ("action_label", as_str),
    "actor_id": ("actor_id", INT),
    "actor_name": ("actor_name", as_str),
    "source_type": ("source_type", as_code),
    "source_id": ("source_id", INT),
    "source_label": ("source_label", as_str),
    "change_description": ("change_description", as_body),
    "ip_address": ("ip_address", as_str),
    "created_at": ("created_at", required(TS)),
}


def _access_id(value: Any) -> str:
    if value is None:
        raise BadValue("is missing", quote=False)
    text = TEXT_ID(value)
    assert isinstance(text, str)
    return text


ACCESS_LOGS: Spec = {
    "id": ("id", _access_id),
    "timestamp": ("timestamp", required(TS)),
    "user_id": ("user_id", whole(as_int_or_digits)),  # a string in webhook payloads
    "ip_address": ("ip_address", as_str),
    "method": ("method", as_code),
    "url": ("url", as_str),
    "status": ("status", INT),
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
    single_key: str | None = None  # one object: {"user": {...}} (GET /users/{id}, POST …)
    more_keys: tuple[str, ...] = ()  # other page keys of this kind (side-load names)
    result_type: str | None = None  # its records in a search response's "results"

    @property
    def keys(self) -> tuple[str, ...]:
        """Page keys holding this kind's records: the list first, then the single object."""
        return tuple(
            dict.fromkeys((self.list_key, self.single_key or self.list_key, *self.more_keys))
        )


KINDS: tuple[Kind, ...] = (
    # Order matters: referenced kinds come before the kinds that reference them.
    Kind(
        "organizations",
        "organizations",
        ORGANIZATIONS,
        True,
        ("organizations",),
        "organization",
        result_type="organization",
    ),
    # include=roles side-loads a user's custom role as "roles".
    Kind(
        "custom_roles",
        "custom_roles",
        CUSTOM_ROLES,
        True,
        ("custom_roles", "roles"),
        "custom_role",
        ("roles",),
    ),
    Kind("groups", "groups", GROUPS, True, ("groups",), "group", result_type="group"),
    # GET /deleted_users: soft-deleted users (active false), kept as people.
    Kind(
        "users",
        "users",
        USERS,
        True,
        ("users", "deleted_users"),
        "user",
        ("deleted_users", "deleted_user"),
        result_type="user",
    ),
    Kind(
        "identities",
        "identities",
        IDENTITIES,
        True,
        ("user_identities", "identities"),
        "identity",
    ),
    Kind(
        "group_memberships",
        "group_memberships",
        GROUP_MEMBERSHIPS,
        True,
        ("group_memberships", "memberships"),
        "group_membership",
    ),
    Kind("account_settings", "settings", None, True, ("account_settings", "settings")),
    Kind("tickets", "tickets", TICKETS, False, ("tickets",), "ticket", result_type="ticket"),
    Kind(
        "ticket_comments", "comments", COMMENTS, False, ("ticket_comments", "comments"), "comment"
    ),
    Kind("audit_logs", "audit_logs", AUDIT_LOGS, False, ("audit_logs",), "audit_log"),
    Kind("access_logs", "access_logs", ACCESS_LOGS, False, ("access_logs",), "access_log"),
)
BY_NAME = {k.name: k for k in KINDS}
_ALIASES = sorted(((a, k) for k in KINDS for a in k.aliases), key=lambda p: -len(p[0]))
SUFFIXES = (".json", ".ndjson", ".jsonl")

# Recognised Zendesk responses that are not imported, and why (named in the summary).
AUDITS_REASON = (
    "ticket audits: recognised, not imported (ticket history would hold comment text and"
    " IP/location metadata that erasure and redaction do not cover yet)"
)
NOT_IMPORTED: dict[str, str] = {
    "audits": AUDITS_REASON,
    "audit": AUDITS_REASON,
    "last_audits": AUDITS_REASON,
    "ticket_events": "ticket events: recognised, not imported (no ticket history table yet)",
    "ticket_metric_events": "ticket metric events: recognised, not imported",
    "ticket_metrics": "ticket metrics: recognised, not imported",
    "metric_sets": "ticket metrics: recognised, not imported",
}
PAGE_KEYS = frozenset({key for k in KINDS for key in k.keys} | {"results"} | set(NOT_IMPORTED))


def stem_of(name: str) -> str:
    stem = name.lower().rsplit("/", 1)[-1]
    for suffix in SUFFIXES:
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^a-z0-9]+", "_", stem).strip("_")


def name_matches(stem: str, alias: str) -> bool:
    return stem == alias or stem.startswith(alias + "_")


def kind_from_name(name: str) -> Kind | None:
    stem = stem_of(name)
    for alias, kind in _ALIASES:
        if name_matches(stem, alias):
            return kind
    return None


def kind_of_record(rec: Mapping[str, Any]) -> str | None:
    keys = set(rec)
    if "configuration" in keys:
        return "custom_roles"
    if {"ticket_id", "events"} <= keys:
        return "ticket_audits"
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


def record_id(rec: Mapping[str, Any]) -> Any:
    """A record's id as imported (whole floats as integers), or None if it has none usable."""
    try:
        ident = _whole(rec.get("id"))
    except BadValue:
        return None
    return ident if isinstance(ident, int | str) and not isinstance(ident, bool) else None


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
