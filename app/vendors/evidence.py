"""The vendor register's part of a compliance evidence pack (kind ``vendor_reviews``).

`vendor_evidence` reads through `VendorService` (so VENDORS_VIEW is checked and the reads
are audited): the reviews signed off in the period and every certification with an
expiry date, each as a CSV. An empty period is a gap, never an empty file.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.evidence_types import Evidence, EvidenceFile, Period
from app.reports import csv_safe
from app.vendors.service import VendorService

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal

KIND = "vendor_reviews"
TITLE = "Vendor reviews"
REVIEW_COLUMNS = (
    "review",
    "vendor",
    "service",
    "questionnaire",
    "score",
    "decision",
    "conditions",
    "evidence_files",
    "signed_off_by",
    "signed_off_at",
)
CERT_COLUMNS = ("vendor", "service", "certification", "report_date", "expires_on", "status")


def vendor_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    service = VendorService(ctx, principal)
    vendors = service.vendors()
    names = {v.key: v.name for v in vendors}
    signed = [
        r
        for r in service.reviews()
        if r.signed_off_at
        and period.start <= date.fromisoformat(r.signed_off_at[:10]) <= period.end
    ]
    files: list[EvidenceFile] = []
    gaps: list[str] = []
    if signed:
        files.append(
            EvidenceFile(
                "vendor-reviews.csv",
                csv_safe.render(
                    REVIEW_COLUMNS,
                    (
                        [
                            r.id,
                            r.vendor,
                            names.get(r.vendor, ""),
                            r.questionnaire,
                            r.score,
                            r.decision,
                            r.conditions,
                            "; ".join(f"{e.name} sha256:{e.sha256}" for e in r.evidence),
                            r.signed_off_by,
                            r.signed_off_at,
                        ]
                        for r in signed
                    ),
                ).encode("utf-8"),
                f"{len(signed)} vendor reviews signed off in {period.label()}",
            )
        )
    else:
        gaps.append(f"no vendor review signed off in {period.label()}")
    certs = [(v, c) for v in vendors for c in v.certifications if c.expires_on]
    rows = []
    for v, c in certs:
        expiry = date.fromisoformat(c.expires_on or "")
        status = "expired" if expiry <= period.end else "current"
        rows.append([v.key, v.name, c.kind, c.report_date, c.expires_on, status])
        renewed = any(
            o.kind == c.kind and o.expires_on and o.expires_on > period.end.isoformat()
            for o in v.certifications
        )
        if status == "expired" and not renewed:
            gaps.append(f"{v.name}: certificate {c.kind} expired on {c.expires_on}")
    if rows:
        files.append(
            EvidenceFile(
                "vendor-certifications.csv",
                csv_safe.render(CERT_COLUMNS, rows).encode("utf-8"),
                f"{len(rows)} vendor certifications with their expiry, as of {period.end}",
            )
        )
    return Evidence(KIND, TITLE, tuple(files), tuple(gaps))
