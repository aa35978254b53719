"""Evidence providers of the kinds this workspace's own areas hold (see app.evidence_types).

Each provider calls the owning area's existing service, so that area's view permission
applies; it returns the files for a control's folder and, when the period holds nothing,
a gap sentence instead of a file. Files carry ids, dates, counts and statuses — never a
requester's or agent's name or e-mail address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from app.context import AppContext
from app.evidence_types import Evidence, EvidenceFile, Period
from app.reports import csv_safe
from app.security.auth import Principal


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return csv_safe.render(header, rows, lineterminator="\n").encode("utf-8")


def _day(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _within(value: str | date | None, period: Period) -> bool:
    day = _day(value)
    return day is not None and period.start <= day <= period.end


def _between(period: Period) -> str:
    return f"between {period.start.isoformat()} and {period.end.isoformat()}"


def access_review_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.review.campaigns import CampaignService

    rows = [
        c
        for c in CampaignService(ctx, principal).campaigns()
        if c.signed_off and _within(c.signed_off_at, period)
    ]
    title = "Access reviews signed off"
    if not rows:
        return Evidence(
            "access_reviews", title, gaps=(f"no access review signed off {_between(period)}",)
        )
    data = _csv(
        (
            "campaign",
            "name",
            "scope",
            "items",
            "decided",
            "findings",
            "signed_off_at",
            "signed_off_by",
        ),
        (
            (
                c.id,
                c.name,
                c.scope_label,
                c.total,
                c.decided,
                c.findings,
                c.signed_off_at,
                c.signed_off_by,
            )
            for c in rows
        ),
    )
    file = EvidenceFile("access-reviews.csv", data, f"{len(rows)} access review(s) signed off")
    return Evidence("access_reviews", title, (file,))


def dsar_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.dsar.requests import DsarService

    rows = [
        r
        for r in DsarService(ctx, principal).list()
        if _within(r.received_date, period) or _within(r.closed_date, period)
    ]
    title = "Data subject requests"
    if not rows:
        return Evidence(
            "dsar_log",
            title,
            gaps=(f"no data subject request received or closed {_between(period)}",),
        )
    data = _csv(
        ("reference", "type", "regime", "status", "received", "due", "closed", "on_time"),
        (
            (
                r.reference,
                r.request_type,
                r.regime,
                r.status,
                r.received_date.isoformat(),
                r.deadline.due.isoformat(),
                r.closed_date.isoformat() if r.closed_date else "",
                ""
                if r.closed_date is None
                else ("yes" if r.closed_date <= r.deadline.due else "no"),
            )
            for r in rows
        ),
    )
    closed = [r for r in rows if r.closed_date is not None]
    on_time = sum(
        1 for r in closed if r.closed_date is not None and r.closed_date <= r.deadline.due
    )
    text = f"{len(rows)} request(s); {on_time} of {len(closed)} closed on time"
    gaps: tuple[str, ...] = ()
    if not closed:
        gaps = (f"no data subject request closed {_between(period)}",)
    return Evidence("dsar_log", title, (EvidenceFile("dsar-log.csv", data, text),), gaps)


def drill_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.drills.aar import AarService, aar_html
    from app.drills.runs import RunService

    runs = [
        r
        for r in RunService(ctx, principal).list_runs()
        if r.closed_at and _within(r.closed_at, period)
    ]
    title = "Drill and incident after-action reports"
    if not runs:
        return Evidence(
            "drill_reports", title, gaps=(f"no drill or incident closed {_between(period)}",)
        )
    aar = AarService(ctx, principal)
    files = [
        EvidenceFile(
            f"aar-{r.id}.html",
            aar_html(aar.report(r.id)).encode("utf-8"),
            f"after-action report of {r.kind} #{r.id} (closed {r.closed_at and r.closed_at[:10]})",
        )
        for r in runs
    ]
    return Evidence("drill_reports", title, tuple(files))


def retention_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.retention.service import RetentionService

    service = RetentionService(ctx, principal)
    done = [
        run
        for policy in service.policies()
        for run in service.show(policy.name)[1]
        if run.status == "done" and run.certificate and _within(run.finished_at, period)
    ]
    title = "Retention run certificates"
    if not done:
        return Evidence(
            "retention_certificates",
            title,
            gaps=(f"no retention run completed with a certificate {_between(period)}",),
        )
    data = json.dumps([run.to_json() for run in done], indent=2, sort_keys=True) + "\n"
    file = EvidenceFile(
        "retention-runs.json",
        data.encode("utf-8"),
        f"{len(done)} retention run(s) completed {_between(period)}, with their certificate files",
    )
    return Evidence("retention_certificates", title, (file,))


def audit_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.audit.service import AuditService

    result = AuditService(ctx, principal).verify()
    data = {
        "verified_at": ctx.clock.now().isoformat(),
        "status": result.status.name,
        "ok": result.ok,
        "events_checked": result.count,
        "first_bad_seq": result.seq,
        "message": result.message,
        "anchor_check": result.anchor_check,
    }
    file = EvidenceFile(
        "audit-verification.json",
        (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        f"audit chain verified: {result.status.name} ({result.count} events)",
    )
    gaps = () if result.ok else (f"the audit chain did not verify: {result.message}",)
    return Evidence("audit_verification", "Audit log verification", (file,), gaps)


def log_review_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.errors import PrivDeskError
    from app.monitoring.logreview import LogReviewService

    service = LogReviewService(ctx, principal)
    title = "Access-log reviews signed off"
    found = []
    try:
        latest = service.show()
    except PrivDeskError:
        latest = None
    if latest is not None:
        found.append(latest)
        for review_id in range(latest.id - 1, 0, -1):
            try:
                found.append(service.show(review_id))
            except PrivDeskError:
                continue
    rows = [r for r in found if r.status == "signed" and _within(r.signed_at, period)]
    if not rows:
        return Evidence(
            "log_reviews", title, gaps=(f"no access-log review signed off {_between(period)}",)
        )
    data = _csv(
        ("review", "period", "signed_at", "signed_by", "digest"),
        (
            (r.id, r.period.label, r.signed_at, r.signed_by, r.digest)
            for r in sorted(rows, key=lambda r: r.id)
        ),
    )
    file = EvidenceFile("log-reviews.csv", data, f"{len(rows)} log review(s) signed off")
    return Evidence("log_reviews", title, (file,))


def policy_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    from app.compliance.policies import PolicyService

    service = PolicyService(ctx, principal)
    approved = [p for p in service.policies() if p.status == "approved"]
    acks = service.acknowledgements(period.start, period.end)
    title = "Policies and acknowledgements"
    if not approved:
        return Evidence("policies", title, gaps=("no approved policy is in force",))
    policies = _csv(
        (
            "policy",
            "version",
            "title",
            "file",
            "sha256",
            "bytes",
            "owner",
            "approved_at",
            "next_review",
            "acknowledgements",
        ),
        (
            (
                p.key,
                p.version,
                p.title,
                p.file_name,
                p.sha256,
                p.size,
                p.owner,
                p.approved_at,
                p.next_review,
                p.acknowledgements,
            )
            for p in approved
        ),
    )
    files = [EvidenceFile("policies.csv", policies, f"{len(approved)} approved policy version(s)")]
    gaps: list[str] = []
    if acks:
        files.append(
            EvidenceFile(
                "acknowledgements.csv",
                _csv(("policy", "version", "operator", "at"), acks),
                f"{len(acks)} acknowledgement(s) in the period",
            )
        )
    else:
        gaps.append(f"no policy acknowledged {_between(period)}")
    today = ctx.clock.now().date()
    gaps += [
        f"policy {p.key} v{p.version} was due for review on {p.next_review}"
        for p in approved
        if date.fromisoformat(p.next_review) < today
    ]
    return Evidence("policies", title, tuple(files), tuple(gaps))
