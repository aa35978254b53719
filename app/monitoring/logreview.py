"""Log review attestation: a weekly or monthly review of the period's activity and alerts,
signed off with a fresh code, overdue when nobody has signed the last period in time.

The summary holds counts and ids only (events per source, the busiest agents by id, the
alerts of the period with their status); it is computed live while the review is open
and frozen at sign-off with its SHA-256. Evidence export: HTML (and PDF through the front
end's renderer), CSV of the alerts, the summary as JSON, and a SHA-256 manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.monitoring.records import AlertRow, MonitoringError
from app.monitoring.service import row
from app.reports import csv_safe
from app.reports.templates import render
from app.security.guard import Service
from app.security.permissions import Permission
from models.helpdesk import AccessLog, ZendeskAuditLog
from models.monitoring import STATUS_NEW, Alert, LogReview
from models.security import AuditEntry

GRACE_DAYS = {"weekly": 3, "monthly": 7}
PdfRenderer = Callable[[str, Path], object]
P = Permission


@dataclass(frozen=True)
class Period:
    kind: str  # weekly | monthly
    start: date
    end: date  # exclusive
    due: datetime  # sign-off expected by then (UTC)

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.kind} review {self.start.isoformat()} to {last.isoformat()}"


@dataclass(frozen=True)
class ReviewStatus:
    period: Period
    review_id: int | None
    review_status: str | None  # None: not started
    overdue: bool


@dataclass(frozen=True)
class ReviewDetail:
    id: int
    period: Period
    status: str
    started_at: str
    started_by: str
    signed_at: str | None
    signed_by: str | None
    note: str
    summary: dict[str, Any]
    digest: str
    alerts: tuple[AlertRow, ...]
    overdue: bool


def _period_of(kind: str, day: date, tz: ZoneInfo) -> tuple[date, date]:
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _utc(day: date, tz: ZoneInfo) -> str:
    return utc_iso(datetime.combine(day, time(0), tz))


def make_period(kind: str, start: date, tz: ZoneInfo) -> Period:
    first, end = _period_of(kind, start, tz)
    due = datetime.combine(end + timedelta(days=GRACE_DAYS[kind]), time(0), tz)
    return Period(kind, first, end, due)


def last_complete(kind: str, now: datetime, tz: ZoneInfo) -> Period:
    current, _ = _period_of(kind, now.astimezone(tz).date(), tz)
    return make_period(kind, current - timedelta(days=1), tz)


def summarise(s: Session, p: Period, tz: ZoneInfo) -> dict[str, Any]:
    """Counts and ids of the period (filtered by time; ids only, no personal column)."""
    lo, hi = _utc(p.start, tz), _utc(p.end, tz)
    reads = (AccessLog.timestamp >= lo) & (AccessLog.timestamp < hi)
    busiest = s.execute(
        select(AccessLog.user_id, func.count())
        .where(reads)
        .group_by(AccessLog.user_id)
        .order_by(func.count().desc(), AccessLog.user_id)
        .limit(10)
    ).all()
    alerts = list(
        s.scalars(select(Alert).where(Alert.first_at >= lo, Alert.first_at < hi).order_by(Alert.id))
    )
    by_status: dict[str, int] = {}
    for a in alerts:
        by_status[a.status] = by_status.get(a.status, 0) + 1
    return {
        "period": {"kind": p.kind, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "events": {
            "access_log": s.scalar(select(func.count()).select_from(AccessLog).where(reads)),
            "zendesk_audit": s.scalar(
                select(func.count())
                .select_from(ZendeskAuditLog)
                .where(ZendeskAuditLog.created_at >= lo, ZendeskAuditLog.created_at < hi)
            ),
            "privdesk_audit": s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.ts_utc >= lo, AuditEntry.ts_utc < hi)
            ),
        },
        "agents_reading": s.scalar(
            select(func.count(func.distinct(AccessLog.user_id))).where(reads)
        ),
        "busiest_agents": [{"agent_id": u, "events": n} for u, n in busiest],
        "alerts": [
            {"id": a.id, "rule": a.rule_id, "severity": a.severity, "status": a.status}
            for a in alerts
        ],
        "alerts_by_status": dict(sorted(by_status.items())),
    }


def _digest(summary: dict[str, Any]) -> str:
    canonical = json.dumps(summary, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class LogReviewService(Service):
    def _tz_kind(self, s: Session) -> tuple[ZoneInfo, str]:
        return (
            ZoneInfo(self.ctx.settings.get(s, "monitoring.timezone")),
            str(self.ctx.settings.get(s, "monitoring.review_period")),
        )

    def status(self) -> ReviewStatus:
        """The last complete period: reviewed, open, or overdue (for the dashboard)."""
        with self.authorized(P.MONITORING_VIEW, action="monitoring.review.status") as (s, _):
            tz, kind = self._tz_kind(s)
            now = self.ctx.clock.now()
            p = last_complete(kind, now, tz)
            r = _find(s, p)
            signed = r is not None and r.status == "signed"
            return ReviewStatus(
                p, r.id if r else None, r.status if r else None, not signed and now > p.due
            )

    def start(self, period_start: date | None = None) -> ReviewDetail:
        """Open the review of the last complete period (or of the one holding a date)."""
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.review.start") as (s, a):
            tz, kind = self._tz_kind(s)
            now = self.ctx.clock.now()
            p = (
                last_complete(kind, now, tz)
                if period_start is None
                else make_period(kind, period_start, tz)
            )
            if p.end > now.astimezone(tz).date():
                raise MonitoringError(f"the {p.label} is not over yet")
            if _find(s, p) is not None:
                raise MonitoringError(f"the {p.label} is already started")
            review = LogReview(
                period=kind,
                period_start=p.start.isoformat(),
                period_end=p.end.isoformat(),
                status="open",
                started_at=utc_iso(now),
                started_by=a.username,
                note="",
                summary_json="{}",
                digest="",
            )
            s.add(review)
            s.flush()
            self.audit(
                s,
                "monitoring.review.start",
                object_type="log_review",
                object_id=str(review.id),
                details={"period": p.label},
            )
            return self._detail(s, review, tz, now)

    def show(self, review_id: int | None = None) -> ReviewDetail:
        """A review (default: the latest one started)."""
        with self.authorized(P.MONITORING_VIEW, action="monitoring.review.view") as (s, _):
            tz, _kind = self._tz_kind(s)
            review = _review(s, review_id)
            return self._detail(s, review, tz, self.ctx.clock.now())

    def signoff(self, review_id: int, note: str = "") -> ReviewDetail:
        """Sign the review off (step-up); every alert of the period must be triaged."""
        action = "monitoring.review.signoff"
        with self.authorized(P.MONITORING_MANAGE, action=action, step_up=True) as (s, a):
            tz, _kind = self._tz_kind(s)
            review = _review(s, review_id)
            if review.status == "signed":
                raise MonitoringError(f"log review #{review.id} is already signed off")
            now = self.ctx.clock.now()
            summary = summarise(s, _period(review, tz), tz)
            untriaged = [x["id"] for x in summary["alerts"] if x["status"] == STATUS_NEW]
            if untriaged:
                ids = ", ".join(f"#{i}" for i in untriaged[:10])
                raise MonitoringError(
                    f"{len(untriaged)} alert(s) of the period are still new ({ids}): "
                    "acknowledge, dismiss or escalate them before signing off"
                )
            review.summary_json = json.dumps(summary, sort_keys=True)
            review.digest = _digest(summary)
            review.status, review.signed_at, review.signed_by = "signed", utc_iso(now), a.username
            review.note = note.strip()
            self.audit(
                s,
                action,
                object_type="log_review",
                object_id=str(review.id),
                details={"digest": review.digest, "alerts": len(summary["alerts"])},
            )
            return self._detail(s, review, tz, now)

    def export(
        self, review_id: int, folder: Path, render_pdf: PdfRenderer | None = None
    ) -> tuple[str, ...]:
        """Evidence: HTML (+PDF), alerts CSV, summary JSON and a SHA-256 manifest."""
        with self.authorized(P.MONITORING_VIEW, action="monitoring.review.export") as (s, _):
            tz, _kind = self._tz_kind(s)
            d = self._detail(s, _review(s, review_id), tz, self.ctx.clock.now())
            self.audit(
                s,
                "monitoring.review.export",
                object_type="log_review",
                object_id=str(review_id),
                details={"pdf": render_pdf is not None},
            )
        base = f"log-review-{d.id}"
        html = render("log_review.html", review=d, label=d.period.label)
        alerts_csv = csv_safe.render(
            ["id", "rule", "severity", "status", "first_at", "events", "owner", "incident"],
            [
                [a.id, a.rule, a.severity, a.status, a.first_at, a.event_count, a.owner, a.run_id]
                for a in d.alerts
            ],
        )
        files = {
            f"{base}.html": html,
            f"{base}-alerts.csv": alerts_csv,
            f"{base}-summary.json": json.dumps(d.summary, indent=2, sort_keys=True) + "\n",
        }
        return write_evidence(folder, files, d.id, html, f"{base}.pdf", render_pdf)

    def _detail(self, s: Session, r: LogReview, tz: ZoneInfo, now: datetime) -> ReviewDetail:
        p = _period(r, tz)
        summary = json.loads(r.summary_json) if r.status == "signed" else summarise(s, p, tz)
        ids = [x["id"] for x in summary["alerts"]]
        alerts = tuple(row(a) for a in s.scalars(select(Alert).where(Alert.id.in_(ids))))
        return ReviewDetail(
            r.id,
            p,
            r.status,
            r.started_at,
            r.started_by,
            r.signed_at,
            r.signed_by,
            r.note,
            summary,
            r.digest,
            tuple(sorted(alerts, key=lambda a: a.id)),
            r.status != "signed" and now > p.due,
        )


def write_evidence(
    folder: Path,
    files: dict[str, str],
    review_id: int,
    html: str,
    pdf_name: str,
    render_pdf: PdfRenderer | None,
) -> tuple[str, ...]:
    from app.review.evidence import sha256_file  # the evidence packs' manifest format

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, text in files.items():
        partial = folder / (name + ".partial")
        partial.write_text(text, encoding="utf-8", newline="")
        os.replace(partial, folder / name)
        names.append(name)
    if render_pdf is not None:
        render_pdf(html, folder / pdf_name)
        names.append(pdf_name)
    entries = [
        {"name": n, "sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
        for n in sorted(names)
    ]
    manifest = {"format": 1, "log_review_id": review_id, "algorithm": "sha256", "files": entries}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (folder / "manifest.sha256").write_text(
        "".join(f"{e['sha256']}  {e['name']}\n" for e in entries)
    )
    return (*sorted(names), "manifest.json", "manifest.sha256")


def _find(s: Session, p: Period) -> LogReview | None:
    return s.scalar(
        select(LogReview).where(
            LogReview.period == p.kind, LogReview.period_start == p.start.isoformat()
        )
    )


def _review(s: Session, review_id: int | None) -> LogReview:
    if review_id is None:
        found = s.scalar(select(LogReview).order_by(LogReview.id.desc()).limit(1))
        if found is None:
            raise MonitoringError("no log review yet (start one: `privdesk logreview start`)")
        return found
    found = s.get(LogReview, review_id)
    if found is None:
        raise MonitoringError(f"no log review #{review_id}")
    return found


def _period(r: LogReview, tz: ZoneInfo) -> Period:
    return make_period(r.period, date.fromisoformat(r.period_start), tz)
