"""Connect to Zendesk, show the connection, disconnect (administrator, step-up, audited).

The token is tested with ``GET /api/v2/users/me.json`` and, once it works, stored in
``zd_connection`` inside the encrypted workspace (a ``PersonalText`` column: sealed on
PostgreSQL). It is never written to a file, a log or an audit detail: the audit events
name the subdomain, the host, the kind of token and the owner's Zendesk id and role.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.security.guard import Service
from app.security.permissions import Permission
from app.zendesk.client import (
    Budget,
    Client,
    ZendeskAuthError,
    ZendeskError,
    check_base_url,
    default_base_url,
)
from models.zendesk_api import ZendeskConnection, ZendeskStaged, ZendeskSyncState

ME = "/api/v2/users/me.json"
STAFF = ("admin", "agent")


@dataclass(frozen=True)
class KindState:
    kind: str
    last_sync_at: str | None
    last_objects: int
    running: bool
    pages: int  # pages committed of the sync under way

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "last_sync_at": self.last_sync_at,
            "last_objects": self.last_objects,
            "running": self.running,
            "pages_committed": self.pages,
        }


@dataclass(frozen=True)
class ConnectionStatus:
    connected: bool
    subdomain: str | None = None
    base_url: str | None = None
    auth: str | None = None  # token | oauth
    owner_id: int | None = None
    owner_name: str | None = None
    owner_role: str | None = None
    connected_at: str | None = None
    connected_by: str | None = None
    budget: Mapping[str, Any] = field(default_factory=dict)
    kinds: tuple[KindState, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "subdomain": self.subdomain,
            "base_url": self.base_url,
            "auth": self.auth,
            "owner": {"id": self.owner_id, "name": self.owner_name, "role": self.owner_role},
            "connected_at": self.connected_at,
            "connected_by": self.connected_by,
            "api_budget": dict(self.budget),
            "last_sync": {k.kind: k.to_json() for k in self.kinds},
        }


Sleeper = Callable[[float], None]


def client_for(
    row: ZendeskConnection,
    sleep: Sleeper = time.sleep,
    transport: httpx.BaseTransport | None = None,
) -> Client:
    return Client(row.base_url, row.auth, row.email, row.token, sleep=sleep, transport=transport)


def load_connection(s: Session) -> ZendeskConnection:
    row = s.get(ZendeskConnection, 1)
    if row is None:
        raise ZendeskError("not connected to Zendesk: run `privdesk zendesk connect` first")
    return row


def save_budget(s: Session, row: ZendeskConnection, budget: Budget) -> None:
    if budget.remaining is not None:
        row.budget_json = json.dumps(budget.to_json(), sort_keys=True)
        s.flush()


class ConnectionService(Service):
    """`zendesk.connect` for connect/disconnect (administrator, step-up); status is a read."""

    def __init__(
        self,
        ctx: Any,
        principal: Any,
        *,
        sleep: Sleeper = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(ctx, principal)
        self._sleep = sleep
        self._transport = transport

    def connect(
        self,
        *,
        subdomain: str,
        email: str | None,
        token: str,
        base_url: str | None = None,
        oauth: bool = False,
    ) -> ConnectionStatus:
        """Test the token against /users/me and store it; replaces an earlier connection."""
        with self.authorized(
            Permission.ZENDESK_CONNECT, action="zendesk.connect", step_up=True
        ) as (s, actor):
            url = check_base_url(base_url) if base_url else default_base_url(subdomain)
            if not token.strip():
                raise ZendeskError("the API token is empty (PRIVDESK_ZENDESK_TOKEN or the prompt)")
            if not oauth and not (email and "@" in email):
                raise ZendeskError("an API token needs --email (the Zendesk user it belongs to)")
            kind = "oauth" if oauth else "token"
            client = Client(
                url,
                kind,
                None if oauth else email,
                token.strip(),
                sleep=self._sleep,
                transport=self._transport,
            )
            with client:
                user = client.get(ME).data.get("user")
            if not isinstance(user, dict) or not isinstance(user.get("id"), int):
                raise ZendeskAuthError(
                    f"GET {ME}: Zendesk did not name a signed-in user; the token needs a valid "
                    "API token (or OAuth token) of an active user"
                )
            role = user.get("role") if isinstance(user.get("role"), str) else None
            if role not in STAFF:
                raise ZendeskAuthError(
                    f"GET {ME}: the token belongs to an {role or 'unknown'} user; a sync needs "
                    "an admin (or an agent who can view users, groups and tickets)"
                )
            old = s.get(ZendeskConnection, 1)
            if old is not None and old.base_url != client.base_url:
                _forget_syncs(s)  # another account: its cursors mean nothing here
            if old is not None:
                s.delete(old)
                s.flush()
            name = user.get("name") if isinstance(user.get("name"), str) else None
            row = ZendeskConnection(
                id=1,
                subdomain=subdomain.strip().lower(),
                base_url=client.base_url,
                email=None if oauth else email,
                auth=kind,
                token=token.strip(),
                owner_id=user["id"],
                owner_name=name,
                owner_role=role,
                connected_at=utc_iso(self.ctx.clock.now()),
                connected_by=actor.username,
                budget_json="{}",
            )
            s.add(row)
            save_budget(s, row, client.budget)
            self.audit(
                s,
                "zendesk.connect",
                object_type="zendesk_connection",
                object_id=row.subdomain,
                details={
                    "host": urlsplit(client.base_url).hostname,
                    "auth": kind,
                    "owner_id": row.owner_id,
                    "owner_role": role,
                    "replaced": old is not None,
                },
            )
            return _status(s, row)

    def status(self) -> ConnectionStatus:
        with self.authorized(Permission.HELPDESK_VIEW, action="zendesk.status") as (s, _):
            row = s.get(ZendeskConnection, 1)
            self.audit(s, "zendesk.status", object_type="zendesk_connection")
            if row is None:
                return ConnectionStatus(False, kinds=_kinds(s))
            return _status(s, row)

    def disconnect(self) -> bool:
        """Erase the stored token (and the connection); False if there was none."""
        with self.authorized(
            Permission.ZENDESK_CONNECT, action="zendesk.disconnect", step_up=True
        ) as (s, _):
            row = s.get(ZendeskConnection, 1)
            if row is None:
                return False
            subdomain = row.subdomain
            s.delete(row)
            s.flush()
            self.audit(
                s, "zendesk.disconnect", object_type="zendesk_connection", object_id=subdomain
            )
            return True


def _forget_syncs(s: Session) -> None:
    s.execute(delete(ZendeskStaged))
    s.execute(delete(ZendeskSyncState))


def _kinds(s: Session) -> tuple[KindState, ...]:
    rows = s.scalars(select(ZendeskSyncState).order_by(ZendeskSyncState.kind))
    return tuple(
        KindState(r.kind, r.last_sync_at, r.last_objects, r.running, r.pages) for r in rows
    )


def _status(s: Session, row: ZendeskConnection) -> ConnectionStatus:
    return ConnectionStatus(
        True,
        row.subdomain,
        row.base_url,
        row.auth,
        row.owner_id,
        row.owner_name,
        row.owner_role,
        row.connected_at,
        row.connected_by,
        json.loads(row.budget_json or "{}"),
        _kinds(s),
    )
