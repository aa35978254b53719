"""What the vendor register holds, as plain frozen dataclasses, and the checks on input.

Dates are ISO ``YYYY-MM-DD`` strings; a bad one is refused naming the field. Nothing here
touches the database.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from app.errors import PrivDeskError
from models.vendors import ACCESS, DECISIONS, INTEGRATION_KINDS, RISK_TIERS, ROLES, TRANSFERS

__all__ = [
    "ACCESS",
    "DECISIONS",
    "FINDING_TYPES",
    "INTEGRATION_KINDS",
    "RISK_TIERS",
    "ROLES",
    "TRANSFERS",
]

FINDING_TYPES = (
    "token_unused",
    "excessive_scope",
    "app_without_vendor",
    "review_overdue",
    "certificate_expired",
    "activity_spike",
)
KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class VendorError(PrivDeskError):
    """Bad vendor-register input or an unknown vendor, review or integration."""


def parse_day(value: str | None, what: str) -> date | None:
    """An ISO date or None; anything else is refused naming `what`."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise VendorError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True)
class VendorInput:
    """A vendor as the officer types it (add or update)."""

    key: str
    name: str
    purpose: str = ""
    categories: tuple[str, ...] = ()
    role: str = "processor"
    dpa_signed: bool = False
    dpa_date: str | None = None
    transfer: str = "none"
    risk_tier: str = "medium"
    access: str = "read"
    owner: str = ""
    next_review: str | None = None

    def check(self) -> None:
        where = f"vendor {self.key!r}"
        if not KEY.match(self.key):
            raise VendorError(
                f"{where}: the key must be lower-case letters, digits, '.', '_' or '-'"
            )
        if not self.name.strip():
            raise VendorError(f"{where}: the name (the service) is required")
        for value, allowed, what in (
            (self.role, ROLES, "role"),
            (self.transfer, TRANSFERS, "transfer mechanism"),
            (self.risk_tier, RISK_TIERS, "risk tier"),
            (self.access, ACCESS, "access"),
        ):
            if value not in allowed:
                raise VendorError(f"{where}: {what} {value!r} is not one of {', '.join(allowed)}")
        parse_day(self.dpa_date, f"{where}: DPA date")
        parse_day(self.next_review, f"{where}: next review")
        if self.dpa_date and not self.dpa_signed:
            raise VendorError(f"{where}: a DPA date is given but the DPA is not marked signed")


@dataclass(frozen=True)
class CertificationRow:
    id: int
    vendor: str  # vendor key
    kind: str
    report_date: str
    expires_on: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VendorRow:
    id: int
    key: str
    name: str
    purpose: str
    categories: tuple[str, ...]
    role: str
    dpa_signed: bool
    dpa_date: str | None
    transfer: str
    risk_tier: str
    access: str
    owner: str
    next_review: str | None
    certifications: tuple[CertificationRow, ...] = ()
    last_review: str | None = None  # when the last review was signed off
    last_decision: str | None = None
    unknown_categories: tuple[str, ...] = ()  # not in the inventory (when it has some)

    @property
    def next_expiry(self) -> str | None:
        dates = [c.expires_on for c in self.certifications if c.expires_on]
        return min(dates) if dates else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["categories"] = list(self.categories)
        data["unknown_categories"] = list(self.unknown_categories)
        data["certifications"] = [c.to_json() for c in self.certifications]
        data["next_expiry"] = self.next_expiry
        return data


@dataclass(frozen=True)
class EvidenceRef:
    sha256: str
    name: str
    size: int


@dataclass(frozen=True)
class ReviewRow:
    id: int
    vendor: str
    status: str  # open | signed_off
    questionnaire: str
    answers: dict[str, str] = field(default_factory=dict)
    evidence: tuple[EvidenceRef, ...] = ()
    score: int | None = None
    decision: str | None = None
    conditions: str = ""
    started_at: str = ""
    started_by: str = ""
    signed_off_by: str | None = None
    signed_off_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["evidence"] = [asdict(e) for e in self.evidence]
        return data


@dataclass(frozen=True)
class IntegrationRow:
    id: int
    kind: str
    zendesk_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: str | None
    used_at: str | None
    vendor: str | None  # linked vendor key
    parent_id: str | None = None
    user_id: str | None = None  # an OAuth token's user

    @property
    def ref(self) -> str:
        """How a person names it on the command line: ``oauth_token:7``."""
        return f"{self.kind}:{self.zendesk_id}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        data["ref"] = self.ref
        return data


@dataclass(frozen=True)
class Finding:
    type: str
    subject: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "subject": self.subject, "detail": self.detail}


@dataclass(frozen=True)
class ImportResult:
    files: tuple[str, ...]
    added: int
    updated: int
    by_kind: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"files": list(self.files)}
