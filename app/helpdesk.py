"""Help-desk data service: imports (Zendesk, CSV, roster), status, the directory.

Imports run in one transaction: validation and writing happen in one streaming pass and
any problem, or a cancel, rolls everything back; a failure is then audited on its own
(`import.failed`, file name and counts only). Audit details never carry names or emails.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, desc, func, or_, select
from sqlalchemy.orm import Session

from app import busy
from app.clock import utc_iso
from app.dsar.tombstones import Tombstones, key_for
from app.importers.csv_import import CsvImport, load_mapping
from app.importers.erased import ErasedFilter
from app.importers.loader import latest_snapshot
from app.importers.problems import ImportFailed
from app.importers.result import ImportResult, import_result
from app.importers.zendesk_run import ZendeskImport, plan
from app.jobs import Cancelled, JobControl
from app.security.guard import Actor, PermissionDenied, Service
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
            with (
                self.authorized(Permission.HELPDESK_IMPORT, action=action) as (s, actor),
                self._busy(actor),
            ):
                the_plan = plan(paths)
                job = ZendeskImport(
                    s,
                    control,
                    utc_iso(self.ctx.clock.now()),
                    self._erased(s),
                    complete=complete,
                )
                outcome = job.run(the_plan)
                result = import_result(
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
            with (
                self.authorized(Permission.HELPDESK_IMPORT, action=action) as (s, actor),
                self._busy(actor),
            ):
                job = CsvImport(s, control, utc_iso(self.ctx.clock.now()), kind, self._erased(s))
                the_mapping = load_mapping(kind, mapping)
                snapshot = job.run(Path(path), the_mapping, complete=complete)
                result = import_result(
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

    def _busy(self, actor: Actor) -> AbstractContextManager[object]:
        """The lock record while the import's one transaction holds the write lock: a
        writer that times out meanwhile says "an import is running (started … by …)"."""
        return busy.holding(self.ctx.workspace.folder, "import", actor.username, self.ctx.clock)

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
