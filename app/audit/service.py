"""The audit log as operators use it: query with filters, verify, export (CSV / JSON)."""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import anchors as anchor_file
from app.audit.log import AuditRow, to_row
from app.audit.verify import VerifyResult
from app.errors import PrivDeskError
from app.reports import csv_safe
from app.security.guard import Service
from app.security.permissions import Permission
from models.security import AuditEntry

if TYPE_CHECKING:
    from app.context import AppContext

EXPORT_FORMATS = ("csv", "json")


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in '.' (e.g. "auth.")
    object_type: str | None = None
    outcome: str | None = None
    since: date | None = None  # inclusive, UTC days
    until: date | None = None  # inclusive
    limit: int | None = 5000
    hide_routine: bool = False  # leave out routine reads (``*.view``)


@dataclass(frozen=True)
class AuditPage:
    """The events matching a filter and the size of the whole log, from one read.

    The read is recorded first (an ``audit.view`` event), so ``total`` is the number of
    events stored when the page was read, this view included, the number a verification
    right after it reports; ``rows`` include the view when it matches the filter.
    """

    rows: list[AuditRow]
    total: int


class KitError(PrivDeskError):
    pass


def load_verifier_kit(kit_path: Path, workspace_id: str) -> bytes:
    """K0 from a verifier kit file, checked to belong to this workspace."""
    return load_kit_info(kit_path, workspace_id).k0


def load_kit_info(kit_path: Path, workspace_id: str) -> anchor_file.KitInfo:
    """A verifier kit file (K0 and, in kits since AUD-10, the root anchor key)."""
    try:
        info = anchor_file.load_kit_info(kit_path)
    except (OSError, ValueError) as exc:
        raise KitError(f"{kit_path}: {exc}") from None
    if info.workspace_id != workspace_id:
        raise KitError(f"{kit_path}: this verifier kit belongs to another workspace")
    return info


def parse_public_key(text: str) -> str:
    """A root anchor key as given on the command line: 64 hex characters (AUD-10)."""
    key = text.strip().lower()
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise KitError("--public-key must be the 64 hex characters of the kit's anchor_public_key")
    return key


def verify_audit(
    ctx: AppContext, s: Session, kit: anchor_file.KitInfo | None, public_key: str | None
) -> VerifyResult:
    """The audit chain with what the caller holds: the kit, the public anchor key, or none."""
    try:
        if kit is not None:
            return ctx.audit.verify(
                s,
                kit.k0,
                anchor_key=kit.anchor_public_key,
                born_signed=kit.anchor_public_key is not None,
            )
        return ctx.audit.verify(s, anchor_key=public_key)
    except ValueError as exc:
        raise KitError(f"audit anchors unreadable: {exc}") from None


class AuditService(Service):
    def query(self, flt: AuditFilter | None = None) -> list[AuditRow]:
        return self.page(flt).rows

    def page(self, flt: AuditFilter | None = None) -> AuditPage:
        """Events matching ``flt`` (newest first) and the log's size, in one transaction."""
        flt = flt or AuditFilter()
        with self.authorized(Permission.AUDIT_VIEW, action="audit.view") as (s, _):
            # Reading the log is itself recorded (ASVS 16.3.2 L3), with the filter, not rows;
            # first, so the page and its count include it and agree with a verification.
            self.audit(s, "audit.view", details={"filtered": _used(flt)})
            s.flush()
            stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
            if flt.actor:
                stmt = stmt.where(AuditEntry.actor == flt.actor)
            if flt.action:
                if flt.action.endswith("."):
                    stmt = stmt.where(AuditEntry.action.startswith(flt.action))
                else:
                    stmt = stmt.where(AuditEntry.action == flt.action)
            if flt.object_type:
                stmt = stmt.where(AuditEntry.object_type == flt.object_type)
            if flt.outcome:
                stmt = stmt.where(AuditEntry.outcome == flt.outcome)
            if flt.since:
                stmt = stmt.where(AuditEntry.ts_utc >= flt.since.isoformat())
            if flt.until:
                stmt = stmt.where(AuditEntry.ts_utc < _day_after(flt.until))
            if flt.hide_routine:
                stmt = stmt.where(~AuditEntry.action.endswith(".view"))
            if flt.limit:
                stmt = stmt.limit(flt.limit)
            rows = [to_row(r) for r in s.scalars(stmt)]
            total = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return AuditPage(rows, total)

    def actors_and_actions(self) -> tuple[list[str], list[str]]:
        """Distinct values for the filter drop-downs."""
        with self.authorized(Permission.AUDIT_VIEW, action="audit.view") as (s, _):
            actors = [a for a in s.scalars(select(AuditEntry.actor).distinct()) if a]
            actions = list(s.scalars(select(AuditEntry.action).distinct()))
        return sorted(actors), sorted(actions)

    def verify(self, kit_path: Path | None = None, public_key: str | None = None) -> VerifyResult:
        """The chain; with the kit every epoch, with only `public_key` the anchor signatures."""
        ws_id = self.ctx.workspace.workspace_id
        kit = load_kit_info(kit_path, ws_id) if kit_path else None
        pinned = parse_public_key(public_key) if public_key and kit is None else None
        with self.authorized(Permission.AUDIT_VERIFY, action="audit.verify") as (s, _):
            result = verify_audit(self.ctx, s, kit, pinned)
            self.audit(
                s,
                "audit.verify",
                outcome="ok" if result.ok else "error",
                details={
                    "status": result.status.name,
                    "seq": result.seq,
                    "count": result.count,
                    "with_kit": kit is not None,
                },
            )
        return result

    def export(self, fmt: str, since: date | None = None, until: date | None = None) -> str:
        if fmt not in EXPORT_FORMATS:
            raise PrivDeskError(f"unknown export format {fmt!r} (use csv or json)")
        with self.authorized(Permission.AUDIT_EXPORT, action="audit.export") as (s, _):
            stmt = select(AuditEntry).order_by(AuditEntry.seq)
            if since:
                stmt = stmt.where(AuditEntry.ts_utc >= since.isoformat())
            if until:
                stmt = stmt.where(AuditEntry.ts_utc < _day_after(until))
            rows = [to_row(r) for r in s.scalars(stmt)]
            self.audit(s, "audit.export", details={"format": fmt, "rows": len(rows)})
        return _render(rows, fmt)


def _render(rows: list[AuditRow], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2, sort_keys=True, default=str) + "\n"
    out = io.StringIO()
    writer = csv_safe.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "seq",
            "ts_utc",
            "actor",
            "session_id",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "details",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.seq,
                r.ts_utc,
                r.actor or "",
                r.session_id or "",
                r.action,
                r.object_type or "",
                r.object_id or "",
                r.outcome,
                json.dumps(dict(r.details), sort_keys=True),
            ]
        )
    return out.getvalue()


def _day_after(day: date) -> str:
    return datetime.fromordinal(day.toordinal() + 1).date().isoformat()


def _used(flt: AuditFilter) -> list[str]:
    return sorted(k for k, v in asdict(flt).items() if v and k != "limit")
