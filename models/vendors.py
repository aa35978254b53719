"""Vendor and integration register (prefix ``vd_``; migration 1301, branch ``vendors``).

A vendor is a third party the help desk shares data with: its service, purpose, the data
categories shared (keys of the inventory's ``inv_categories`` when the inventory has them;
JSON array of short labels), its GDPR role, DPA, transfer mechanism, risk tier, owner and
next review date. Certifications carry their report date and expiry. A review keeps the
questionnaire answers (JSON), the evidence files by SHA-256 + name + size (never their
content), the computed score, the decision and who signed it off (step-up).

Integrations are discovered from the help desk (Zendesk app installations, OAuth clients
and tokens, API tokens, webhooks): one row per (kind, Zendesk id), its scopes, when it was
created and last used, and the vendor it is linked to (nullable). The owner (a person's
name) and integration names (API-token descriptions may name people) are declared with
`models.types` so team mode seals them. Dates are ``YYYY-MM-DD``, times UTC
``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import PersonalString, PersonalText

ROLES = ("processor", "sub-processor")
TRANSFERS = ("sccs", "adequacy", "dpf", "none")
RISK_TIERS = ("low", "medium", "high", "critical")
ACCESS = ("read", "write")
DECISIONS = ("approve", "approve_with_conditions", "reject")
INTEGRATION_KINDS = ("app_installation", "oauth_client", "oauth_token", "api_token", "webhook")


class Vendor(Base):
    __tablename__ = "vd_vendors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # the service: "Slack", "Acme Surveys"
    purpose: Mapped[str] = mapped_column(Text, default="")
    categories_json: Mapped[str] = mapped_column(Text, default="[]")  # category keys
    role: Mapped[str] = mapped_column(String(16))  # processor | sub-processor
    dpa_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    dpa_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    transfer: Mapped[str] = mapped_column(String(16))  # sccs | adequacy | dpf | none
    risk_tier: Mapped[str] = mapped_column(String(16))
    access: Mapped[str] = mapped_column(String(8), default="read")  # what it needs
    owner: Mapped[str] = mapped_column(PersonalString(200), default="")
    next_review: Mapped[str | None] = mapped_column(String(10), nullable=True)
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))


def _vendor_fk() -> Mapped[int]:
    return mapped_column(Integer, ForeignKey("vd_vendors.id", ondelete="CASCADE"), index=True)


class Certification(Base):
    __tablename__ = "vd_certifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = _vendor_fk()
    kind: Mapped[str] = mapped_column(String(80))  # "SOC 2 Type II", "ISO/IEC 27001"
    report_date: Mapped[str] = mapped_column(String(10))
    expires_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    added_at: Mapped[str] = mapped_column(String(40))
    added_by: Mapped[str] = mapped_column(String(64))


class VendorReview(Base):
    """One (annual) review: answers, evidence hashes, score, decision, sign-off."""

    __tablename__ = "vd_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = _vendor_fk()
    status: Mapped[str] = mapped_column(String(16))  # open | signed_off
    questionnaire: Mapped[str] = mapped_column(String(40))  # questionnaire version
    answers_json: Mapped[str] = mapped_column(Text, default="{}")  # question id -> answer
    evidence_json: Mapped[str] = mapped_column(Text, default="[]")  # [{sha256,name,size}]
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # percent
    decision: Mapped[str | None] = mapped_column(String(32), nullable=True)
    conditions: Mapped[str] = mapped_column(PersonalText, default="")
    started_at: Mapped[str] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(64))
    signed_off_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signed_off_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Integration(Base):
    """A help-desk integration found in the Zendesk data."""

    __tablename__ = "vd_integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    zendesk_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(PersonalString(255), default="")
    scopes_json: Mapped[str] = mapped_column(Text, default="[]")
    parent_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # token's client
    user_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # a token's user
    created_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    used_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    vendor_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("vd_vendors.id", ondelete="SET NULL"), nullable=True
    )
    imported_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("kind", "zendesk_id", name="uq_vd_integrations_kind"),
        Index("ix_vd_integrations_vendor_id", "vendor_id"),
    )


class VendorQuestionnaire(Base):
    """An officer's edited questionnaire (the built-in one's shape), kept as its TOML text.

    The newest is the one new reviews use; a review names the version it was started with,
    so an older review is always scored and checked against its own questions."""

    __tablename__ = "vd_questionnaires"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    questions: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[str] = mapped_column(String(40))
    imported_by: Mapped[str] = mapped_column(String(64))
