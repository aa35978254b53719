"""Help-desk data service: imports (Zendesk, CSV, roster), status, the directory.

Imports run in one transaction: validation and writing happen in one streaming pass and
any problem, or a cancel, rolls everything back; a failure is then audited on its own
(`import.failed`, file name and counts only). Audit details never carry names or emails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, desc, func, or_, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.dsar.tombstones import Tombstones, key_for
from app.importers.csv_import import CsvImport, load_mapping
from app.importers.erased import ErasedFilter
from app.importers.loader import Counts, latest_snapshot
from app.importers.problems import ImportFailed
from app.importers.snapshots import WriterResult
from app.importers.zendesk_run import ZendeskImport, plan
from app.jobs import Cancelled, JobControl
from app.security.guard import PermissionDenied, Service
from app.security.permissions import Permission
from models.helpdesk import (
    SNAPSHOT_DIRECTORY,
    SNAPSHOT_ROSTER,
    STAFF_ROLES,
    Comment,
    CustomRole,
    HelpdeskGroup,
    Organization,
    Person,
    RosterEntry,
    Snapshot,
    Ticket,
)

ROLE_FILTERS = ("end-user", "agent", "admin", "staff")


_PEOPLE_KINDS = ("users", "agents", "people")


def _noun(kind: str) -> str:
    if kind in _PEOPLE_KINDS:
        return "people"
    return "roster entries" if kind == "roster" else kind.replace("_", " ")


@dataclass(frozen=True)
class ImportResult:
    """What an import did. Counts per kind: read, inserted (added), updated (changed),
    unchanged, removed (only a complete directory removes: whoever its files lack)."""

    source: str  # zendesk | csv:agents | csv:people | csv:roster
    snapshot_id: int | None  # the snapshot now current (new, or the identical previous one)
    snapshot_created: bool
    counts: Mapping[str, Mapping[str, int]]  # kind -> read / inserted / updated / unchanged
    files: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    preview: bool = False
    complete: bool | None = None  # None: no directory (or roster) records in the import
    base_snapshot_id: int | None = None  # a partial import: the snapshot it was merged into
    totals: Mapping[str, int] = field(default_factory=dict)  # rows of the current snapshot
    erased: Mapping[str, int] = field(default_factory=dict)  # kind -> records skipped
    erased_mentions: int = 0  # kept records whose text had an erased identifier removed

    @property
    def erased_skipped(self) -> int:
        """Records of erased subjects in the files, skipped (see app.importers.erased)."""
        return sum(self.erased.values())

    def erased_text(self) -> str:
        """'3 records of erased subjects skipped (users 1, …).', or '' if none were."""
        n, m = self.erased_skipped, self.erased_mentions
        kinds = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in self.erased.items())
        parts = []
        if n:
            parts.append(f"{n} record{'s' if n != 1 else ''} of erased subjects skipped ({kinds}).")
        if m:
            s = "s" if m != 1 else ""
            parts.append(f"Erased subjects' e-mails or phones removed from {m} other record{s}.")
        return " ".join(parts)

    @property
    def changes(self) -> int:
        return sum(c["inserted"] + c["updated"] + c.get("removed", 0) for c in self.counts.values())

    @property
    def unchanged(self) -> bool:
        return self.changes == 0

    @property
    def merged(self) -> bool:
        return self.base_snapshot_id is not None

    def _read(self) -> str:
        return ", ".join(f"{c['read']} {_noun(k)}" for k, c in self.counts.items() if c["read"])

    def _snapshot_sentence(self, verb: str) -> str:
        people = next((self.totals[k] for k in ("users", "roster") if k in self.totals), 0)
        noun = "person" if people == 1 else "people"
        if "roster" in self.totals:
            noun = "roster entry" if people == 1 else "roster entries"
        size = f" ({people} {noun})"
        if self.complete is None:
            where = f"snapshot #{self.snapshot_id}" if self.snapshot_id else "no snapshot"
            return f"directory unchanged ({where})"
        directory = ", ".join(
            f"{c['read']} {_noun(k)}"
            for k, c in self.counts.items()
            if c["read"] and (k in self.totals or k in _PEOPLE_KINDS)
        )
        if self.merged:
            return (
                f"{verb} {directory or 'nothing'} into snapshot #{self.snapshot_id}{size}, "
                f"a copy of #{self.base_snapshot_id} (a partial import removes nobody)"
            )
        what = "complete directory" if self.complete else "first snapshot"
        if "roster" in self.totals:
            what = "HR roster"
        return f"{what}: new snapshot #{self.snapshot_id}{size}"

    def summary(self) -> str:
        erased = self.erased_text()
        return f"{self._summary()} {erased}" if erased else self._summary()

    def _summary(self) -> str:
        read = self._read()
        if self.preview:
            plan = ""
            if self.merged:
                plan = f" Would merge into a copy of snapshot #{self.base_snapshot_id}."
            elif self.complete and not self.unchanged:
                plan = " Would replace the directory (complete)."
            return f"Preview only, nothing written: {read or 'no records'}.{plan}"
        if self.unchanged:
            where = f"; snapshot #{self.snapshot_id} is current" if self.snapshot_id else ""
            return f"No changes: {read or 'no records'} already up to date{where}."
        parts = []
        for kind, c in self.counts.items():
            what = [
                f"{n} {word}"
                for n, word in (
                    (c["inserted"], "added"),
                    (c["updated"], "changed"),
                    (c.get("removed", 0), "removed"),
                )
                if n
            ]
            if what:
                parts.append(f"{_noun(kind)} {', '.join(what)}")
        skipped = f" Not imported: {'; '.join(self.skipped)}." if self.skipped else ""
        head = self._snapshot_sentence("Merged")
        return f"{head[:1].upper()}{head[1:]}. Changes: {'; '.join(parts)}.{skipped}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "snapshot_id": self.snapshot_id,
            "snapshot_created": self.snapshot_created,
            "complete": self.complete,
            "merged_into": self.base_snapshot_id,
            "totals": dict(self.totals),
            "changes": self.changes,
            "unchanged": self.unchanged,
            "preview": self.preview,
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "files": list(self.files),
            "skipped": list(self.skipped),
            "erased_skipped": self.erased_skipped,
            "erased_skipped_by_kind": dict(self.erased),
            "erased_mentions_removed": self.erased_mentions,
        }


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    kind: str
    source: str
    created_at: str
    counts: Mapping[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "created_at": self.created_at,
            "counts": dict(self.counts),
        }


@dataclass(frozen=True)
class HelpdeskStatus:
    counts: Mapping[str, int]
    last_snapshot: SnapshotInfo | None
    last_roster_snapshot: SnapshotInfo | None

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "last_snapshot": self.last_snapshot.to_json() if self.last_snapshot else None,
            "last_roster_snapshot": (
                self.last_roster_snapshot.to_json() if self.last_roster_snapshot else None
            ),
        }


@dataclass(frozen=True)
class PersonRow:
    """One person of a directory snapshot; email and phone masked unless revealed."""

    id: int | None  # the help desk's own id
    snapshot_id: int
    name: str | None
    email: str | None
    phone: str | None
    role: str
    role_type: int | None
    custom_role: str | None
    restricted_agent: bool | None
    suspended: bool | None
    active: bool | None
    two_factor_auth_enabled: bool | None
    last_login_at: str | None
    created_at: str | None
    organization_id: int | None
    tags: tuple[str, ...] = field(default=())
    masked: bool = True


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    digits = [c for c in phone if c.isdigit()]
    return "***" + "".join(digits[-2:])


class _Preview(Exception):
    def __init__(self, result: ImportResult) -> None:
        super().__init__("preview")
        self.result = result


def _result(
    source: str,
    snapshot: WriterResult | None,
    counts: Counts,
    *,
    current: int | None,
    files: Sequence[str],
    skipped: Sequence[str] = (),
    preview: bool = False,
    erased: Mapping[str, int] | None = None,
    erased_mentions: int = 0,
) -> ImportResult:
    return ImportResult(
        source=source,
        snapshot_id=snapshot.snapshot_id if snapshot else current,
        snapshot_created=bool(snapshot and snapshot.created),
        counts={k: c.as_dict() for k, c in counts.kinds.items()},
        files=tuple(files),
        skipped=tuple(skipped),
        preview=preview,
        complete=snapshot.complete if snapshot else None,
        base_snapshot_id=snapshot.base_id if snapshot else None,
        totals=dict(snapshot.totals) if snapshot else {},
        erased=dict(erased or {}),
        erased_mentions=erased_mentions,
    )


class HelpdeskService(Service):
    """Imports need `helpdesk.import`; status and the directory need `helpdesk.view`."""

    # ------------------------------------------------------------ imports

    def import_zendesk(
        self,
        path: Path | Sequence[Path],
        control: JobControl | None = None,
        *,
        preview: bool = False,
        complete: bool = False,
    ) -> ImportResult:
        """Import a Zendesk export folder or files; `preview` validates and writes nothing.

        Directory records make a new snapshot: the import alone when `complete` (or the
        files are a full account export), else merged into a copy of the latest one."""
        paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        control = control or JobControl()
        action = "import.zendesk"
        try:
            with self.authorized(Permission.HELPDESK_IMPORT, action=action) as (s, _actor):
                the_plan = plan(paths)
                job = ZendeskImport(
                    s,
                    control,
                    utc_iso(self.ctx.clock.now()),
                    self._erased(s),
                    complete=complete,
                )
                outcome = job.run(the_plan)
                result = _result(
                    "zendesk",
                    outcome.directory,
                    outcome.counts,
                    current=outcome.snapshot_id,
                    files=outcome.files,
                    skipped=outcome.skipped,
                    preview=preview,
                    erased=outcome.erased,
                    erased_mentions=outcome.erased_mentions,
                )
                if preview:
                    raise _Preview(result)
                self._audit_import(s, action, result)
        except _Preview as p:
            return p.result
        except (ImportFailed, Cancelled) as exc:
            self._audit_failure("zendesk", exc)
            raise
        return result

    def import_csv(
        self,
        kind: str,
        path: Path,
        mapping: Path | None = None,
        control: JobControl | None = None,
        *,
        preview: bool = False,
        complete: bool = False,
    ) -> ImportResult:
        """Import an agents / people CSV (directory snapshot) or an HR roster CSV.

        Agents and people merge into the latest directory unless `complete`; a roster is
        always a complete roster snapshot."""
        control = control or JobControl()
        action = "import.csv"
        try:
            with self.authorized(Permission.HELPDESK_IMPORT, action=action) as (s, _actor):
                job = CsvImport(s, control, utc_iso(self.ctx.clock.now()), kind, self._erased(s))
                the_mapping = load_mapping(kind, mapping)
                snapshot = job.run(Path(path), the_mapping, complete=complete)
                result = _result(
                    f"csv:{kind}",
                    snapshot,
                    job.counts,
                    current=snapshot.snapshot_id,
                    files=(Path(path).name,),
                    preview=preview,
                    erased=job.erased.counts(),
                )
                if preview:
                    raise _Preview(result)
                self._audit_import(s, action, result)
        except _Preview as p:
            return p.result
        except (ImportFailed, Cancelled) as exc:
            self._audit_failure(f"csv:{kind}", exc)
            raise
        return result

    def _erased(self, s: Session) -> ErasedFilter:
        """What this import skips: records of subjects erased by a DSAR erasure."""
        return ErasedFilter.load(s, Tombstones.load(s, key_for(self.ctx.workspace)))

    def _audit_import(self, s: Session, action: str, result: ImportResult) -> None:
        self.audit(
            s,
            action,
            object_type="helpdesk_snapshot",
            object_id=str(result.snapshot_id) if result.snapshot_id else None,
            details={
                "source": result.source,
                "snapshot_id": result.snapshot_id,
                "snapshot_created": result.snapshot_created,
                "complete": result.complete,
                "merged_into": result.base_snapshot_id,
                "changes": result.changes,
                "files": len(result.files),
                "counts": {k: dict(v) for k, v in result.counts.items()},
                "erased_skipped": dict(result.erased),
                "erased_mentions_removed": result.erased_mentions,
            },
        )

    def _audit_failure(self, source: str, exc: ImportFailed | Cancelled) -> None:
        if isinstance(exc, ImportFailed):
            details: dict[str, Any] = {
                "source": source,
                "reason": "invalid",
                "file": exc.file,
                "problems": len(exc.problems),
                "records_read": exc.records_read,
            }
        else:
            details = {"source": source, "reason": "cancelled"}
        with self.ctx.session() as s:
            self.audit(s, "import.failed", outcome="error", details=details)

    # ------------------------------------------------------------ reading

    def status(self) -> HelpdeskStatus:
        """Counts of the latest directory snapshot, all tickets/comments, the latest roster."""
        with self.authorized(Permission.HELPDESK_VIEW, action="helpdesk.status") as (s, _a):
            snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
            roster = latest_snapshot(s, SNAPSHOT_ROSTER)
            sid = snap.id if snap else -1

            def count(model: Any, *where: Any) -> int:
                return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

            counts = {
                "people": count(Person, Person.snapshot_id == sid),
                "agents": count(Person, Person.snapshot_id == sid, Person.role.in_(STAFF_ROLES)),
                "tickets": count(Ticket),
                "comments": count(Comment),
                "custom_roles": count(CustomRole, CustomRole.snapshot_id == sid),
                "groups": count(HelpdeskGroup, HelpdeskGroup.snapshot_id == sid),
                "organizations": count(Organization, Organization.snapshot_id == sid),
                "roster": count(
                    RosterEntry, RosterEntry.snapshot_id == (roster.id if roster else -1)
                ),
            }
            return HelpdeskStatus(counts, _info(snap), _info(roster))

    def snapshots(self, kind: str = SNAPSHOT_DIRECTORY) -> list[SnapshotInfo]:
        """Snapshots of `kind`, newest first (for comparing quarters)."""
        with self.authorized(Permission.HELPDESK_VIEW, action="helpdesk.snapshots") as (s, _a):
            rows = s.scalars(select(Snapshot).where(Snapshot.kind == kind).order_by(desc("id")))
            return [i for i in (_info(r) for r in rows) if i is not None]

    def directory(
        self,
        query: str | None = None,
        role: str | None = None,
        limit: int = 200,
        *,
        snapshot_id: int | None = None,
        reveal: bool = False,
        reason: str | None = None,
    ) -> list[PersonRow]:
        """People of the latest (or given) snapshot, by name; emails masked.

        `role` is end-user, agent, admin or staff (agents and admins). `reveal` shows
        emails and phones in full: it needs `pii.reveal` and a reason, and is audited.
        """
        if role is not None and role not in ROLE_FILTERS:
            raise ValueError(f"role must be one of {', '.join(ROLE_FILTERS)}")
        if reveal and not (reason and reason.strip()):
            raise PermissionDenied("Give a reason to reveal personal data.", Permission.PII_REVEAL)
        permission = Permission.PII_REVEAL if reveal else Permission.HELPDESK_VIEW
        with self.authorized(permission, action="helpdesk.directory") as (s, actor):
            if not actor.principal.can(Permission.HELPDESK_VIEW):
                raise PermissionDenied(
                    "You don't have permission to view help-desk data.", Permission.HELPDESK_VIEW
                )
            if snapshot_id is None:
                snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
                if snap is None:
                    return []
                snapshot_id = snap.id
            rows = _directory_rows(s, snapshot_id, query, role, limit, masked=not reveal)
            details: dict[str, Any] = {
                "snapshot_id": snapshot_id,
                "rows": len(rows),
                "role": role,
                "searched": bool(query),
                "revealed": reveal,
            }
            if reveal:
                details["reason"] = reason
            self.audit(
                s,
                "pii.reveal" if reveal else "helpdesk.directory.view",
                object_type="helpdesk_snapshot",
                object_id=str(snapshot_id),
                details=details,
            )
            return rows


def _info(snap: Snapshot | None) -> SnapshotInfo | None:
    if snap is None:
        return None
    counts = json.loads(snap.counts_json or "{}")
    return SnapshotInfo(snap.id, snap.kind, snap.source, snap.created_at, counts)


def _directory_rows(
    s: Session, snapshot_id: int, query: str | None, role: str | None, limit: int, *, masked: bool
) -> list[PersonRow]:
    role_join = and_(
        CustomRole.snapshot_id == Person.snapshot_id,
        CustomRole.zendesk_id == Person.custom_role_id,
    )
    stmt = (
        select(Person, CustomRole.name)
        .outerjoin(CustomRole, role_join)
        .where(Person.snapshot_id == snapshot_id)
    )
    if role == "staff":
        stmt = stmt.where(Person.role.in_(STAFF_ROLES))
    elif role is not None:
        stmt = stmt.where(Person.role == role)
    if query and query.strip():
        needle = f"%{query.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Person.name).like(needle),
                func.lower(Person.email).like(needle),
                func.lower(Person.external_id).like(needle),
            )
        )
    stmt = stmt.order_by(func.lower(Person.name), Person.id).limit(max(1, min(limit, 10_000)))
    out = []
    for p, role_name in s.execute(stmt):
        out.append(
            PersonRow(
                id=p.zendesk_id,
                snapshot_id=p.snapshot_id,
                name=p.name,
                email=mask_email(p.email) if masked else p.email,
                phone=mask_phone(p.phone) if masked else p.phone,
                role=p.role,
                role_type=p.role_type,
                custom_role=role_name,
                restricted_agent=p.restricted_agent,
                suspended=p.suspended,
                active=p.active,
                two_factor_auth_enabled=p.two_factor_auth_enabled,
                last_login_at=p.last_login_at,
                created_at=p.created_at,
                organization_id=p.organization_id,
                tags=tuple(json.loads(p.tags_json or "[]")),
                masked=masked,
            )
        )
    return out
