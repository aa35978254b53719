"""What each object type is fetched from, how its pages are read, and the importer bridge.

The records are the importer's own: every page is read with the kinds, specs and checks
of :mod:`app.importers.zendesk`, and written by :class:`ApiImport`, the file importer
(:class:`app.importers.zendesk_run.ZendeskImport`) fed from API pages instead of files,
so a synced directory, ticket or log record is validated and stored exactly as an
imported one (erased subjects skipped, references checked, tickets upserted by id).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.importers.problems import Location, Problems, TooManyProblems
from app.importers.sources import SourceFile
from app.importers.zendesk import BY_NAME, Kind, normalise
from app.importers.zendesk_run import Plan, ZendeskImport
from app.zendesk.client import BadAnswer

PAGE_SIZE = 100  # cursor pagination: page[size]=100 (Zendesk's maximum)
EXPORT_PAGE = 1000  # incremental exports: per_page up to 1000


@dataclass(frozen=True)
class Endpoint:
    name: str  # the --only name
    path: str
    kinds: tuple[str, ...]  # importer kinds on a page, the endpoint's own first
    params: tuple[tuple[str, str], ...] = (("page[size]", str(PAGE_SIZE)),)
    directory: bool = True


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("organizations", "/api/v2/organizations.json", ("organizations",)),
        # Custom roles are not paginated by cursor (one offset page holds them all).
        Endpoint("custom_roles", "/api/v2/custom_roles.json", ("custom_roles",), ()),
        Endpoint("groups", "/api/v2/groups.json", ("groups",)),
        Endpoint(
            "users",
            "/api/v2/users.json",
            ("users", "identities"),
            (("page[size]", str(PAGE_SIZE)), ("include", "identities")),
        ),
        Endpoint("group_memberships", "/api/v2/group_memberships.json", ("group_memberships",)),
        Endpoint("account_settings", "/api/v2/account/settings.json", ("account_settings",), ()),
        Endpoint(
            "tickets",
            "/api/v2/incremental/tickets/cursor.json",
            ("tickets",),
            (("per_page", str(EXPORT_PAGE)),),
            False,
        ),
        Endpoint("audit_logs", "/api/v2/audit_logs.json", ("audit_logs",), directory=False),
        Endpoint("access_logs", "/api/v2/access_logs.json", ("access_logs",), directory=False),
    )
}
DIRECTORY = tuple(n for n, e in ENDPOINTS.items() if e.directory)
CHOICES: tuple[str, ...] = ("users", "custom_roles", "groups", "group_memberships")
CHOICES += ("organizations", "tickets", "comments", "audit_logs", "access_logs")
NOT_YET = ("apps", "oauth", "webhooks")  # the list: no table holds them yet


def comments_path(ticket_id: int) -> str:
    return f"/api/v2/tickets/{ticket_id}/comments.json"


def page_where(endpoint: str, page: int) -> str:
    return f"{endpoint} page {page}"


def records_of(data: Mapping[str, Any], ep: Endpoint, where: str) -> dict[str, list[Any]]:
    """The page's records of each kind (the endpoint's own list must be there)."""
    out: dict[str, list[Any]] = {}
    for n, name in enumerate(ep.kinds):
        kind = BY_NAME[name]
        if name == "account_settings":
            settings = data.get("settings")
            if not isinstance(settings, dict):
                raise BadAnswer(f"{where}: settings is missing or not an object")
            out[name] = [settings]
            continue
        key = next((k for k in kind.keys if k in data), None)
        value = data.get(key) if key else None
        if value is None and n > 0:
            out[name] = []  # a side-load may be absent when no record has one
            continue
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            shown = kind.list_key
            raise BadAnswer(f"{where}: {shown} is missing or not a list of objects")
        out[name] = value
    return out


def next_link(data: Mapping[str, Any], where: str) -> str | None:
    """Cursor pagination (`meta.has_more`, `links.next`) or offset (`next_page`)."""
    meta, links = data.get("meta"), data.get("links")
    if isinstance(meta, dict) and "has_more" in meta:
        if meta["has_more"] is not True:
            return None
        nxt = links.get("next") if isinstance(links, dict) else None
        if not isinstance(nxt, str) or not nxt:
            raise BadAnswer(f"{where}: meta.has_more is true but links.next is missing")
        return nxt
    nxt = data.get("next_page")
    if nxt is None:
        return None
    if not isinstance(nxt, str):
        raise BadAnswer(f"{where}: next_page is not a URL")
    return nxt


def export_cursor(data: Mapping[str, Any], where: str) -> tuple[str | None, bool]:
    """(after_cursor, end_of_stream) of an incremental cursor export page."""
    end = data.get("end_of_stream")
    if not isinstance(end, bool):
        raise BadAnswer(f"{where}: end_of_stream is missing or not true/false")
    after = data.get("after_cursor")
    if after is not None and not isinstance(after, str):
        raise BadAnswer(f"{where}: after_cursor is not a string")
    if not end and not after:
        raise BadAnswer(f"{where}: after_cursor is missing and end_of_stream is false")
    return after, end


def check_records(records: Mapping[str, list[Any]], where: str) -> None:
    """Every record valid as the importer reads it, else one located ImportFailed."""
    problems = Problems()
    try:
        for name, recs in records.items():
            kind = BY_NAME[name]
            if kind.spec is None:
                continue
            for n, rec in enumerate(recs, 1):
                normalise(kind, dict(rec), Location(where, record=n), problems)
    except TooManyProblems:
        pass
    if problems:
        raise problems.fail()


Source = Mapping[str, Iterable[tuple[Location, dict[str, Any]]]]


def plan_for(kinds: Iterable[str]) -> Plan:
    """A plan naming the kinds the pages hold (no files: the records come from `source`)."""
    files = {k: [SourceFile(Path(k), f"Zendesk API {k}")] for k in kinds}
    return Plan(files, [])


class ApiImport(ZendeskImport):
    """The file importer reading API pages: ``source`` maps a kind to its (where, record)."""

    source: Source

    def feed(self, source: Source) -> ApiImport:
        self.source = source
        return self

    def _records(self, the_plan: Plan, kind: Kind) -> Iterator[tuple[Location, dict[str, Any]]]:
        for loc, rec in getattr(self, "source", {}).get(kind.name, ()):
            self.progress.records += 1
            yield loc, rec
