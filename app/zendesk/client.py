"""Zendesk REST API over httpx: TLS verified, timeouts, retries, the rate-limit budget.

- ``https://`` only, except a loopback address (127.0.0.1, ::1, localhost), where plain
  ``http://`` is allowed for the local test server; TLS verification is always on.
- ``429`` waits ``Retry-After`` seconds (Zendesk's own advice) and tries again; a ``5xx``
  or a dropped connection backs off 1, 2, 4 … seconds up to a cap. Both give up after a
  few tries with a message naming the endpoint.
- ``X-Rate-Limit-Remaining`` / ``ratelimit-remaining``: when few requests are left in the
  window, each request waits its share of the time left, so a sync slows down before
  Zendesk refuses it. The last headers seen are the "API budget" ``status`` shows.
- ``401`` / ``403`` say what the token lacks for that endpoint (``needs``).
- A next-page link is followed only on the connection's own origin: the credentials are
  never sent to another host.

The sleeper and the clock are injected, so tests never sleep for real. No message, log
or exception here carries the token or a request header.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.errors import PrivDeskError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_TRIES = 5
BACKOFF_CAP_S = 30.0
RETRY_AFTER_CAP_S = 300.0  # a longer wait is refused with its reason, not slept through
LOW_WATER = 0.05  # slow down once fewer than 5% of the window's requests remain
RESET_S = 60.0  # Zendesk's rate-limit window when it sends no reset header

# What a 401/403 means the token lacks, by endpoint (README, "Connect to Zendesk").
NEEDS: tuple[tuple[str, str], ...] = (
    ("/api/v2/users/me", "a valid API token (or OAuth token) of an active user"),
    ("/api/v2/incremental/", "the admin role (incremental exports need an administrator)"),
    ("/api/v2/custom_roles", "the admin role (custom roles: Enterprise plans)"),
    ("/api/v2/audit_logs", "the admin role (audit logs: Enterprise plans)"),
    ("/api/v2/access_logs", "the admin role and the Advanced Data Privacy add-on (access logs)"),
    ("/api/v2/account/settings", "the admin role (account settings)"),
    ("/api/v2/", "the admin role, or an agent role that can view users, groups and tickets"),
)


class ZendeskError(PrivDeskError):
    """A failed call, with the endpoint; never the token."""


class ZendeskAuthError(ZendeskError):
    """401/403: the message says what the token lacks."""


class BadAnswer(ZendeskError):
    """The answer is not the JSON document the endpoint documents."""


def needs(path: str) -> str:
    return next(need for prefix, need in NEEDS if path.startswith(prefix))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; https, or http on a loopback address only."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        raise ZendeskError(f"--base-url {url!r} is not an http(s) URL with a host")
    if parts.scheme == "http" and not _loopback(host):
        raise ZendeskError(
            f"--base-url {url!r}: plain http is refused (the token would travel in clear); "
            "use https (http is allowed only on a loopback address, for tests)"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ZendeskError("--base-url must not carry credentials, a query or a fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def default_base_url(subdomain: str) -> str:
    name = subdomain.strip().lower()
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ZendeskError(
            f"--subdomain {subdomain!r} is not a Zendesk subdomain (letters, digits, -)"
        )
    return f"https://{name}.zendesk.com"


@dataclass
class Budget:
    """The last rate-limit headers seen (what `zendesk status` shows)."""

    limit: int | None = None
    remaining: int | None = None
    reset_s: float | None = None
    seen_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "reset_s": self.reset_s,
            "seen_at": self.seen_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Budget:
        return cls(
            data.get("limit"), data.get("remaining"), data.get("reset_s"), data.get("seen_at")
        )


def _header_int(headers: httpx.Headers, *names: str) -> int | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return int(float(value))
            except ValueError:
                continue
    return None


@dataclass
class Answer:
    data: dict[str, Any]
    url: str


@dataclass
class Client:
    """One connection's calls. `auth` is ("token", email, token) or ("oauth", None, token)."""

    base_url: str
    auth_kind: str
    email: str | None
    token: str = field(repr=False)
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], str] = field(
        default=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    )
    transport: httpx.BaseTransport | None = None
    budget: Budget = field(default_factory=Budget)
    requests: int = 0
    waited_s: float = 0.0
    _http: httpx.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = check_base_url(self.base_url)
        origin = urlsplit(self.base_url)
        self._origin = (origin.scheme, origin.netloc)

    def _client(self) -> httpx.Client:
        if self._http is None:
            if self.auth_kind == "oauth":
                headers = {"Authorization": f"Bearer {self.token}"}
                auth: httpx.Auth | None = None
            else:
                headers, auth = {}, httpx.BasicAuth(f"{self.email}/token", self.token)
            self._http = httpx.Client(
                headers={**headers, "Accept": "application/json", "User-Agent": "PrivDesk"},
                auth=auth,
                timeout=TIMEOUT,
                verify=True,
                follow_redirects=False,
                transport=self.transport,
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def url(self, path_or_url: str) -> str:
        """An absolute URL on this connection's origin (a next link must stay on it)."""
        if path_or_url.startswith("/"):
            return self.base_url + path_or_url
        parts = urlsplit(path_or_url)
        if (parts.scheme, parts.netloc) != self._origin:
            raise BadAnswer(
                f"a next-page link points away from {self.base_url} ({parts.scheme}://"
                f"{parts.hostname}); refused, the token is only sent to the connected help desk"
            )
        return path_or_url

    def get(
        self,
        path_or_url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        where: str | None = None,
    ) -> Answer:
        """GET a JSON object, with the retries and the slow-down described above.

        `where` names the request in messages ("GET /api/v2/users.json page 3")."""
        url = self.url(path_or_url)
        path = urlsplit(url).path
        endpoint = where or f"GET {path}"
        backoff = 1.0
        for attempt in range(1, MAX_TRIES + 1):
            self._pace()
            try:
                response = self._client().get(url, params=params)
            except httpx.TransportError as exc:
                if attempt == MAX_TRIES:
                    raise ZendeskError(
                        f"{endpoint}: no answer from {self.base_url} after {attempt} tries "
                        f"({type(exc).__name__})"
                    ) from None
                self._wait(min(backoff, BACKOFF_CAP_S))
                backoff *= 2
                continue
            finally:
                self.requests += 1
            self._note_budget(response.headers)
            status = response.status_code
            if status == 429:
                wait = _retry_after(response.headers)
                if wait > RETRY_AFTER_CAP_S:
                    raise ZendeskError(
                        f"{endpoint}: Zendesk asks to wait {wait:.0f}s (429 Too Many Requests); "
                        "the API budget is spent, sync again later"
                    )
                if attempt == MAX_TRIES:
                    raise ZendeskError(
                        f"{endpoint}: still 429 Too Many Requests after {attempt} tries"
                    )
                self._wait(wait)
                continue
            if status >= 500:
                if attempt == MAX_TRIES:
                    raise ZendeskError(
                        f"{endpoint}: Zendesk answered {status} {attempt} times; try again later"
                    )
                self._wait(min(backoff, BACKOFF_CAP_S))
                backoff *= 2
                continue
            if status in (401, 403):
                what = "refused the token (401)" if status == 401 else "forbids this (403)"
                raise ZendeskAuthError(f"{endpoint}: Zendesk {what}; the token needs {needs(path)}")
            if status == 404:
                raise ZendeskError(
                    f"{endpoint}: not found (404); is the base URL a Zendesk account?"
                )
            if status >= 300:
                raise ZendeskError(f"{endpoint}: unexpected answer {status}")
            return Answer(_json_object(response, endpoint), str(response.url))
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.waited_s += seconds
            self.sleep(seconds)

    def _note_budget(self, headers: httpx.Headers) -> None:
        remaining = _header_int(headers, "X-Rate-Limit-Remaining", "ratelimit-remaining")
        if remaining is None:
            return
        limit = _header_int(headers, "X-Rate-Limit", "ratelimit-limit")
        reset = _header_int(headers, "ratelimit-reset")
        self.budget = Budget(
            limit, remaining, float(reset) if reset is not None else None, self.now()
        )

    def _pace(self) -> None:
        """Spread the window's last requests over the time left in it."""
        b = self.budget
        if b.remaining is None:
            return
        low = max(int((b.limit or 0) * LOW_WATER), 2)
        if b.remaining <= low:
            self._wait((b.reset_s if b.reset_s is not None else RESET_S) / (b.remaining + 1))


def _retry_after(headers: httpx.Headers) -> float:
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else RESET_S
    except ValueError:
        return RESET_S


def _json_object(response: httpx.Response, endpoint: str) -> dict[str, Any]:
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        where = ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at byte {exc.pos}"
        if kind != "application/json":
            raise BadAnswer(
                f"{endpoint}: the answer is not JSON ({kind}, {response.status_code})"
            ) from None
        raise BadAnswer(f"{endpoint}: the answer is not valid JSON{where} (truncated?)") from None
    if not isinstance(data, dict):
        raise BadAnswer(f"{endpoint}: the answer is not a JSON object")
    return data
