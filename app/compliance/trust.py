"""The customer trust summary (`privdesk trust preview|approve|export`).

Every sentence is computed from the workspace's state in one read transaction — how the
store is encrypted, MFA coverage of active operators, the last access review signed off,
the DSAR on-time rate, drills run, vendors' certifications (when the vendors area is
installed) — and rendered from `resources/templates/trust_summary.html`. Nothing is typed
by hand. The page holds no generation time, so the same state gives the same bytes: an
approval records the SHA-256 of those bytes (step-up), and export refuses unless the
current content's SHA-256 was approved.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import models
from app.clock import utc_iso
from app.context import AppContext
from app.dsar.queries import summary_of
from app.dsar.settings import local_today
from app.dsar.vocabulary import CLOSED
from app.errors import PrivDeskError
from app.reports.templates import render
from app.security.auth import Principal
from app.security.guard import Service
from app.security.permissions import Permission
from models.base import Base
from models.compliance import TrustApproval
from models.drills import Run
from models.dsar import DsarRequest
from models.review import ReviewCampaign
from models.security import Operator
from models.types import PersonalString, PersonalText

TEMPLATE = "trust_summary.html"


class TrustError(PrivDeskError):
    pass


@dataclass(frozen=True)
class TrustFacts:
    backend: str  # sqlite | postgresql
    sealed_columns: int
    sealed_tables: int
    operators_active: int
    operators_mfa: int
    operators_enrolling: int  # added, not yet through TOTP enrolment: cannot sign in
    last_review_signed: str | None
    dsar_closed: int
    dsar_on_time: int
    drills_run: int
    last_drill: str | None
    vendors: tuple[tuple[str, str], ...] | None  # (vendor, certifications); None: no area

    @property
    def mfa_percent(self) -> int:
        return (
            round(100 * self.operators_mfa / self.operators_active) if self.operators_active else 0
        )

    @property
    def dsar_percent(self) -> int | None:
        return round(100 * self.dsar_on_time / self.dsar_closed) if self.dsar_closed else None


@dataclass(frozen=True)
class TrustSummary:
    html: str
    sha256: str
    approved: bool
    approved_at: str | None
    approved_by: str | None
    facts: TrustFacts

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "approved": self.approved,
            "approved_at": self.approved_at,
            "approved_by": self.approved_by,
            "facts": {**self.facts.__dict__, "vendors": self.facts.vendors},
        }


def _sealed() -> tuple[int, int]:
    """Sealed (personal-data) columns and the tables holding them, over every model module
    (all imported first, so the count never depends on what this process loaded)."""
    for mod in pkgutil.iter_modules(models.__path__, "models."):
        if not mod.name.endswith(".migrations"):
            importlib.import_module(mod.name)
    tables = 0
    columns = 0
    for table in Base.metadata.tables.values():
        n = sum(1 for c in table.columns if isinstance(c.type, PersonalString | PersonalText))
        columns += n
        tables += 1 if n else 0
    return columns, tables


def _vendors(ctx: AppContext, principal: Principal) -> tuple[tuple[str, str], ...]:
    """Each vendor's current certifications, read through the vendors area's service.

    A customer-facing page says only what holds today: a certificate past its expiry is
    left out (the vendor then shows "no current certification on file")."""
    from app.vendors.service import VendorService

    today = ctx.clock.now().date().isoformat()
    out = []
    for v in VendorService(ctx, principal).vendors():
        current = [
            f"{c.kind} (valid until {c.expires_on})" if c.expires_on else c.kind
            for c in v.certifications
            if c.expires_on is None or c.expires_on >= today
        ]
        out.append((v.name, ", ".join(current) or "no current certification on file"))
    return tuple(out)


def _facts(s: Session, vendors: tuple[tuple[str, str], ...] | None, now_today: date) -> TrustFacts:
    columns, tables = _sealed()
    active = s.scalars(select(Operator).where(Operator.status == "active")).all()
    last_review = s.scalar(
        select(func.max(ReviewCampaign.signed_off_at)).where(ReviewCampaign.status == "signed_off")
    )
    closed = [
        summary_of(s, r, now_today)
        for r in s.scalars(select(DsarRequest).where(DsarRequest.status.in_(CLOSED)))
    ]
    dated = [r for r in closed if r.closed_date is not None]
    on_time = sum(1 for r in dated if r.closed_date is not None and r.closed_date <= r.deadline.due)
    drills = s.scalars(
        select(Run).where(Run.kind == "drill", Run.status == "closed").order_by(Run.closed_at)
    ).all()
    return TrustFacts(
        backend=s.get_bind().dialect.name,
        sealed_columns=columns,
        sealed_tables=tables,
        operators_active=len(active),
        operators_mfa=sum(1 for o in active if o.totp_secret),
        operators_enrolling=int(
            s.scalar(select(func.count(Operator.id)).where(Operator.status == "pending")) or 0
        ),
        last_review_signed=last_review[:10] if last_review else None,
        dsar_closed=len(dated),
        dsar_on_time=on_time,
        drills_run=len(drills),
        last_drill=drills[-1].closed_at[:10] if drills and drills[-1].closed_at else None,
        vendors=vendors,
    )


def _digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


class TrustService(Service):
    """Preview, approve (step-up) and export the customer trust summary."""

    def _current(self, s: Session, vendors: tuple[tuple[str, str], ...] | None) -> TrustSummary:
        facts = _facts(s, vendors, local_today(s, self.ctx.clock.now()))
        html = render(TEMPLATE, f=facts)
        digest = _digest(html)
        approval = s.scalars(
            select(TrustApproval)
            .where(TrustApproval.content_sha256 == digest)
            .order_by(TrustApproval.id.desc())
        ).first()
        return TrustSummary(
            html,
            digest,
            approval is not None,
            approval.approved_at if approval else None,
            approval.approved_by if approval else None,
            facts,
        )

    def preview(self) -> TrustSummary:
        """The summary the workspace's state gives now, and whether it is approved."""
        vendors = _vendors(self.ctx, self.principal)
        with self.authorized(Permission.COMPLIANCE_VIEW, action="trust.preview") as (s, _a):
            summary = self._current(s, vendors)
            self.audit(
                s, "trust.preview", details={"sha256": summary.sha256, "approved": summary.approved}
            )
            return summary

    def approve(self, sha256: str | None = None) -> TrustSummary:
        """Approve the current content (step-up). With `sha256`, only if it is still that."""
        vendors = _vendors(self.ctx, self.principal)
        with self.authorized(
            Permission.COMPLIANCE_MANAGE, action="trust.approve", step_up=True
        ) as (s, a):
            summary = self._current(s, vendors)
            if sha256 is not None and sha256 != summary.sha256:
                raise TrustError(
                    "the trust summary changed since it was previewed; preview it again"
                )
            now = utc_iso(self.ctx.clock.now())
            s.add(
                TrustApproval(
                    content_sha256=summary.sha256, approved_at=now, approved_by=a.username
                )
            )
            s.flush()
            self.audit(
                s, "trust.approve", object_type="trust_summary", details={"sha256": summary.sha256}
            )
            return TrustSummary(summary.html, summary.sha256, True, now, a.username, summary.facts)

    def export(self, out: Path) -> TrustSummary:
        """Write the summary to `out`, only if its current content was approved."""
        vendors = _vendors(self.ctx, self.principal)
        with self.authorized(Permission.COMPLIANCE_VIEW, action="trust.export") as (s, _a):
            summary = self._current(s, vendors)
            if not summary.approved:
                raise TrustError(
                    "the trust summary's current content is not approved "
                    f"(SHA-256 {summary.sha256[:12]}…): review it with `privdesk trust preview` "
                    "and approve it with `privdesk trust approve`"
                )
            out = Path(out)
            partial = out.with_name(out.name + ".partial")
            partial.write_text(summary.html, encoding="utf-8", newline="")
            self.audit(
                s, "trust.export", object_type="trust_summary", details={"sha256": summary.sha256}
            )
            os.replace(partial, out)
            return summary
