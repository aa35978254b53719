"""A local Zendesk REST API for the connector's tests: http.server on 127.0.0.1.

It serves an account — by default the importer's API fixture (tests/fixtures/zendesk/api/,
Zendesk's reference example shapes) — with the envelopes of tests/data/zendesk/api/:
cursor pagination (``page[size]``, ``page[after]``, ``meta.has_more``, ``links.next``) on
lists, offset pagination (``next_page``) on custom roles, the incremental cursor export
(``start_time`` / ``cursor``, ``after_cursor``, ``end_of_stream``) on tickets, users
side-loaded with identities. Faults are queued per path prefix and served once each:
``429`` (with Retry-After), ``500``, ``403``, an HTML error page, truncated JSON, or a
page whose JSON misses its list. Every request is recorded (method, path, query, whether
it authenticated); the token itself is never recorded.

    with ZendeskServer() as server:
        server.fail("/api/v2/users.json", "429")
        ... Client(server.url, "token", EMAIL, TOKEN) ...
        assert server.requests[-1].path == "/api/v2/users.json"
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent
FIXTURE = ROOT / "fixtures" / "zendesk" / "api"
INTEGRATION_DATA = ROOT / "data" / "zendesk_integrations"
# endpoint (after /api/v2/, without .json) -> its envelope key and the file serving it
INTEGRATIONS = {
    "oauth/clients": "clients",
    "oauth/tokens": "tokens",
    "apps/installations": "installations",
    "api_tokens": "api_tokens",
    "webhooks": "webhooks",
}
API_DATA = ROOT / "data" / "zendesk" / "api"
EMAIL = "ada.admin@example.com"
TOKEN = "zd-test-token-6wGq1LhS0xv3T8Yk"  # a made-up token the scans look for
OAUTH = "zd-oauth-access-9Qm2cV7bN4pR1sXe"


def _load(name: str, folder: Path = FIXTURE) -> Any:
    return json.loads((folder / name).read_text(encoding="utf-8"))


@dataclass
class Account:
    """What the server holds: list endpoints by key, tickets as a change log."""

    me: dict[str, Any]
    lists: dict[str, list[dict[str, Any]]]
    settings: dict[str, Any]
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    log: list[int] = field(default_factory=list)  # ticket ids in the order they changed
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    latest: dict[int, int] = field(default_factory=dict)  # ticket id -> its last log position
    # the integration endpoints' lists by envelope key (tests/data/zendesk_integrations/)
    integrations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def fixture(cls) -> Account:
        lists = {
            key: _load(f"{key}.json")[key]
            for key in (
                "organizations",
                "custom_roles",
                "groups",
                "users",
                "identities",
                "group_memberships",
                "audit_logs",
                "access_logs",
            )
        }
        account = cls(
            _load("users_me.json", API_DATA)["user"],
            lists,
            _load("account_settings.json")["settings"],
        )
        for ticket in _load("tickets.json")["tickets"]:
            account.change(ticket)
        for name in ("ticket_comments.json", "ticket_comments_103.json"):
            for comment in _load(name)["comments"]:
                tid = int(comment.get("ticket_id", 103))
                account.comments.setdefault(tid, []).append(
                    {k: v for k, v in comment.items() if k != "ticket_id"}
                )
        for path in sorted(INTEGRATION_DATA.glob("*.json")):
            page = json.loads(path.read_text(encoding="utf-8"))
            for key in INTEGRATIONS.values():
                if isinstance(page.get(key), list):
                    account.integrations[key] = page[key]
        return account

    def change(self, ticket: dict[str, Any]) -> None:
        """A new or updated ticket: the export serves it after every earlier change."""
        self.tickets[int(ticket["id"])] = ticket
        self.latest[int(ticket["id"])] = len(self.log)
        self.log.append(int(ticket["id"]))


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    authenticated: bool
    auth: str  # basic | bearer | none


FAULTS = ("429", "500", "401", "403", "html", "truncated", "no_list", "bad_record", "drop")


class ZendeskServer:
    def __init__(self, account: Account | None = None, *, page_limit: int = 100) -> None:
        self.account = account or Account.fixture()
        self.page_limit = page_limit  # the most records a page holds (Zendesk caps sizes)
        self.requests: list[Request] = []
        self.faults: list[tuple[str, str]] = []
        self.remaining: int | None = None  # rate-limit headers' remaining (None: not sent)
        self.retry_after = "7"
        self.tokens = {TOKEN}
        self.oauth_tokens = {OAUTH}
        self.email = EMAIL
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="zendesk-test-server"
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ZendeskServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> ZendeskServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def fail(self, prefix: str, fault: str, times: int = 1) -> None:
        assert fault in FAULTS, fault
        with self._lock:
            self.faults.extend([(prefix, fault)] * times)

    def take_fault(self, path: str) -> str | None:
        with self._lock:
            for i, (prefix, fault) in enumerate(self.faults):
                if path.startswith(prefix):
                    del self.faults[i]
                    return fault
        return None

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _cursor(n: int) -> str:
    return base64.urlsafe_b64encode(f"pos:{n}".encode()).decode()


def _position(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("pos:"))


class _Handler(BaseHTTPRequestHandler):
    server_state: ZendeskServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    # ------------------------------------------------------------ plumbing

    def _send(
        self,
        status: int,
        body: bytes,
        kind: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        state = self.server_state
        if state.remaining is not None:
            self.send_header("X-Rate-Limit", "700")
            self.send_header("X-Rate-Limit-Remaining", str(state.remaining))
            self.send_header("ratelimit-reset", "10")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode())

    def _auth(self) -> tuple[bool, str]:
        state = self.server_state
        header = self.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[7:] in state.oauth_tokens, "bearer"
        if header.startswith("Basic "):
            user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return user == f"{state.email}/token" and secret in state.tokens, "basic"
        return False, "none"

    def do_GET(self) -> None:
        state = self.server_state
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        ok, kind = self._auth()
        state.requests.append(Request("GET", parts.path, query, ok, kind))
        if not ok:
            self._json(json.loads((API_DATA / "error_401.json").read_text()), 401)
            return
        fault = state.take_fault(parts.path)
        if fault == "429":
            self._send(
                429,
                (API_DATA / "error_429.json").read_bytes(),
                headers={"Retry-After": state.retry_after},
            )
            return
        if fault == "500":
            self._json({"error": "InternalError"}, 500)
            return
        if fault == "401":
            self._json(json.loads((API_DATA / "error_401.json").read_text()), 401)
            return
        if fault == "403":
            self._json(json.loads((API_DATA / "error_403.json").read_text()), 403)
            return
        if fault == "html":
            page = b"<html><body><h1>Help Center is temporarily unavailable</h1></body></html>"
            self._send(200, page, "text/html; charset=utf-8")
            return
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        data = self._route(parts.path, query)
        if data is None:
            self._json({"error": "RecordNotFound", "description": "Not found"}, 404)
            return
        if fault == "no_list":
            data = {k: v for k, v in data.items() if not isinstance(v, list)}
        if fault == "bad_record":
            for value in data.values():
                if isinstance(value, list) and value:
                    value[0] = {**value[0], "created_at": "last tuesday"}
                    break
        body = json.dumps(data).encode()
        if fault == "truncated":
            body = body[: len(body) // 2]
        self._send(200, body)

    # ------------------------------------------------------------ the API

    def _route(self, path: str, query: dict[str, list[str]]) -> dict[str, Any] | None:
        acc = self.server_state.account
        if path == "/api/v2/users/me.json":
            return {"user": acc.me}
        if path == "/api/v2/account/settings.json":
            return {"settings": acc.settings}
        if path == "/api/v2/incremental/tickets/cursor.json":
            return self._export(query)
        if path == "/api/v2/custom_roles.json":
            return {
                "custom_roles": copy.deepcopy(acc.lists["custom_roles"]),
                "next_page": None,
                "previous_page": None,
                "count": len(acc.lists["custom_roles"]),
            }
        if path.startswith("/api/v2/tickets/") and path.endswith("/comments.json"):
            tid = int(path.split("/")[4])
            if tid not in acc.tickets:
                return None
            return self._cursor_page(path, "comments", acc.comments.get(tid, []), query)
        name = path.removeprefix("/api/v2/").removesuffix(".json")
        if name in INTEGRATIONS:
            key = INTEGRATIONS[name]
            return self._cursor_page(path, key, acc.integrations.get(key, []), query)
        if name not in acc.lists or name == "identities":
            return None
        page = self._cursor_page(path, name, acc.lists[name], query)
        if name == "users" and "identities" in query.get("include", [""])[0]:
            ids = {u["id"] for u in page["users"]}
            page["identities"] = [i for i in acc.lists["identities"] if i["user_id"] in ids]
        return page

    def _cursor_page(
        self, path: str, key: str, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        size = min(int(query.get("page[size]", ["100"])[0]), self.server_state.page_limit)
        start = _position(query["page[after]"][0]) if "page[after]" in query else 0
        chunk = items[start : start + size]
        more = start + size < len(items)
        after = _cursor(start + size)
        nxt = None
        if more:
            params = {k: v[0] for k, v in query.items() if k != "page[after]"}
            params["page[after]"] = after
            nxt = f"{self.server_state.url}{path}?{urlencode(params)}"
        return {
            key: copy.deepcopy(chunk),
            "meta": {
                "has_more": more,
                "after_cursor": after if more else None,
                "before_cursor": _cursor(start),
            },
            "links": {"next": nxt, "prev": None},
        }

    def _export(self, query: dict[str, list[str]]) -> dict[str, Any]:
        state = self.server_state
        acc = state.account
        size = min(int(query.get("per_page", ["1000"])[0]), state.page_limit)
        start = _position(query["cursor"][0]) if "cursor" in query else 0
        end = min(start + size, len(acc.log))
        latest = acc.latest
        tickets = [
            copy.deepcopy(acc.tickets[tid])
            for n, tid in enumerate(acc.log[start:end], start)
            if latest[tid] == n
        ]
        after = _cursor(end)
        return {
            "tickets": tickets,
            "after_url": f"{state.url}/api/v2/incremental/tickets/cursor.json?cursor={after}",
            "after_cursor": after,
            "before_url": None,
            "before_cursor": None,
            "end_of_stream": end >= len(acc.log),
        }
