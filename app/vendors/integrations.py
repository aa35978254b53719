"""Help-desk integrations read from files named after the Zendesk endpoints.

Each file holds the API's own envelope (a page as `GET` returns it):

    oauth_clients.json       {"clients": [...]}        GET /api/v2/oauth/clients
    oauth_tokens.json        {"tokens": [...]}         GET /api/v2/oauth/tokens
    apps_installations.json  {"installations": [...]}  GET /api/v2/apps/installations
    api_tokens.json          {"api_tokens": [...]}     GET /api/v2/api_tokens
    webhooks.json            {"webhooks": [...]}       GET /api/v2/webhooks

Other keys of the page (``next_page``, ``meta``, ``links``, ``count``) are ignored. Every
record is checked before anything is written; a bad one is refused naming the file, the
record's index and the field. Secrets in the records (``token``, ``secret``,
``refresh_token``, webhook ``authentication``) are never read.

A Zendesk API token acts with the full access of an administrator (Zendesk does not
scope them), so it is recorded with the scopes ``read`` and ``write``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.vendors.records import VendorError

# file name -> (envelope key, integration kind)
FILES: dict[str, tuple[str, str]] = {
    "oauth_clients.json": ("clients", "oauth_client"),
    "oauth_tokens.json": ("tokens", "oauth_token"),
    "apps_installations.json": ("installations", "app_installation"),
    "api_tokens.json": ("api_tokens", "api_token"),
    "webhooks.json": ("webhooks", "webhook"),
}
# The same endpoints over the Zendesk connection: (FILES name, path, first page's query).
ENDPOINTS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("oauth_clients.json", "/api/v2/oauth/clients.json", {}),
    ("oauth_tokens.json", "/api/v2/oauth/tokens.json", {"all": "true"}),  # every user's
    ("apps_installations.json", "/api/v2/apps/installations.json", {}),
    ("api_tokens.json", "/api/v2/api_tokens.json", {}),
    ("webhooks.json", "/api/v2/webhooks", {"page[size]": "100"}),
)
API_TOKEN_SCOPES = ("read", "write")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Found:
    """One integration as read from a file (not yet stored)."""

    kind: str
    zendesk_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: str | None
    used_at: str | None
    parent_id: str | None = None
    user_id: str | None = None  # an OAuth token's user (whose requests it makes)


def files_in(paths: Iterable[Path]) -> list[Path]:
    """The endpoint files among `paths` (a folder gives those it holds); others refused."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = [path / name for name in FILES if (path / name).is_file()]
            if not found:
                raise VendorError(
                    f"{path}: holds none of the integration files ({', '.join(FILES)})"
                )
            out.extend(found)
        elif path.name in FILES:
            if not path.is_file():
                raise VendorError(f"{path}: no such file")
            out.append(path)
        else:
            raise VendorError(
                f"{path}: not an integration file: name it after its endpoint ({', '.join(FILES)})"
            )
    return out


def read_file(path: Path) -> list[Found]:
    if path.stat().st_size > MAX_BYTES:
        raise VendorError(f"{path.name}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VendorError(f"{path.name}: not valid JSON ({exc})") from None
    return read_page(path.name, data, path.name)


def read_page(name: str, data: Any, where: str) -> list[Found]:
    """The integrations of one page of endpoint `name` (a FILES name); `where` names it."""
    envelope, kind = FILES[name]
    if not isinstance(data, dict) or not isinstance(data.get(envelope), list):
        raise VendorError(f'{where}: expected the API envelope {{"{envelope}": [...]}}')
    return [_record(where, envelope, kind, i, r) for i, r in enumerate(data[envelope])]


class _Rec:
    def __init__(self, file: str, envelope: str, index: int, rec: Mapping[str, Any]) -> None:
        self.where = f"{file}: record {index} ({envelope}[{index}])"
        self.rec = rec

    def bad(self, name: str, why: str) -> VendorError:
        return VendorError(f"{self.where}: field {name!r} {why}")

    def ident(self, name: str = "id", *, required: bool = True) -> str | None:
        value = self.rec.get(name)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
            raise self.bad(name, "is missing or not an id")
        return str(value)

    def text(self, name: str) -> str:
        value = self.rec.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self.bad(name, "is not text")
        return value

    def when(self, name: str) -> str | None:
        value = self.rec.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.bad(name, "is not a time")
        try:
            at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.bad(name, f"is not a time ({value!r})") from None
        if at.tzinfo is None:
            raise self.bad(name, f"has no time zone ({value!r})")
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def scopes(self, name: str = "scopes") -> tuple[str, ...]:
        value = self.rec.get(name)
        if value is None:
            return ()
        if isinstance(value, str):  # "read write" (some Zendesk products)
            value = value.split()
        if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
            raise self.bad(name, "is not a list of scopes")
        return tuple(dict.fromkeys(value))


def _record(file: str, envelope: str, kind: str, index: int, rec: Any) -> Found:
    if not isinstance(rec, dict):
        raise VendorError(f"{file}: record {index} ({envelope}[{index}]) is not an object")
    r = _Rec(file, envelope, index, rec)
    zid = r.ident()
    assert zid is not None
    if kind == "oauth_client":
        name = r.text("name") or r.text("identifier")
        if not name:
            raise r.bad("name", "is missing")
        return Found(kind, zid, name, (), r.when("created_at"), None)
    if kind == "oauth_token":
        client = r.ident("client_id", required=False)
        return Found(
            kind,
            zid,
            f"OAuth token {zid}",
            r.scopes(),
            r.when("created_at"),
            r.when("used_at"),
            client,
            r.ident("user_id", required=False),
        )
    if kind == "app_installation":
        settings = rec.get("settings") or {}
        if not isinstance(settings, dict):
            raise r.bad("settings", "is not an object")
        name = settings.get("name") or settings.get("title") or rec.get("app_name") or ""
        if not isinstance(name, str) or not name:
            raise r.bad("settings.name", "is missing")
        app_id = r.ident("app_id", required=False)
        return Found(kind, zid, name, (), r.when("created_at"), None, app_id)
    if kind == "api_token":
        name = r.text("description") or f"API token {zid}"
        used = r.when("last_used_at") or r.when("used_at")
        return Found(kind, zid, name, API_TOKEN_SCOPES, r.when("created_at"), used)
    name = r.text("name")
    if not name:
        raise r.bad("name", "is missing")
    return Found(kind, zid, name, (), r.when("created_at"), None)


def read_all(paths: Iterable[Path]) -> tuple[list[Path], list[Found]]:
    """Every integration of every file, all checked before the caller writes any."""
    chosen = files_in(paths)
    found: list[Found] = []
    for path in chosen:
        found.extend(read_file(path))
    return chosen, found
