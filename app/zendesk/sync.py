"""Sync from the Zendesk API (privacy officer): a background job, resumable page by page.

Order: the directory (organizations, custom roles, groups, users side-loaded with their
identities, group memberships, account settings), then tickets from the incremental
cursor export (each ticket's comments with it), then audit and access logs.

- Every page is fetched and validated first (outside any transaction), then written in
  one transaction together with the cursor of the page that follows it, so a crash or a
  ``kill -9`` loses at most the page in flight and the next sync resumes after the last
  committed page. A cancel stops between pages the same way.
- Directory pages are staged (``zd_staged``) until every directory type is fetched; one
  transaction then turns them into ONE snapshot through the importer — complete when the
  whole directory was synced, merged into the latest otherwise (``--only groups``) — and
  deletes them.
- Tickets and comments are upserted by id; the export's ``after_cursor`` is kept, so the
  next sync fetches only what changed since.
- A bad answer (not JSON, a missing list, an invalid record) is one located message
  (endpoint, page, record, field); nothing of that page is written, and a directory sync
  under way is discarded (its staged pages never become a snapshot).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import busy
from app.clock import utc_iso
from app.dsar.tombstones import Tombstones, key_for
from app.importers.erased import ErasedFilter
from app.importers.loader import Upserter, latest_snapshot
from app.importers.problems import ImportFailed, Location, TooManyProblems
from app.importers.zendesk_run import _table
from app.jobs import JobControl
from app.security.guard import Service
from app.security.permissions import Permission
from app.zendesk.client import Client, ZendeskError
from app.zendesk.connection import client_for, load_connection, save_budget
from app.zendesk.pages import (
    CHOICES,
    DIRECTORY,
    ENDPOINTS,
    NOT_YET,
    PAGE_SIZE,
    ApiImport,
    Endpoint,
    check_records,
    comments_path,
    export_cursor,
    next_link,
    page_where,
    plan_for,
    records_of,
)
from models.helpdesk import SNAPSHOT_DIRECTORY, Snapshot
from models.zendesk_api import ZendeskStaged, ZendeskSyncState

SOURCE = "zendesk-api"
STAGED_DONE = ""  # a directory type's cursor once all its pages are staged


@dataclass(frozen=True)
class SyncResult:
    kinds: dict[str, dict[str, int]]  # type -> pages, objects fetched by this run
    snapshot_id: int | None
    snapshot_created: bool
    complete: bool | None
    counts: dict[str, dict[str, int]]  # importer counts: read / inserted / updated / …
    requests: int
    waited_s: float
    resumed: bool
    budget: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": self.kinds,
            "snapshot_id": self.snapshot_id,
            "snapshot_created": self.snapshot_created,
            "complete": self.complete,
            "counts": self.counts,
            "requests": self.requests,
            "waited_s": round(self.waited_s, 3),
            "resumed": self.resumed,
            "api_budget": self.budget,
        }

    def summary(self) -> str:
        parts = [f"{v['objects']} {k.replace('_', ' ')}" for k, v in self.kinds.items()]
        head = "Synced " + (", ".join(parts) if parts else "nothing new")
        pages = sum(v["pages"] for v in self.kinds.values())
        head += f" ({pages} page{'s' if pages != 1 else ''}, {self.requests} requests)."
        if self.snapshot_id is not None:
            what = "complete" if self.complete else "merged"
            new = "new" if self.snapshot_created else "unchanged"
            head += f" Directory snapshot #{self.snapshot_id} ({what}, {new})."
        return head + (" Resumed an interrupted sync." if self.resumed else "")


def selection(only: Sequence[str] | None) -> list[str]:
    """The --only names as the endpoints to run (comments come with tickets)."""
    if not only:
        return list(ENDPOINTS)
    chosen: list[str] = []
    for name in only:
        if name in NOT_YET:
            raise ZendeskError(f"--only {name}: not synced yet (PrivDesk has no table for it)")
        if name not in CHOICES:
            raise ZendeskError(f"--only {name}: not a type; choose from {', '.join(CHOICES)}")
        chosen.append("tickets" if name == "comments" else name)
    return [n for n in ENDPOINTS if n in chosen]


class SyncService(Service):
    """`zendesk.sync` (privacy officer): each page its own authorized transaction."""

    def __init__(
        self,
        ctx: Any,
        principal: Any,
        *,
        sleep: Any = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(ctx, principal)
        self._sleep = sleep
        self._transport = transport

    # ------------------------------------------------------------ the job

    def sync(
        self, only: Sequence[str] | None = None, control: JobControl | None = None
    ) -> SyncResult:
        control = control or JobControl()
        with self._page("zendesk.sync.start") as s:
            names = selection(only)
            client = client_for(load_connection(s), self._sleep, self._transport)
            running = [r.kind for r in s.scalars(select(ZendeskSyncState)) if r.running]
            resumed = bool(running)
            names = [n for n in ENDPOINTS if n in names or n in running]
            comments = not only or "comments" in only
            if set(DIRECTORY) - {"account_settings"} <= set(names):
                names = [n for n in ENDPOINTS if n in names or n == "account_settings"]
            now = utc_iso(self.ctx.clock.now())
            for name in names:
                state = _state(s, name)
                if not state.running:
                    state.running, state.started_at, state.pages, state.objects = True, now, 0, 0
                    if ENDPOINTS[name].directory or name != "tickets":
                        state.cursor = None
            self.audit(s, "zendesk.sync.start", object_type="zendesk_sync",
                       details={"types": names, "resumed": resumed})  # fmt: skip
        run = _Run(self, client, control, comments)
        try:
            with client:
                for name in names:
                    if ENDPOINTS[name].directory:
                        run.directory_pages(ENDPOINTS[name])
                directory = [n for n in names if ENDPOINTS[n].directory]
                if directory:
                    run.build_snapshot(directory)
                for name in names:
                    if name == "tickets":
                        run.tickets()
                    elif not ENDPOINTS[name].directory:
                        run.logs(ENDPOINTS[name])
        except (ImportFailed, ZendeskError) as exc:
            self._failed(names, exc)
            raise
        with self._page("zendesk.sync") as s:
            save_budget(s, load_connection(s), client.budget)
            result = run.result(resumed)
            self.audit(s, "zendesk.sync", object_type="zendesk_sync",
                       object_id=str(result.snapshot_id) if result.snapshot_id else None,
                       details={"kinds": result.kinds, "counts": result.counts,
                                "requests": result.requests})  # fmt: skip
        return result

    @contextmanager
    def _page(self, action: str) -> Iterator[Session]:
        with self.authorized(Permission.ZENDESK_SYNC, action=action) as (s, actor):
            folder, user = self.ctx.workspace.folder, actor.username
            with busy.holding(folder, "zendesk sync", user, self.ctx.clock):
                yield s

    def _failed(self, names: list[str], exc: Exception) -> None:
        """A bad answer: the directory sync under way is dropped; the failure audited."""
        with self._page("zendesk.sync.failed") as s:
            s.execute(delete(ZendeskStaged))
            for name in names:
                state = _state(s, name)
                if ENDPOINTS[name].directory:
                    state.running, state.cursor, state.pages, state.objects = False, None, 0, 0
            self.audit(s, "zendesk.sync.failed", object_type="zendesk_sync", outcome="error",
                       details={"types": names, "error": type(exc).__name__})  # fmt: skip


def _state(s: Session, kind: str) -> ZendeskSyncState:
    state = s.get(ZendeskSyncState, kind)
    if state is None:
        state = ZendeskSyncState(kind=kind, running=False, pages=0, objects=0, last_objects=0)
        s.add(state)
        s.flush()
    return state


def _finish(state: ZendeskSyncState, now: str) -> None:
    state.running, state.last_sync_at, state.last_objects = False, now, state.objects
    state.pages = state.objects = 0


class _Run:
    """One sync's pages: fetched by `client`, each written by `service._page`."""

    def __init__(
        self, service: SyncService, client: Client, control: JobControl, comments: bool
    ) -> None:
        self.service = service
        self.client = client
        self.control = control
        self.comments = comments
        self.kinds: dict[str, dict[str, int]] = {}
        self.counts: dict[str, dict[str, int]] = {}
        self.snapshot: tuple[int | None, bool, bool | None] = (None, False, None)
        self.objects = 0

    def _now(self) -> str:
        return utc_iso(self.service.ctx.clock.now())

    def _progress(self, name: str, pages: int, objects: int) -> None:
        done = self.kinds.setdefault(name, {"pages": 0, "objects": 0})
        done["pages"] += pages
        done["objects"] += objects
        self.objects += objects
        self.control.report(
            self.objects, None, f"{name}: {done['pages']} pages, {done['objects']} objects"
        )

    def _erased(self, s: Session) -> ErasedFilter:
        return ErasedFilter.load(s, Tombstones.load(s, key_for(self.service.ctx.workspace)))

    def _count(self, job: ApiImport) -> None:
        for kind, count in job.counts.kinds.items():
            mine = self.counts.setdefault(kind, dict.fromkeys(count.as_dict(), 0))
            for key, value in count.as_dict().items():
                mine[key] += value

    # ------------------------------------------------------------ directory

    def directory_pages(self, ep: Endpoint) -> None:
        with self.service.ctx.read_session() as s:
            state = _state_read(s, ep.name)
        if state == STAGED_DONE:
            return
        url = state or ep.path
        params = dict(ep.params) if state is None else None
        endpoint = f"GET {ep.path}"
        page = _state_pages(self.service, ep.name) + 1
        while True:
            self.control.raise_if_cancelled()
            where = page_where(endpoint, page)
            answer = self.client.get(url, params, where=where)
            records = records_of(answer.data, ep, where)
            check_records(records, where)
            nxt = next_link(answer.data, where)
            if nxt is not None:
                self.client.url(nxt)  # refuse a link off the connection's origin now
            n = len(records[ep.kinds[0]])
            with self.service._page("zendesk.sync.page") as s:
                body = json.dumps({"where": where, "records": records}, ensure_ascii=False)
                s.add(ZendeskStaged(kind=ep.name, page=page, body=body))
                state_row = _state(s, ep.name)
                state_row.cursor = nxt if nxt is not None else STAGED_DONE
                state_row.pages, state_row.objects = page, state_row.objects + n
            self._progress(ep.name, 1, n)
            if nxt is None:
                return
            url, params, page = nxt, None, page + 1

    def build_snapshot(self, names: list[str]) -> None:
        """The staged pages as one snapshot (complete if the whole directory was synced)."""
        complete = set(DIRECTORY) <= set(names)
        with self.service._page("zendesk.sync.directory") as s:
            kinds = [k for n in names for k in ENDPOINTS[n].kinds]
            job = ApiImport(s, self.control, self._now(), self._erased(s), complete=complete)
            job.feed({k: _staged(s, n, k) for n in names for k in ENDPOINTS[n].kinds})
            try:
                result = job._directory(plan_for(kinds))
            except TooManyProblems:
                raise job.problems.fail() from None
            if job.problems:
                raise job.problems.fail()
            assert result is not None
            if result.created:
                row = s.get(Snapshot, result.snapshot_id)
                assert row is not None
                row.source = SOURCE if complete else f"{SOURCE} (merged)"
            s.execute(delete(ZendeskStaged))
            for name in names:
                _finish(_state(s, name), self._now())
            self._count(job)
            self.snapshot = (result.snapshot_id, result.created, complete)
            self.service.audit(s, "zendesk.sync.directory", object_type="helpdesk_snapshot",
                               object_id=str(result.snapshot_id),
                               details={"complete": complete, "created": result.created,
                                        "totals": dict(result.totals)})  # fmt: skip

    # ------------------------------------------------------------ tickets

    def tickets(self) -> None:
        ep = ENDPOINTS["tickets"]
        endpoint = f"GET {ep.path}"
        with self.service.ctx.read_session() as s:
            cursor = _state_read(s, "tickets")
        page = _state_pages(self.service, "tickets") + 1
        while True:
            self.control.raise_if_cancelled()
            params = dict(ep.params)
            params.update({"cursor": cursor} if cursor else {"start_time": "0"})
            where = page_where(endpoint, page)
            answer = self.client.get(ep.path, params, where=where)
            tickets = records_of(answer.data, ep, where)["tickets"]
            after, end = export_cursor(answer.data, where)
            check_records({"tickets": tickets}, where)
            comments = self._comments(tickets) if self.comments else []
            with self.service._page("zendesk.sync.page") as s:
                snapshot = latest_snapshot(s, SNAPSHOT_DIRECTORY)
                job = ApiImport(s, self.control, self._now(), self._erased(s))
                loc = [(Location(where, record=n), t) for n, t in enumerate(tickets, 1)]
                job.feed({"tickets": loc, "ticket_comments": comments})
                try:
                    job._tickets(
                        plan_for(["tickets", "ticket_comments"]), snapshot.id if snapshot else None
                    )
                except TooManyProblems:
                    raise job.problems.fail() from None
                if job.problems:
                    raise job.problems.fail()
                state = _state(s, "tickets")
                state.cursor = after or cursor
                state.pages, state.objects = page, state.objects + len(tickets)
                if end:
                    _finish(state, self._now())
                self._count(job)
            self._progress("tickets", 1, len(tickets))
            if end:
                return
            cursor, page = after, page + 1

    def _comments(self, tickets: list[Any]) -> list[tuple[Location, dict[str, Any]]]:
        out: list[tuple[Location, dict[str, Any]]] = []
        comment_ep = Endpoint("comments", "", ("ticket_comments",))
        for ticket in tickets:
            if not isinstance(ticket.get("id"), int) or ticket.get("status") == "deleted":
                continue
            path = comments_path(ticket["id"])
            url: str | None = path
            params: dict[str, str] | None = {"page[size]": str(PAGE_SIZE)}
            page = 1
            while url is not None:
                where = page_where(f"GET {path}", page)
                answer = self.client.get(url, params, where=where)
                recs = records_of(answer.data, comment_ep, where)["ticket_comments"]
                for n, rec in enumerate(recs, 1):
                    out.append((Location(where, record=n), {**rec, "ticket_id": ticket["id"]}))
                url, params, page = next_link(answer.data, where), None, page + 1
        return out

    # ------------------------------------------------------------ logs

    def logs(self, ep: Endpoint) -> None:
        with self.service.ctx.read_session() as s:
            state = _state_read(s, ep.name)
        url = state or ep.path
        params = dict(ep.params) if not state else None
        endpoint = f"GET {ep.path}"
        page = _state_pages(self.service, ep.name) + 1
        name = ep.kinds[0]
        while True:
            self.control.raise_if_cancelled()
            where = page_where(endpoint, page)
            answer = self.client.get(url, params, where=where)
            recs = records_of(answer.data, ep, where)[name]
            check_records({name: recs}, where)
            nxt = next_link(answer.data, where)
            with self.service._page("zendesk.sync.page") as s:
                job = ApiImport(s, self.control, self._now(), self._erased(s))
                job.feed({name: [(Location(where, record=n), r) for n, r in enumerate(recs, 1)]})
                upserter = Upserter(s, job.problems, job.counts[name], _table(name))
                job._load(plan_for([name]), name, job._log_sink(name, upserter))
                upserter.flush()
                if job.problems:
                    raise job.problems.fail()
                state_row = _state(s, ep.name)
                state_row.cursor = nxt
                state_row.pages, state_row.objects = page, state_row.objects + len(recs)
                if nxt is None:
                    _finish(state_row, self._now())
                self._count(job)
            self._progress(ep.name, 1, len(recs))
            if nxt is None:
                return
            url, params, page = nxt, None, page + 1

    def result(self, resumed: bool) -> SyncResult:
        snapshot_id, created, complete = self.snapshot
        return SyncResult(self.kinds, snapshot_id, created, complete, self.counts,
                          self.client.requests, self.client.waited_s, resumed,
                          self.client.budget.to_json())  # fmt: skip


def _state_read(s: Session, kind: str) -> str | None:
    row = s.get(ZendeskSyncState, kind)
    return row.cursor if row is not None else None


def _state_pages(service: SyncService, kind: str) -> int:
    with service.ctx.read_session() as s:
        row = s.get(ZendeskSyncState, kind)
        return row.pages if row is not None and row.running else 0


def _staged(s: Session, name: str, kind: str) -> Iterator[tuple[Location, dict[str, Any]]]:
    """The staged records of an importer kind, page by page, located where they came from."""
    query = select(ZendeskStaged.body).where(ZendeskStaged.kind == name).order_by(ZendeskStaged.id)
    for (body,) in s.execute(query):
        page = json.loads(body)
        for n, rec in enumerate(page["records"].get(kind, ()), 1):
            yield Location(page["where"], record=n), rec
