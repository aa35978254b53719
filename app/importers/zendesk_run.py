"""One Zendesk import inside the caller's transaction: directory first, then tickets.

Order: organizations, custom roles, groups, users, identities, memberships, account
settings (one snapshot), then tickets (with any embedded comments), ticket comments,
audit logs and access logs. References are checked against this import's directory or,
when it has none, the latest snapshot. Problems are collected (up to MAX_PROBLEMS) and
raised together as :class:`ImportFailed`; the caller's rollback then leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.importers.erased import ErasedFilter
from app.importers.loader import (
    Counts,
    IdSet,
    Upserter,
    known_people,
    known_tickets,
    latest_snapshot,
)
from app.importers.problems import ImportFailed, Location, Problems, TooManyProblems, fail_now
from app.importers.snapshots import DIRECTORY_TABLES, SnapshotWriter, WriterResult
from app.importers.sources import Progress, Select, SourceFile, iter_records
from app.importers.zendesk import (
    BY_NAME,
    KINDS,
    NOT_IMPORTED,
    PAGE_KEYS,
    SUFFIXES,
    Kind,
    auth_settings,
    comments_ticket_from_name,
    embedded_comments,
    normalise,
    record_id,
)
from app.importers.zendesk_shapes import shape_of
from app.jobs import JobControl
from app.testhooks import hold
from models.helpdesk import (
    SNAPSHOT_DIRECTORY,
    AccessLog,
    Comment,
    Ticket,
    ZendeskAuditLog,
)

# The directory's kinds (snapshotted), then the kinds upserted outside any snapshot.
TABLES: dict[str, Any] = {
    **DIRECTORY_TABLES,
    "tickets": Ticket,
    "ticket_comments": Comment,
    "audit_logs": ZendeskAuditLog,
    "access_logs": AccessLog,
}
PEOPLE_REFS = ("requester_id", "submitter_id", "assignee_id")
SYSTEM_USER = -1  # Zendesk's actor id for changes made by the system


def _table(kind: str) -> Table:
    table: Table = TABLES[kind].__table__
    return table


@dataclass
class Outcome:
    source: str
    snapshot_id: int | None
    snapshot_created: bool
    counts: Counts
    files: list[str]
    skipped: list[str] = field(default_factory=list)
    erased: dict[str, int] = field(default_factory=dict)  # kind -> records skipped
    erased_mentions: int = 0  # kept records whose text had an erased identifier removed
    directory: WriterResult | None = None  # None: the import had no directory records


@dataclass
class Plan:
    files: dict[str, list[SourceFile]]  # kind -> files with its records, own files first
    skipped: list[str]  # "name: why it is not imported"
    own: dict[str, str] = field(default_factory=dict)  # file name -> the file's own kind
    holds: dict[str, list[str]] = field(default_factory=dict)  # file name -> kinds read

    def all(self) -> list[SourceFile]:
        unique = {f.name: f for files in self.files.values() for f in files}
        return list(unique.values())

    def select(self, src: SourceFile, kind: Kind) -> Select:
        """What the pass over `src` for `kind` reads from it."""
        held = [BY_NAME[k] for k in self.holds.get(src.name, [kind.name])]
        return Select(
            keys=kind.keys,
            result_type=kind.result_type,
            primary=self.own.get(src.name, kind.name) == kind.name,
            known=frozenset(key for k in held for key in k.keys),
            types=frozenset(k.result_type for k in held if k.result_type),
            not_imported=NOT_IMPORTED,
        )


NOT_JSON = "not a JSON export file"
NOT_ZENDESK = "not a recognised Zendesk export file"


def plan(paths: Sequence[Path]) -> Plan:
    """Which file holds which kinds; every other file is named with the reason it is skipped.

    A file given by name that is not a Zendesk export is an error; in a folder it is
    listed and skipped (a manifest beside the export). Recognised responses that are not
    imported (ticket audits, ticket events) are skipped with their reason either way.
    """
    found: list[tuple[SourceFile, bool]] = []  # (file, named explicitly)
    skipped: list[str] = []
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path).as_posix()
                if not p.is_file() or p.name.startswith("."):
                    continue
                if p.suffix.lower() in SUFFIXES:
                    found.append((SourceFile(p, rel), False))
                else:
                    skipped.append(f"{rel}: {NOT_JSON}")
        elif path.is_file():
            found.append((SourceFile(path, path.name), True))
        else:
            raise fail_now(Location(path.name or str(path)), "no such file or folder")
    if not found:
        raise fail_now(Location(paths[0].name if paths else "."), "no Zendesk export files")
    own: dict[str, list[SourceFile]] = {}
    side: dict[str, list[SourceFile]] = {}
    the_plan = Plan({}, skipped)
    problems = Problems()
    for src, explicit in found:
        shape = shape_of(src)
        if shape is None and explicit:
            problems.add(Location(src.name), NOT_ZENDESK)
            continue
        if shape is None or not shape.kinds:
            skipped.append(f"{src.name}: {shape.reason if shape else NOT_ZENDESK}")
            continue
        the_plan.own[src.name] = shape.kinds[0].name
        the_plan.holds[src.name] = [k.name for k in shape.kinds]
        own.setdefault(shape.kinds[0].name, []).append(src)
        for kind in shape.kinds[1:]:
            side.setdefault(kind.name, []).append(src)
    if problems:
        raise problems.fail()
    if not own:
        first = skipped[0] if skipped else f"{found[0][0].name}: {NOT_ZENDESK}"
        name, _, why = first.partition(": ")
        why = why if why != NOT_ZENDESK else "no recognised Zendesk export files"
        raise fail_now(Location(name), why)
    for k in KINDS:
        if k.name in own or k.name in side:
            the_plan.files[k.name] = own.get(k.name, []) + side.get(k.name, [])
    return the_plan


def _repeated(rec: dict[str, Any], seen: dict[Any, bytes]) -> bool:
    """True if a record with this id and this content was read already (else remember it)."""
    ident = record_id(rec)
    if ident is None:
        return False
    try:
        text = json.dumps(rec, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    except (RecursionError, ValueError):
        return False  # its problems are reported where it is read
    if seen.get(ident) == digest:
        return True
    seen.setdefault(ident, digest)
    return False


class ZendeskImport:
    def __init__(
        self,
        s: Session,
        control: JobControl,
        now: str,
        erased: ErasedFilter | None = None,
        *,
        complete: bool = False,
    ) -> None:
        self.s = s
        self.erased = erased or ErasedFilter()
        self.now = now
        self.complete = complete  # the operator says the files hold the whole directory
        self.problems = Problems()
        self.counts = Counts()
        self.control = control
        self.progress = Progress(control, 0)
        self.notes: dict[str, list[str]] = {}

    def _noter(self, name: str) -> Any:
        def note(text: str) -> None:
            found = self.notes.setdefault(name, [])
            if text not in found:
                found.append(text)

        return note

    def run(self, the_plan: Plan) -> Outcome:
        self.progress.total = max(sum(f.size for f in the_plan.all()), 1)
        try:
            directory = self._directory(the_plan)
            snapshot_id = directory.snapshot_id if directory else self._latest_id()
            hold("import")  # tests only: hold the write transaction open here
            self._tickets(the_plan, snapshot_id)
            for name in ("audit_logs", "access_logs"):
                upserter = Upserter(self.s, self.problems, self.counts[name], _table(name))
                self._load(the_plan, name, self._log_sink(name, upserter))
                upserter.flush()
        except TooManyProblems:
            raise self.problems.fail(self.counts.read()) from None
        except ImportFailed as exc:
            raise self.problems.merged(exc) from None
        if self.problems:
            raise self.problems.fail(self.counts.read())
        return Outcome(
            "zendesk",
            snapshot_id,
            bool(directory and directory.created),
            self.counts,
            [f.name for f in the_plan.all()],
            the_plan.skipped + [f"{n}: {t}" for n, texts in self.notes.items() for t in texts],
            self.erased.counts(),
            self.erased.scrubbed,
            directory,
        )

    def _log_sink(self, name: str, upserter: Upserter) -> Any:
        def sink(row: dict[str, Any], loc: Location, _rec: dict[str, Any]) -> None:
            if not self.erased.directory(name, row):
                upserter.add(row, loc)

        return sink

    def _records(self, the_plan: Plan, kind: Kind) -> Iterable[tuple[Location, dict[str, Any]]]:
        """The kind's records: its own files first, then side-loads in other files.

        A side-loaded record whose id was already read for this kind (the same requester
        side-loaded on every page) is the same object: it is read once. So is a record of
        an API page repeated unchanged on a later page (time-based incremental exports
        repeat the record at a page boundary): within a file, and for directory kinds
        across files. A repeat that differs is still a duplicate id.
        """
        ids = IdSet()
        files = the_plan.files.get(kind.name, [])
        side_loaded = any(not the_plan.select(f, kind).primary for f in files)
        repeats: dict[Any, bytes] = {}
        for src in files:
            sel = the_plan.select(src, kind)
            note = self._noter(src.name) if sel.primary else None
            if not kind.directory:
                repeats = {}
            try:
                for loc, rec in iter_records(src, sel, self.progress, PAGE_KEYS, note):
                    if loc.record is not None and _repeated(rec, repeats):
                        continue
                    if side_loaded:  # ids kept only when another file side-loads the kind
                        ident = record_id(rec)
                        if ident is not None and not ids.add(ident) and not sel.primary:
                            continue
                    self.progress.record(kind.name)
                    yield loc, rec
            except OSError as exc:
                raise fail_now(
                    Location(src.name), f"cannot be read ({type(exc).__name__})"
                ) from None
            self.progress.file_done(kind.name)

    def _load(self, the_plan: Plan, name: str, sink: Any, invalid: Any = None) -> None:
        kind = BY_NAME[name]
        for loc, rec in self._records(the_plan, kind):
            row = normalise(kind, rec, loc, self.problems)
            if row is not None:
                sink(row, loc, rec)
            elif invalid is not None:
                invalid(rec)

    # ------------------------------------------------------------ directory

    def _latest_id(self) -> int | None:
        latest = latest_snapshot(self.s, SNAPSHOT_DIRECTORY)
        return latest.id if latest else None

    def _directory(self, the_plan: Plan) -> WriterResult | None:
        """A new snapshot: the import alone when complete, else merged into the latest."""
        kinds = [k for k in KINDS if k.directory and k.name in the_plan.files]
        if not kinds:
            return None
        complete = self.complete or full_account_export(the_plan)
        if complete and "users" not in the_plan.files:
            first = the_plan.files[kinds[0].name][0].name
            raise fail_now(
                Location(first), "a complete directory needs the users file too (users.json)"
            )
        writer = SnapshotWriter(
            self.s,
            self.problems,
            self.counts,
            kind=SNAPSHOT_DIRECTORY,
            source="zendesk",
            now=self.now,
            complete=complete,
        )
        for kind in kinds:
            if kind.name == "account_settings":
                self._settings(the_plan, kind, writer)
                continue
            for loc, rec in self._records(the_plan, kind):
                row = normalise(kind, rec, loc, self.problems)
                if row is None and isinstance(rec.get("id"), int):
                    writer.mark_seen(kind.name, rec["id"], loc.file)
                if row is not None and self.erased.directory(kind.name, row):
                    writer.skip(kind.name, row)
                    continue
                if row is None or not self._refs_ok(kind.name, row, loc, writer):
                    continue
                writer.add(kind.name, _table(kind.name), row, loc, row["zendesk_id"])
        if self.problems:
            raise self.problems.fail(self.counts.read())
        return writer.finish()

    def _refs_ok(self, kind: str, row: dict[str, Any], loc: Location, w: SnapshotWriter) -> bool:
        refs: list[tuple[str, str]] = []
        if kind in ("identities", "group_memberships"):
            refs.append(("user_id", "users"))
        if kind == "group_memberships":
            refs.append(("group_id", "groups"))
        ok = True
        for column, target in refs:
            if not w.seen(target, row[column]) and not w.in_base(target, row[column]):
                noun = "user" if target == "users" else "group"
                where = "this import or the directory" if w.merging else "this import"
                self.problems.add(loc, f"{column} {row[column]} is not a {noun} in {where}")
                ok = False
        return ok

    def _settings(self, the_plan: Plan, kind: Kind, writer: SnapshotWriter) -> None:
        for loc, rec in self._records(the_plan, kind):
            row = auth_settings(rec, loc, self.problems)
            if row is not None:
                writer.add(
                    kind.name,
                    _table(kind.name),
                    row,
                    loc,
                    "settings",
                    duplicate="more than one account settings record",
                )

    # ------------------------------------------------------------ tickets & comments

    def _tickets(self, the_plan: Plan, snapshot_id: int | None) -> None:
        tickets_seen = IdSet()  # ids of this import's tickets, valid or not

        def check_people(batch: list[tuple[dict[str, Any], Location]]) -> None:
            wanted = [r[c] for r, _ in batch for c in PEOPLE_REFS if r.get(c) is not None]
            known = known_people(self.s, snapshot_id, wanted)
            keep = []
            for row, loc in batch:
                bad = [
                    c
                    for c in PEOPLE_REFS
                    if row.get(c) not in (None, SYSTEM_USER)
                    and row[c] not in known
                    and not self.erased.user(row[c])  # an erased subject: not dangling
                ]
                for column in bad:
                    hint = "" if snapshot_id is not None else " (no users imported yet)"
                    self.problems.add(loc, f"{column} {row[column]} is not a known user{hint}")
                if not bad:
                    keep.append((row, loc))
            batch[:] = keep

        tickets = Upserter(
            self.s, self.problems, self.counts["tickets"], _table("tickets"), check=check_people
        )

        def check_tickets(batch: list[tuple[dict[str, Any], Location]]) -> None:
            tickets.flush()
            missing = {r["ticket_id"] for r, _ in batch if r["ticket_id"] not in tickets_seen}
            known = known_tickets(self.s, missing) if missing else set()
            keep = []
            for row, loc in batch:
                tid = row["ticket_id"]
                if tid in tickets_seen or tid in known:
                    keep.append((row, loc))
                else:
                    self.problems.add(loc, f"ticket_id {tid} is not a known ticket")
            batch[:] = keep

        comments = Upserter(
            self.s,
            self.problems,
            self.counts["ticket_comments"],
            _table("ticket_comments"),
            check=check_tickets,
        )
        comment_kind = BY_NAME["ticket_comments"]

        def ticket_sink(row: dict[str, Any], loc: Location, rec: dict[str, Any]) -> None:
            embedded = embedded_comments(rec, loc, self.problems)
            if self.erased.ticket(row, len(embedded)):
                tickets_seen.add(row["id"])
                return
            if not tickets.add(row, loc):
                return
            tickets_seen.add(row["id"])
            for n, raw in enumerate(embedded, 1):
                cloc = loc.sub(f"comment {n}")
                crow = normalise(comment_kind, {**raw, "ticket_id": row["id"]}, cloc, self.problems)
                if crow is not None and not self.erased.comment(crow):
                    comments.add(crow, cloc)

        def ticket_invalid(rec: dict[str, Any]) -> None:
            # Its problems are reported already; don't report its comments as orphans too.
            ident = record_id(rec)
            if isinstance(ident, int):
                tickets_seen.add(ident)

        self._load(the_plan, "tickets", ticket_sink, ticket_invalid)
        tickets.flush()

        def comment_sink(row: dict[str, Any], loc: Location, _rec: dict[str, Any]) -> None:
            if row["ticket_id"] is None:
                row["ticket_id"] = comments_ticket_from_name(loc.file)
            if row["ticket_id"] is None:
                self.problems.add(loc, "ticket_id is missing")
                return
            if not self.erased.comment(row):
                comments.add(row, loc)

        self._load(the_plan, "ticket_comments", comment_sink)
        comments.flush()


def full_account_export(the_plan: Plan) -> bool:
    """A recognised full account export: every users file is Zendesk's NDJSON account
    export (one user object per line, as Admin Center's JSON export writes it), not an
    API page (``{"users": [...], "next_page": …}``), which may be one page of many."""
    own = [f for f in the_plan.files.get("users", []) if the_plan.own.get(f.name) == "users"]
    return bool(own) and all(_one_user_per_line(src) for src in own)  # side-loads: extra


_FIRST_LINE = 1 << 20  # a user object is far smaller; an API page on one line is not read


def _one_user_per_line(src: SourceFile) -> bool:
    try:
        with src.path.open("rb") as f:
            first = f.readline(_FIRST_LINE)
            while first and not first.strip():
                first = f.readline(_FIRST_LINE)
        record = json.loads(first)
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(record, dict) and "id" in record and "users" not in record
