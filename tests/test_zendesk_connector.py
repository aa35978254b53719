"""The Zendesk API connector (issue 18) against the local test server (tests/zendesk_server.py).

Connect (administrator, step-up): the token is tested with GET /users/me and kept inside
the encrypted workspace, never in a file, a log or an audit detail (SECRET-*, AUD-3).
Sync (privacy officer): the directory as ONE snapshot, tickets from the incremental
cursor export, retries on 429/500, one located message for a bad answer with nothing
written, cancel and resume. No test reaches the internet: every URL is 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.importers.problems import ImportFailed
from app.jobs import Cancelled, JobControl
from app.security.auth import AuthService, StepUpRequired
from app.zendesk.client import Client, ZendeskAuthError, ZendeskError, check_base_url
from app.zendesk.connection import ConnectionService
from app.zendesk.sync import SyncResult, SyncService
from models.helpdesk import Comment, Identity, Person, Snapshot, Ticket
from models.security import AuditEntry
from models.zendesk_api import ZendeskConnection, ZendeskStaged
from tests.conftest import SignedIn, scan_for_secrets
from tests.zendesk_server import EMAIL, OAUTH, TOKEN, ZendeskServer


@dataclass
class Desk:
    admin: SignedIn
    officer: Any
    officer_secret: str
    server: ZendeskServer
    sleeps: list[float]

    def admin_stepped(self) -> Any:
        return AuthService(self.admin.ctx).step_up(self.admin.principal, self.admin.code())

    def connection(self) -> ConnectionService:
        return ConnectionService(self.admin.ctx, self.admin_stepped(), sleep=self.sleeps.append)

    def connect(self, **kwargs: Any) -> Any:
        args: dict[str, Any] = {
            "subdomain": "acme",
            "email": EMAIL,
            "token": TOKEN,
            "base_url": self.server.url,
        }
        return self.connection().connect(**{**args, **kwargs})

    def sync(self, only: list[str] | None = None, control: JobControl | None = None) -> SyncResult:
        service = SyncService(self.admin.ctx, self.officer, sleep=self.sleeps.append)
        return service.sync(only, control)

    def count(self, model: Any) -> int:
        with self.admin.ctx.read_session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def server() -> Iterator[ZendeskServer]:
    with ZendeskServer() as running:
        yield running


@pytest.fixture
def desk(admin: SignedIn, server: ZendeskServer) -> Desk:
    officer, secret = admin.add_operator("olive", ["privacy_officer"])
    return Desk(admin, officer, secret, server, [])


def audit_details(desk: Desk) -> list[tuple[str, str]]:
    with desk.admin.ctx.read_session() as s:
        return [(e.action, e.details_json) for e in s.scalars(select(AuditEntry))]


# ---------------------------------------------------------------- connect


def test_connect_tests_the_token_and_keeps_it_in_the_workspace(desk: Desk) -> None:
    """Issue 18 connection; SECRET: GET /users/me with Basic {email}/token:{token}; the
    status names the account, the token's owner and role; the token sits in zd_connection
    and in no audit detail."""
    status = desk.connect()
    assert status.connected and status.owner_role == "admin" and status.owner_id == 1001
    assert status.base_url == desk.server.url and status.auth == "token"
    me = desk.server.requests[-1]
    assert (me.path, me.authenticated, me.auth) == ("/api/v2/users/me.json", True, "basic")
    with desk.admin.ctx.read_session() as s:
        row = s.get(ZendeskConnection, 1)
        assert row is not None and row.token == TOKEN
    events = [d for a, d in audit_details(desk) if a == "zendesk.connect"]
    assert len(events) == 1 and TOKEN not in events[0] and EMAIL not in events[0]
    assert json.loads(events[0])["owner_role"] == "admin"


def test_connect_with_an_oauth_token_sends_a_bearer(desk: Desk) -> None:
    status = desk.connect(token=OAUTH, email=None, oauth=True)
    assert status.auth == "oauth" and desk.server.requests[-1].auth == "bearer"


@pytest.mark.parametrize(("fault", "said"), [("401", "refused the token (401)"),
                                             ("403", "forbids this (403)")])  # fmt: skip
def test_a_refused_token_says_what_it_lacks_and_stores_nothing(
    desk: Desk, fault: str, said: str
) -> None:
    """401/403 name the endpoint and the permission the token needs; nothing is stored."""
    desk.server.fail("/api/v2/users/me.json", fault)
    with pytest.raises(ZendeskAuthError) as caught:
        desk.connect()
    message = caught.value.message
    assert said in message and "GET /api/v2/users/me.json" in message
    assert "needs a valid API token" in message and TOKEN not in message
    assert desk.count(ZendeskConnection) == 0


def test_a_wrong_token_is_refused(desk: Desk) -> None:
    with pytest.raises(ZendeskAuthError, match="401"):
        desk.connect(token="not-the-token")
    assert desk.count(ZendeskConnection) == 0


def test_connect_needs_a_fresh_step_up(desk: Desk) -> None:
    """AUTH-10: connecting is sensitive; a stale step-up is asked for again."""
    desk.admin.clock.advance(301)  # past the step-up window of the sign-in's code
    stale = desk.admin.principal
    with pytest.raises(StepUpRequired):
        ConnectionService(desk.admin.ctx, stale).connect(
            subdomain="acme", email=EMAIL, token=TOKEN, base_url=desk.server.url
        )


@pytest.mark.parametrize(
    "url", ["http://acme.zendesk.com", "http://10.0.0.5:8080", "ftp://acme.zendesk.com", "acme"]
)
def test_plain_http_is_refused_except_on_loopback(url: str) -> None:
    """TLS always: http only for a loopback test server; credentials never in the URL."""
    with pytest.raises(ZendeskError):
        check_base_url(url)
    assert check_base_url("https://acme.zendesk.com/") == "https://acme.zendesk.com"
    assert check_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert check_base_url("http://[::1]:8080") == "http://[::1]:8080"


def test_disconnect_erases_the_token(desk: Desk) -> None:
    desk.connect()
    assert desk.connection().disconnect() is True
    assert desk.count(ZendeskConnection) == 0
    assert desk.connection().disconnect() is False
    with pytest.raises(ZendeskError, match="not connected"):
        desk.sync()


# ---------------------------------------------------------------- client


def test_429_waits_retry_after_and_500_backs_off(server: ZendeskServer) -> None:
    """Retries honour Retry-After on 429 and back off on 5xx; nothing sleeps for real."""
    sleeps: list[float] = []
    server.fail("/api/v2/groups.json", "429")
    server.fail("/api/v2/groups.json", "500")
    server.fail("/api/v2/groups.json", "drop")
    with Client(server.url, "token", EMAIL, TOKEN, sleep=sleeps.append) as client:
        answer = client.get("/api/v2/groups.json", {"page[size]": 100})
    assert [g["id"] for g in answer.data["groups"]] == [7001, 7002]
    assert sleeps == [7.0, 1.0, 2.0]
    assert server.paths().count("/api/v2/groups.json") == 4


def test_5xx_gives_up_after_a_few_tries_with_the_endpoint(server: ZendeskServer) -> None:
    sleeps: list[float] = []
    server.fail("/api/v2/groups.json", "500", times=10)
    with (
        Client(server.url, "token", EMAIL, TOKEN, sleep=sleeps.append) as client,
        pytest.raises(ZendeskError, match=r"GET /api/v2/groups.json: Zendesk answered 500 5 times"),
    ):
        client.get("/api/v2/groups.json")
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


def test_a_low_rate_limit_budget_slows_down_before_refusal(server: ZendeskServer) -> None:
    """X-Rate-Limit-Remaining near zero: each request waits its share of the reset window."""
    sleeps: list[float] = []
    server.remaining = 500
    with Client(server.url, "token", EMAIL, TOKEN, sleep=sleeps.append) as client:
        client.get("/api/v2/groups.json")
        client.get("/api/v2/groups.json")
        assert sleeps == []  # plenty left
        server.remaining = 4
        client.get("/api/v2/groups.json")  # learns: 4 left of 700, reset in 10 s
        client.get("/api/v2/groups.json")
    assert sleeps == [pytest.approx(10 / 5)]
    assert client.budget.remaining == 4 and client.budget.limit == 700


def test_a_next_link_to_another_host_is_refused(server: ZendeskServer) -> None:
    with (
        Client(server.url, "token", EMAIL, TOKEN) as client,
        pytest.raises(ZendeskError, match="points away"),
    ):
        client.url("https://evil.example/api/v2/users.json?page[after]=x")


# ---------------------------------------------------------------- sync


def test_sync_makes_one_complete_snapshot_then_fetches_only_changes(desk: Desk) -> None:
    """Issue 18 sync: users side-loaded with identities, cursor pagination page[size]=100,
    tickets from the incremental cursor export with their comments; a second sync asks
    from the kept cursor and gets only the ticket that changed."""
    desk.connect()
    first = desk.sync()
    assert first.complete is True and first.snapshot_created
    assert first.kinds["users"]["objects"] == 5 and first.kinds["tickets"]["objects"] == 3
    assert (desk.count(Ticket), desk.count(Comment), desk.count(Identity)) == (3, 4, 4)
    users = next(r for r in desk.server.requests if r.path == "/api/v2/users.json")
    assert users.query["include"] == ["identities"] and users.query["page[size]"] == ["100"]
    export = [r for r in desk.server.requests if "incremental" in r.path]
    assert export[0].query["start_time"] == ["0"]
    with desk.admin.ctx.read_session() as s:
        snap = s.scalars(select(Snapshot)).one()
        assert snap.source == "zendesk-api"
    assert desk.count(ZendeskStaged) == 0

    ticket = dict(desk.server.account.tickets[102], subject="Changed in Zendesk")
    desk.server.account.change(ticket)
    desk.server.requests.clear()
    second = desk.sync()
    assert second.kinds["tickets"]["objects"] == 1 and second.snapshot_created is False
    export = [r for r in desk.server.requests if "incremental" in r.path]
    assert "cursor" in export[0].query and "start_time" not in export[0].query
    comment_paths = [p for p in desk.server.paths() if p.endswith("/comments.json")]
    assert comment_paths == ["/api/v2/tickets/102/comments.json"]
    with desk.admin.ctx.read_session() as s:
        assert s.get(Ticket, 102).subject == "Changed in Zendesk"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1  # no changes


def test_small_pages_follow_links_next_and_next_page(admin: SignedIn) -> None:
    """Both pagination styles: 2 records a page, links.next followed to the end."""
    with ZendeskServer(page_limit=2) as server:
        officer, _ = admin.add_operator("olive", ["privacy_officer"])
        desk = Desk(admin, officer, "", server, [])
        desk.connect()
        result = desk.sync()
        assert result.kinds["users"] == {"pages": 3, "objects": 5}
        assert result.kinds["tickets"] == {"pages": 2, "objects": 3}
        assert desk.count(Person) == 5 and desk.count(Ticket) == 3
        after = [
            r.query.get("page[after]") for r in server.requests if r.path == "/api/v2/users.json"
        ]
        assert after[0] is None and all(after[1:])


def test_sync_retries_429_and_500_and_says_so(desk: Desk) -> None:
    desk.connect()
    desk.server.fail("/api/v2/users.json", "429")
    desk.server.fail("/api/v2/incremental/", "500")
    result = desk.sync()
    assert desk.sleeps == [7.0, 1.0] and result.waited_s == 8.0
    assert desk.count(Ticket) == 3


@pytest.mark.parametrize(
    ("path", "fault", "said"),
    [
        (
            "/api/v2/users.json",
            "html",
            "GET /api/v2/users.json page 1: the answer is not JSON (text/html",
        ),
        (
            "/api/v2/users.json",
            "truncated",
            "GET /api/v2/users.json page 1: the answer is not valid JSON",
        ),
        ("/api/v2/groups.json", "no_list", "GET /api/v2/groups.json page 1: groups is missing"),
        ("/api/v2/users.json", "bad_record", "GET /api/v2/users.json page 1 record 1: created_at"),
        ("/api/v2/incremental/", "bad_record", "cursor.json page 1 record 1: created_at"),
    ],
)
def test_a_bad_answer_is_one_located_message_and_writes_nothing(
    desk: Desk, path: str, fault: str, said: str
) -> None:
    """Issue 18 tests: truncated JSON, a missing list, an HTML error page, an invalid
    record: one message naming endpoint, page, record and field; nothing written."""
    desk.connect()
    desk.server.fail(path, fault)
    with pytest.raises((ZendeskError, ImportFailed)) as caught:
        desk.sync()
    assert said in str(caught.value)
    assert "\n" not in str(caught.value) and TOKEN not in str(caught.value)
    assert desk.count(Ticket) == 0 and desk.count(ZendeskStaged) == 0
    if "incremental" not in path:
        assert desk.count(Snapshot) == 0 and desk.count(Person) == 0
    assert [a for a, _ in audit_details(desk) if a == "zendesk.sync.failed"]


def test_only_some_types_merge_into_the_latest_snapshot(desk: Desk) -> None:
    desk.connect()
    desk.sync()
    result = desk.sync(["groups"])
    assert result.complete is False and list(result.kinds) == ["groups"]
    with pytest.raises(ZendeskError, match="not synced yet"):
        desk.sync(["webhooks"])
    with pytest.raises(ZendeskError, match="not a type"):
        desk.sync(["everything"])


def test_a_cancelled_sync_resumes_after_its_last_committed_page(admin: SignedIn) -> None:
    """Issue 18 jobs: cancel between pages keeps the committed pages (and their cursor);
    the next sync resumes there and ends with the same data as one uninterrupted sync."""
    with ZendeskServer(page_limit=2) as server:
        officer, _ = admin.add_operator("olive", ["privacy_officer"])
        desk = Desk(admin, officer, "", server, [])
        desk.connect()

        class CancelAfter(JobControl):
            def report(self, done: int, total: int | None = None, message: str = "") -> None:
                super().report(done, total, message)
                if message.startswith("users: 2 pages"):
                    self.cancel()

        with pytest.raises(Cancelled):
            desk.sync(control=CancelAfter())
        assert desk.count(ZendeskStaged) == 5  # organizations, custom roles, groups, 2 of users
        assert desk.count(Snapshot) == 0
        server.requests.clear()
        result = desk.sync()
        assert result.resumed
        users = [r for r in server.requests if r.path == "/api/v2/users.json"]
        assert len(users) == 1 and users[0].query.get("page[after]")  # page 3 only
        assert desk.count(Person) == 5 and desk.count(Ticket) == 3 and desk.count(Comment) == 4
        assert desk.count(ZendeskStaged) == 0


def test_the_token_is_never_in_logs_audit_or_files(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    """SECRET: after connect, sync (with a retry and a failure) and disconnect, the token is
    in no log record, no audit detail and no file of the workspace folder."""
    caplog.set_level(logging.DEBUG)
    desk.connect()
    desk.server.fail("/api/v2/users.json", "500")
    desk.sync()
    desk.server.fail("/api/v2/groups.json", "html")
    with pytest.raises(ZendeskError):
        desk.sync()
    desk.connection().disconnect()
    assert TOKEN not in caplog.text
    assert all(TOKEN not in d for _, d in audit_details(desk))
    folder = desk.admin.ctx.workspace.folder
    assert scan_for_secrets(folder, [TOKEN.encode()]) == []


# ---------------------------------------------------------------- CLI


def test_cli_connect_status_sync_disconnect(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`privdesk zendesk …` as README documents it: the token from PRIVDESK_ZENDESK_TOKEN,
    status with the owner, role and last sync per type, sync --only … --json."""
    from app.cli.main import main
    from app.clock import SystemClock
    from app.security import totp
    from tests.conftest import ADMIN_PASSWORD

    admin = desk.admin
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_ZENDESK_TOKEN", TOKEN)

    def run(who: str, *argv: str) -> tuple[int, str, str]:
        secret = admin.secret if who == "admin" else desk.officer_secret
        password = ADMIN_PASSWORD if who == "admin" else "a sunny day in the office 7"
        monkeypatch.setenv("PRIVDESK_OPERATOR", who)
        monkeypatch.setenv("PRIVDESK_PASSWORD", password)
        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    base = ["--subdomain", "acme", "--email", EMAIL, "--base-url", desk.server.url]
    code, out, err = run("admin", "zendesk", "connect", *base)
    assert code == 0, err
    assert "role admin" in out and TOKEN not in out + err
    code, out, err = run("olive", "zendesk", "sync", "--only", "users,groups,tickets", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["kinds"]["users"]["objects"] == 5 and data["complete"] is False
    code, out, err = run("olive", "zendesk", "status", "--json")
    status = json.loads(out)
    assert status["owner"]["role"] == "admin" and status["last_sync"]["tickets"]["last_sync_at"]
    assert TOKEN not in out
    code, out, err = run("olive", "zendesk", "sync", "--only", "apps")
    assert code == 2 and "not synced yet" in err and "Traceback" not in err
    code, out, err = run("olive", "zendesk", "connect", *base)
    assert code != 0 and "permission" in err
    code, out, err = run("admin", "zendesk", "disconnect")
    assert code == 0 and "erased" in out
