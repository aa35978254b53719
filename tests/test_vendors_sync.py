"""Issue 21: help-desk integrations discovered over the Zendesk connection (real HTTP to the
local test server, serving the Zendesk reference payloads of tests/data/zendesk_integrations/).

The sync reads the same five endpoints the file import reads, follows their pagination,
checks every page before writing, and stores exactly what the file import stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.jobs import Cancelled, JobControl
from app.security.auth import AuthService
from app.security.guard import PermissionDenied
from app.vendors.records import VendorError
from app.vendors.service import VendorService
from app.zendesk.client import ZendeskError
from app.zendesk.connection import ConnectionService
from models.vendors import Integration
from tests.conftest import SignedIn
from tests.helpdesk_helpers import audit_events
from tests.zendesk_server import EMAIL, TOKEN, ZendeskServer

DATA = Path(__file__).parent / "data" / "zendesk_integrations"


@pytest.fixture
def server() -> Iterator[ZendeskServer]:
    with ZendeskServer(page_limit=2) as running:  # two a page: pagination is followed
        yield running


@pytest.fixture
def officer(admin: SignedIn, server: ZendeskServer) -> Any:
    stepped = AuthService(admin.ctx).step_up(admin.principal, admin.code())
    ConnectionService(admin.ctx, stepped, sleep=lambda _s: None).connect(
        subdomain="acme", email=EMAIL, token=TOKEN, base_url=server.url
    )
    principal, _ = admin.add_operator("olive", ["privacy_officer"])
    return principal


def _stored(admin: SignedIn) -> list[tuple[str, str, str, str, str | None]]:
    with admin.ctx.read_session() as s:
        rows = s.scalars(select(Integration).order_by(Integration.kind, Integration.zendesk_id))
        return [(i.kind, i.zendesk_id, i.name, i.scopes_json, i.used_at) for i in rows]


def test_the_sync_stores_what_the_file_import_stores(
    admin: SignedIn, officer: Any, server: ZendeskServer, tmp_path: Path
) -> None:
    result = VendorService(admin.ctx, officer).sync_integrations(sleep=lambda _s: None)
    synced = _stored(admin)
    expected_counts = {
        kind: len(json.loads((DATA / name).read_text())[envelope])
        for name, (envelope, kind) in {
            "oauth_clients.json": ("clients", "oauth_client"),
            "oauth_tokens.json": ("tokens", "oauth_token"),
            "apps_installations.json": ("installations", "app_installation"),
            "api_tokens.json": ("api_tokens", "api_token"),
            "webhooks.json": ("webhooks", "webhook"),
        }.items()
    }
    assert result.by_kind == expected_counts and result.added == sum(expected_counts.values())
    assert result.files == (
        "GET /api/v2/oauth/clients.json",
        "GET /api/v2/oauth/tokens.json",
        "GET /api/v2/apps/installations.json",
        "GET /api/v2/api_tokens.json",
        "GET /api/v2/webhooks",
    )
    tokens = [r for r in server.requests if r.path == "/api/v2/oauth/tokens.json"]
    assert all(r.query.get("all") == ["true"] for r in tokens)  # every user's, not the caller's
    assert len(tokens) == -(-expected_counts["oauth_token"] // 2)  # each page fetched once

    # The file import of the same payloads in a second workspace gives the same rows.
    from tests.conftest import sign_in_admin

    other = sign_in_admin(tmp_path / "other")
    try:
        officer2, _ = other.add_operator("olive", ["privacy_officer"])
        VendorService(other.ctx, officer2).import_integrations([DATA])
        assert _stored(other) == synced
    finally:
        other.ctx.close()

    # Again: nothing new, every row updated in place.
    again = VendorService(admin.ctx, officer).sync_integrations(sleep=lambda _s: None)
    assert again.added == 0 and again.updated == result.added
    event = audit_events(admin.ctx, "vendors.integrations.import")[-1]["details"]
    assert event == {"origin": "zendesk", "sources": 5, "added": 0, "updated": result.added}
    assert TOKEN not in json.dumps(event)


def test_a_bad_page_names_the_request_and_record_and_stores_nothing(
    admin: SignedIn, officer: Any, server: ZendeskServer
) -> None:
    server.fail("/api/v2/webhooks", "bad_record")
    with pytest.raises(VendorError) as err:
        VendorService(admin.ctx, officer).sync_integrations(sleep=lambda _s: None)
    message = str(err.value)
    assert message.startswith("GET /api/v2/webhooks page 1: record 0 (webhooks[0]): field")
    assert "created_at" in message and TOKEN not in message
    assert _stored(admin) == []  # the four endpoints read before were not written either


def test_a_cancelled_sync_stores_nothing(admin: SignedIn, officer: Any) -> None:
    control = JobControl()
    control.cancel()
    with pytest.raises(Cancelled):
        VendorService(admin.ctx, officer).sync_integrations(control, sleep=lambda _s: None)
    assert _stored(admin) == []


def test_without_a_connection_it_says_how_to_connect(admin: SignedIn) -> None:
    officer, _ = admin.add_operator("olive", ["privacy_officer"])
    with pytest.raises(ZendeskError, match="run `privdesk zendesk connect` first"):
        VendorService(admin.ctx, officer).sync_integrations()


def test_an_auditor_may_not_sync(admin: SignedIn, officer: Any, server: ZendeskServer) -> None:
    auditor, _ = admin.add_operator("aud", ["auditor"])
    with pytest.raises(PermissionDenied):
        VendorService(admin.ctx, auditor).sync_integrations()
    assert not [r for r in server.requests if "oauth" in r.path]
    with admin.ctx.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Integration)) == 0


def test_cli_vendors_integrations_sync(
    admin: SignedIn, server: ZendeskServer, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from app.cli.main import main
    from app.clock import SystemClock
    from app.security import totp

    stepped = AuthService(admin.ctx).step_up(admin.principal, admin.code())
    ConnectionService(admin.ctx, stepped, sleep=lambda _s: None).connect(
        subdomain="acme", email=EMAIL, token=TOKEN, base_url=server.url
    )
    _, secret = admin.add_operator("olive", ["privacy_officer"])
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "olive")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")
    admin.clock.advance(30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
    assert main(["vendors", "integrations", "sync"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("read 5 endpoints over the Zendesk connection: ")
    assert "oauth_token 3" in out and TOKEN not in out + err
    admin.clock.advance(30)  # a fresh code: a code is accepted once
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
    assert main(["vendors", "findings", "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert {"app_without_vendor", "excessive_scope"} <= {f["type"] for f in findings}
