"""What an area hands to a compliance evidence pack (issue 21).

An evidence pack (`privdesk evidence pack`, `app/evidence/`) maps each control of a
framework to *kinds* of evidence. Each kind is produced by the area that owns the data,
through one provider function:

    provider(ctx, principal, period) -> Evidence

The provider checks its own area's view permission (it calls its area's service), reads
what is stored for the period and returns the files to put in the control's folder and
the gaps it found, in plain words ("no vendor review signed off between 2026-07-01 and
2026-09-30"). A provider never invents evidence: an empty period is a gap, not a file.

`PROVIDERS` names each kind's provider by import path, so this module imports nothing
above it and an area is imported only when its kind is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal


@dataclass(frozen=True)
class Period:
    """The period an evidence pack covers, both days included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class EvidenceFile:
    name: str  # a plain file name, unique within its kind: "vendor-reviews.csv"
    content: bytes
    description: str  # one line for the pack's index


@dataclass(frozen=True)
class Evidence:
    kind: str
    title: str  # "Vendor reviews"
    files: tuple[EvidenceFile, ...] = ()
    gaps: tuple[str, ...] = ()  # sentences naming what is missing in the period


Provider = Callable[["AppContext", "Principal", Period], Evidence]

# kind -> "module:function". Each area adds its own line.
PROVIDERS: dict[str, str] = {
    "vendor_reviews": "app.vendors.evidence:vendor_evidence",
    "training_status": "app.training.evidence:training_evidence",
    "access_reviews": "app.compliance.providers:access_review_evidence",
    "dsar_log": "app.compliance.providers:dsar_evidence",
    "drill_reports": "app.compliance.providers:drill_evidence",
    "retention_certificates": "app.compliance.providers:retention_evidence",
    "audit_verification": "app.compliance.providers:audit_evidence",
    "log_reviews": "app.compliance.providers:log_review_evidence",
    "policies": "app.compliance.providers:policy_evidence",
}


def provider(kind: str) -> Provider:
    """The provider function of `kind` (KeyError for an unknown kind)."""
    module_name, _, function = PROVIDERS[kind].partition(":")
    found: Provider = getattr(importlib.import_module(module_name), function)
    return found
