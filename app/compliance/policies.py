"""Policies: each version's document is hashed (SHA-256 and size; the file is not stored),
approved, retired, and acknowledged by the signed-in operator.

The due list ("reminders", shown in the pane and by `privdesk policies due`) is every
approved policy whose next review date is within 30 days or past.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.errors import PrivDeskError
from app.security.guard import Service
from app.security.permissions import Permission
from models.compliance import PolicyAcknowledgement, PolicyDocument

DUE_WITHIN = timedelta(days=30)
STATUSES = ("draft", "approved", "retired")
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class PolicyError(PrivDeskError):
    pass


@dataclass(frozen=True)
class PolicyRow:
    id: int
    key: str
    version: int
    title: str
    file_name: str
    sha256: str
    size: int
    owner: str
    status: str
    approved_at: str | None
    approved_by: str | None
    next_review: str
    acknowledgements: int
    acknowledged_by_me: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _row(s: Session, p: PolicyDocument, me: str) -> PolicyRow:
    acks = s.scalar(
        select(func.count(PolicyAcknowledgement.id)).where(PolicyAcknowledgement.policy_id == p.id)
    )
    mine = s.scalar(
        select(PolicyAcknowledgement.id).where(
            PolicyAcknowledgement.policy_id == p.id, PolicyAcknowledgement.operator == me
        )
    )
    return PolicyRow(
        p.id,
        p.key,
        p.version,
        p.title,
        p.file_name,
        p.sha256,
        p.size,
        p.owner,
        p.status,
        p.approved_at,
        p.approved_by,
        p.next_review,
        int(acks or 0),
        mine is not None,
    )


def is_due(row: PolicyRow, today: date) -> bool:
    return row.status == "approved" and date.fromisoformat(row.next_review) <= today + DUE_WITHIN


class PolicyService(Service):
    """Policy versions, their approval and retirement, and acknowledgements."""

    def policies(self, *, include_retired: bool = True) -> tuple[PolicyRow, ...]:
        """Every policy version, newest version of each key first within the key."""
        with self.authorized(Permission.COMPLIANCE_VIEW, action="policies.list") as (s, a):
            rows = self._all(s, a.username, include_retired)
            self.audit(s, "policies.list", details={"policies": len(rows)})
            return rows

    def _all(self, s: Session, me: str, include_retired: bool = True) -> tuple[PolicyRow, ...]:
        q = select(PolicyDocument).order_by(PolicyDocument.key, PolicyDocument.version.desc())
        rows = tuple(_row(s, p, me) for p in s.scalars(q))
        return rows if include_retired else tuple(r for r in rows if r.status != "retired")

    def in_force(self) -> tuple[PolicyRow, ...]:
        """The approved version of each policy, for any operator to read and acknowledge."""
        with self.authorized(Permission.POLICIES_ACKNOWLEDGE, action="policies.in_force") as (
            s,
            a,
        ):
            rows = tuple(r for r in self._all(s, a.username) if r.status == "approved")
            self.audit(s, "policies.in_force", details={"policies": len(rows)})
            return rows

    def due(self) -> tuple[PolicyRow, ...]:
        """Approved policies whose next review is within 30 days or past (the reminders)."""
        with self.authorized(Permission.COMPLIANCE_VIEW, action="policies.due") as (s, a):
            today = self.ctx.clock.now().date()
            rows = tuple(r for r in self._all(s, a.username) if is_due(r, today))
            self.audit(s, "policies.due", details={"due": len(rows)})
            return rows

    def add(
        self, key: str, title: str, document: Path, *, next_review: date, owner: str = ""
    ) -> PolicyRow:
        """A new policy (version 1) or a new version of `key` (a draft), its file hashed."""
        if not _KEY.match(key):
            raise PolicyError(
                f"policy key {key!r}: use lower-case letters, digits, '-', '.', '_' (up to 80)"
            )
        if not title.strip():
            raise PolicyError(f"policy {key}: the title is empty")
        if not document.is_file():
            raise PolicyError(f"{document}: no such file")
        sha, size = file_digest(document)
        with self.authorized(Permission.COMPLIANCE_MANAGE, action="policies.add") as (s, a):
            last = s.scalar(
                select(func.max(PolicyDocument.version)).where(PolicyDocument.key == key)
            )
            version = int(last or 0) + 1
            p = PolicyDocument(
                key=key,
                version=version,
                title=title.strip(),
                file_name=document.name,
                sha256=sha,
                size=size,
                owner=owner or a.username,
                status="draft",
                approved_at=None,
                approved_by=None,
                next_review=next_review.isoformat(),
                created_at=utc_iso(self.ctx.clock.now()),
                created_by=a.username,
            )
            s.add(p)
            s.flush()
            self.audit(
                s,
                "policies.add",
                object_type="policy",
                object_id=f"{key} v{version}",
                details={"version": version, "sha256": sha, "size": size},
            )
            return _row(s, p, a.username)

    def _get(self, s: Session, key: str, version: int | None) -> PolicyDocument:
        q = select(PolicyDocument).where(PolicyDocument.key == key)
        if version is not None:
            q = q.where(PolicyDocument.version == version)
        p = s.scalars(q.order_by(PolicyDocument.version.desc()).limit(1)).first()
        if p is None:
            which = f"{key} v{version}" if version is not None else key
            raise PolicyError(f"no policy {which} (see `privdesk policies list`)")
        return p

    def approve(self, key: str, version: int | None = None) -> PolicyRow:
        """Approve a draft version; an older approved version of the same key is retired."""
        with self.authorized(Permission.COMPLIANCE_MANAGE, action="policies.approve") as (s, a):
            p = self._get(s, key, version)
            if p.status != "draft":
                raise PolicyError(f"policy {key} v{p.version} is {p.status}, not a draft")
            now = utc_iso(self.ctx.clock.now())
            for older in s.scalars(
                select(PolicyDocument).where(
                    PolicyDocument.key == key,
                    PolicyDocument.status == "approved",
                    PolicyDocument.id != p.id,
                )
            ):
                older.status = "retired"
            p.status, p.approved_at, p.approved_by = "approved", now, a.username
            self.audit(
                s,
                "policies.approve",
                object_type="policy",
                object_id=f"{key} v{p.version}",
                details={"sha256": p.sha256},
            )
            return _row(s, p, a.username)

    def retire(self, key: str, version: int | None = None) -> PolicyRow:
        with self.authorized(Permission.COMPLIANCE_MANAGE, action="policies.retire") as (s, a):
            p = self._get(s, key, version)
            if p.status == "retired":
                raise PolicyError(f"policy {key} v{p.version} is already retired")
            p.status = "retired"
            self.audit(s, "policies.retire", object_type="policy", object_id=f"{key} v{p.version}")
            return _row(s, p, a.username)

    def acknowledge(self, key: str) -> PolicyRow:
        """The signed-in operator acknowledges the approved version of `key` (once)."""
        with self.authorized(Permission.POLICIES_ACKNOWLEDGE, action="policies.acknowledge") as (
            s,
            a,
        ):
            p = s.scalars(
                select(PolicyDocument).where(
                    PolicyDocument.key == key, PolicyDocument.status == "approved"
                )
            ).first()
            if p is None:
                raise PolicyError(f"policy {key} has no approved version to acknowledge")
            done = s.scalar(
                select(PolicyAcknowledgement.id).where(
                    PolicyAcknowledgement.policy_id == p.id,
                    PolicyAcknowledgement.operator == a.username,
                )
            )
            if done is None:
                s.add(
                    PolicyAcknowledgement(
                        policy_id=p.id, operator=a.username, at=utc_iso(self.ctx.clock.now())
                    )
                )
                s.flush()
            self.audit(
                s,
                "policies.acknowledge",
                object_type="policy",
                object_id=f"{key} v{p.version}",
                details={"already": done is not None},
            )
            return _row(s, p, a.username)

    def acknowledgements(self, start: date, end: date) -> tuple[tuple[str, int, str, str], ...]:
        """(policy key, version, operator, at) acknowledged within the days given."""
        with self.authorized(Permission.COMPLIANCE_VIEW, action="policies.acknowledgements") as (
            s,
            _a,
        ):
            q = (
                select(PolicyDocument.key, PolicyDocument.version, PolicyAcknowledgement)
                .join(PolicyAcknowledgement, PolicyAcknowledgement.policy_id == PolicyDocument.id)
                .order_by(PolicyAcknowledgement.at)
            )
            out = tuple(
                (k, v, ack.operator, ack.at)
                for k, v, ack in s.execute(q)
                if start.isoformat() <= ack.at[:10] <= end.isoformat()
            )
            self.audit(s, "policies.acknowledgements", details={"rows": len(out)})
            return out
