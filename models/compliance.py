"""Policies, acknowledgements, evidence packs and trust-summary approvals (prefix ``cp_``;
migration 1501, branch ``compliance``).

A policy version keeps its document's file name, SHA-256 and size (never the document
itself); an acknowledgement is one operator's acceptance of one policy version. An evidence
pack row records which framework and period a pack covered and its manifest's SHA-256; a
trust approval records the SHA-256 of a trust summary an operator approved for export.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PolicyDocument(Base):
    """One version of a policy (key × version unique)."""

    __tablename__ = "cp_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(64))  # an operator's username
    status: Mapped[str] = mapped_column(String(16))  # draft | approved | retired
    approved_at: Mapped[str | None] = mapped_column(String(40))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    next_review: Mapped[str] = mapped_column(String(10))  # ISO date
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("key", "version", name="uq_cp_policies_key"),)


class PolicyAcknowledgement(Base):
    __tablename__ = "cp_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("cp_policies.id", ondelete="CASCADE"), index=True
    )
    operator: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("policy_id", "operator", name="uq_cp_ack_operator"),)


class EvidencePackRecord(Base):
    __tablename__ = "cp_evidence_packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[str] = mapped_column(String(10))
    period_end: Mapped[str] = mapped_column(String(10))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[int] = mapped_column(Integer)
    gaps: Mapped[int] = mapped_column(Integer)
    written_at: Mapped[str] = mapped_column(String(40))
    written_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_cp_evidence_packs_framework", "framework"),)


class TrustApproval(Base):
    __tablename__ = "cp_trust_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    approved_at: Mapped[str] = mapped_column(String(40))
    approved_by: Mapped[str] = mapped_column(String(64))
