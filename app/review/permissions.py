"""Effective permissions: a custom role's `configuration` and the built-in roles and flags,
expanded into plain statements a reviewer can read ("can delete tickets").

Every statement says why it is held (`via`: which role, key or user flag grants it), so
the who-can-see-what view can answer "who can export CSV, and through what?". Keys of a
configuration this module does not know are never dropped: they become `raw:<key>`
statements showing the key and its value verbatim. What each key and value grants is data:
``resources/review/zendesk_permissions.toml`` (from Zendesk's custom-role reference).
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any


@dataclass(frozen=True)
class KeySpec:
    """One configuration key: Zendesk's meaning and the statement each value grants."""

    meaning: str
    values: Mapping[str, str]  # "true" / "full" / … -> statement key ("" grants nothing)
    scope: bool = False  # its statements say which tickets (ticket_restriction narrows them)
    verbatim: str | None = None  # a structured value, shown as it is under this statement


@dataclass(frozen=True)
class Catalogue:
    texts: Mapping[str, str]
    privileged: frozenset[str]
    keys: Mapping[str, KeySpec]


CATALOGUE_FILE = "zendesk_permissions.toml"


def load_catalogue(text: str) -> Catalogue:
    """The statements table; every value must name a declared statement."""
    data = tomllib.loads(text)
    texts: dict[str, str] = {}
    privileged: set[str] = set()
    for key, spec in data.get("statements", {}).items():
        texts[key] = str(spec["text"])
        if spec.get("privileged") is True:
            privileged.add(key)
    keys: dict[str, KeySpec] = {}
    for name, spec in data.get("keys", {}).items():
        values = {str(v).lower(): str(s) for v, s in dict(spec.get("values", {})).items()}
        verbatim = spec.get("verbatim")
        for statement in [*values.values(), *([verbatim] if verbatim else [])]:
            if statement and statement not in texts:
                raise ValueError(f"keys.{name}: statement {statement!r} is not declared")
        keys[name] = KeySpec(
            str(spec.get("meaning", "")), values, spec.get("scope") is True, verbatim
        )
    return Catalogue(texts, frozenset(privileged), keys)


@functools.cache
def catalogue() -> Catalogue:
    return load_catalogue(files("resources.review").joinpath(CATALOGUE_FILE).read_text("utf-8"))


# Statements that make an account privileged (finding `privileged`), and their texts.
PRIVILEGED = catalogue().privileged
TEXTS = catalogue().texts
KNOWN_KEYS = frozenset(catalogue().keys)
# Statements that say which tickets: a user's ticket_restriction replaces them.
SCOPE = frozenset(
    {s for k in catalogue().keys.values() if k.scope for s in k.values.values() if s}
    | {"tickets.requested"}
)
_RESTRICTION = {  # a user's ticket_restriction (Users API)
    "groups": "tickets.groups",
    "organization": "tickets.organization",
    "assigned": "tickets.assigned",
    "requested": "tickets.requested",
}

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


def _token(value: Any) -> str | None:
    """A scalar value as the catalogue writes it ("true", "full"); None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.lower()
    return None


def expand_configuration(role_name: str, config: Mapping[str, Any]) -> list[Grant]:
    """A custom role's configuration as statements: every key, every value.

    A documented value grants its statement (or, like false or "none", nothing); an
    undocumented value of a known key, or an unknown key, is a `raw:` statement showing
    the key and its value verbatim. A key set to null is not set."""
    out: list[Grant] = []
    keys = catalogue().keys
    where = f"custom role {role_name}"

    def add(key: str, config_key: str, value: Any) -> None:
        out.append(Grant(key, text_for(key), f"{where}: {config_key}={_value(value)}"))

    def raw(config_key: str, value: Any) -> None:
        out.append(Grant(f"raw:{config_key}", f"{config_key} = {_value(value)}", where))

    for ck in sorted(config):
        value, spec = config[ck], keys.get(ck)
        if spec is None:
            raw(ck, value)
        elif value is None:
            continue
        elif ck == "custom_objects" and isinstance(value, dict):
            for name, obj in sorted(value.items()):
                scopes = obj.get("scopes") if isinstance(obj, dict) else None
                if not isinstance(scopes, list):
                    raw(f"custom_objects.{name}", obj)
                    continue
                for scope in scopes:
                    add(f"object.{name}.{scope}", f"custom_objects.{name}", scope)
        elif spec.verbatim is not None:
            shown = spec.verbatim
            out.append(Grant(shown, f"{text_for(shown)}: {_value(value)}", f"{where}: {ck}"))
        else:
            token = _token(value)
            granted = spec.values.get(token) if token is not None else None
            if granted is None:
                raw(ck, value)
            elif granted:
                add(granted, ck, value)
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
    custom_role_id: int | None = None  # set with no configuration: an unknown custom role


def effective_grants(flags: AccountFlags, config: Mapping[str, Any] | None) -> list[Grant]:
    """Built-in role + custom role + user flags, one statement per (key, reason)."""
    grants: list[Grant] = []
    if flags.role == "admin":
        grants += [Grant(k, text_for(k), "built-in role admin") for k in ADMIN_GRANTS]
    elif config is not None:
        grants += expand_configuration(flags.custom_role_name or "(unnamed)", config)
    elif flags.custom_role_id is not None:
        pass  # a custom role the import does not have: its permissions are not invented
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
        # It limits WHICH tickets; what they may do with them (edit, merge, tags…) stays.
        grants = [g for g in grants if g.key not in SCOPE]
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
