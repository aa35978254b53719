"""Access review (issue 6): campaigns over a directory snapshot, one item per agent.

A campaign freezes what was reviewed: each item copies the agent's role, groups,
effective permissions and findings at creation time (JSON columns), so later imports
never change the evidence. Decisions are kept on the item (the current one) and in
`ar_decisions` (every decision ever made, for the item's history). After sign-off
(`status = "signed_off"`) the service refuses every change to the campaign.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.helpdesk import ZendeskId

CAMPAIGN_OPEN = "open"
CAMPAIGN_SIGNED_OFF = "signed_off"


class ReviewCampaign(Base):
    __tablename__ = "ar_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("hd_snapshots.id"))
    roster_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("hd_snapshots.id"))
    previous_campaign_id: Mapped[int | None] = mapped_column(ForeignKey("ar_campaigns.id"))
    scope_kind: Mapped[str] = mapped_column(String(16))  # all | admins | group | custom_role
    scope_value: Mapped[str | None] = mapped_column(String(255))
    due_date: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(16), default=CAMPAIGN_OPEN)
    dormant_days: Mapped[int] = mapped_column(Integer)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")  # toxic rules used, …
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    signed_off_at: Mapped[str | None] = mapped_column(String(40))
    signed_off_by: Mapped[str | None] = mapped_column(String(64))
    sign_off_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_ar_campaigns_status", "status"),)


class ReviewReviewer(Base):
    __tablename__ = "ar_reviewers"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("ar_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    operator_id: Mapped[int] = mapped_column(
        ForeignKey("operators.id", ondelete="CASCADE"), primary_key=True
    )


class ReviewItem(Base):
    """One agent under review; facts are frozen copies from the campaign's snapshot."""

    __tablename__ = "ar_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ar_campaigns.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ZendeskId)  # the help desk's id
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # agent | admin
    role_name: Mapped[str] = mapped_column(String(255))  # custom role or built-in role
    groups_json: Mapped[str] = mapped_column(Text, default="[]")
    grants_json: Mapped[str] = mapped_column(Text, default="[]")
    findings_json: Mapped[str] = mapped_column(Text, default="[]")
    changes_json: Mapped[str] = mapped_column(Text, default="[]")
    facts_json: Mapped[str] = mapped_column(Text, default="{}")
    finding_types: Mapped[str] = mapped_column(String(400), default="")  # ",a,b," for filters
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    decision: Mapped[str | None] = mapped_column(String(16))  # keep|revoke|modify|carry_over
    target_role: Mapped[str | None] = mapped_column(String(255))
    justification: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[str | None] = mapped_column(String(40))
    # Optimistic concurrency (migration 0203): every change of the item (decision, changed
    # decision, reassignment) bumps `version` in an UPDATE … WHERE version = old;
    # `changed_by`/`changed_at` (operator username, UTC) say who made the current version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[str | None] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)

    __table_args__ = (
        UniqueConstraint("campaign_id", "agent_id", name="uq_ar_items_campaign_agent"),
        Index("ix_ar_items_campaign_decision", "campaign_id", "decision"),
    )


class ReviewDecision(Base):
    """Every decision ever recorded on an item (the item holds the current one)."""

    __tablename__ = "ar_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ar_items.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ar_campaigns.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    target_role: Mapped[str | None] = mapped_column(String(255))
    justification: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    # Set when this decision replaced an earlier one ("change decision"): why it changed.
    change_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_ar_decisions_campaign_at", "campaign_id", "at"),)


class ReviewComment(Base):
    __tablename__ = "ar_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ar_items.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_ar_comments_item", "item_id"),)


class ReviewVerification(Base):
    """Proof of revocation: a revoke/modify checked against a later snapshot (append-only)."""

    __tablename__ = "ar_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ar_items.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ar_campaigns.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("hd_snapshots.id"))
    status: Mapped[str] = mapped_column(String(16))  # verified | still_present
    detail: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[str] = mapped_column(String(40))
    checked_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_ar_verifications_campaign", "campaign_id", "item_id"),)
