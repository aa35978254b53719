"""ORM rows of the review tables turned into plain records, and the shared lookups."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import PrivDeskError
from app.helpdesk import mask_email
from app.review.findings import Finding, PreviousItem
from app.review.permissions import Grant
from app.review.records import CampaignSummary, DecisionRecord, ItemRow
from app.review.snapshot import scope_label
from models.review import (
    CAMPAIGN_SIGNED_OFF,
    ReviewCampaign,
    ReviewDecision,
    ReviewItem,
    ReviewReviewer,
    ReviewVerification,
)
from models.security import Operator


class ReviewError(PrivDeskError):
    """A review action that cannot be done as asked (the message says why)."""


class CampaignLocked(ReviewError):
    """The campaign is signed off: nothing in it changes any more."""


def get_campaign(s: Session, campaign_id: int) -> ReviewCampaign:
    c = s.get(ReviewCampaign, campaign_id)
    if c is None:
        raise ReviewError(f"No access review campaign #{campaign_id}.")
    return c


def require_open(c: ReviewCampaign) -> None:
    if c.status == CAMPAIGN_SIGNED_OFF:
        raise CampaignLocked(
            f"Campaign {c.name} (#{c.id}) is signed off; its decisions are locked."
        )


def operator_names(s: Session) -> dict[int, str]:
    return {i: name for i, name in s.execute(select(Operator.id, Operator.username))}


def reviewers_of(s: Session, campaign_id: int) -> list[int]:
    return list(
        s.scalars(
            select(ReviewReviewer.operator_id)
            .where(ReviewReviewer.campaign_id == campaign_id)
            .order_by(ReviewReviewer.operator_id)
        )
    )


def is_overdue(due: str | None, today: date, open_items: int) -> bool:
    return bool(due and open_items and today.isoformat() > due)


def summary(s: Session, c: ReviewCampaign, now: datetime) -> CampaignSummary:
    names = operator_names(s)
    total, decided = s.execute(
        select(func.count(ReviewItem.id), func.count(ReviewItem.decision)).where(
            ReviewItem.campaign_id == c.id
        )
    ).one()
    findings = 0
    for text in s.scalars(select(ReviewItem.findings_json).where(ReviewItem.campaign_id == c.id)):
        findings += len(json.loads(text)) if text and text != "[]" else 0
    return CampaignSummary(
        id=c.id,
        name=c.name,
        snapshot_id=c.snapshot_id,
        roster_snapshot_id=c.roster_snapshot_id,
        previous_campaign_id=c.previous_campaign_id,
        scope=c.scope_kind,
        scope_value=c.scope_value,
        scope_label=scope_label(c.scope_kind, c.scope_value),
        due_date=c.due_date,
        status=c.status,
        created_at=c.created_at,
        created_by=c.created_by,
        signed_off_at=c.signed_off_at,
        signed_off_by=c.signed_off_by,
        sign_off_note=c.sign_off_note,
        dormant_days=c.dormant_days,
        reviewers=tuple(names.get(i, f"#{i}") for i in reviewers_of(s, c.id)),
        total=int(total),
        decided=int(decided),
        findings=findings,
        overdue=c.status != CAMPAIGN_SIGNED_OFF
        and is_overdue(c.due_date, now.date(), int(total) - int(decided)),
    )


def latest_verifications(s: Session, campaign_id: int) -> dict[int, str]:
    rows = s.execute(
        select(ReviewVerification.item_id, ReviewVerification.status)
        .where(ReviewVerification.campaign_id == campaign_id)
        .order_by(ReviewVerification.id)
    )
    return {item_id: status for item_id, status in rows}


def decision_record(d: ReviewDecision) -> DecisionRecord:
    return DecisionRecord(
        d.at, d.operator, d.decision, d.target_role, d.justification, d.change_reason
    )


def decisions_by_item(
    s: Session, campaign_id: int, item_id: int | None = None
) -> dict[int, list[DecisionRecord]]:
    """Every decision recorded per item, oldest first (the last one is the current one)."""
    stmt = select(ReviewDecision).where(ReviewDecision.campaign_id == campaign_id)
    if item_id is not None:
        stmt = stmt.where(ReviewDecision.item_id == item_id)
    out: dict[int, list[DecisionRecord]] = defaultdict(list)
    for d in s.scalars(stmt.order_by(ReviewDecision.id)):
        out[d.item_id].append(decision_record(d))
    return out


def item_row(
    it: ReviewItem,
    names: dict[int, str],
    *,
    masked: bool,
    verification: str | None = None,
    decisions: Sequence[DecisionRecord] = (),
) -> ItemRow:
    facts: dict[str, Any] = json.loads(it.facts_json or "{}")
    current = decisions[-1] if decisions and it.decision is not None else None
    return ItemRow(
        id=it.id,
        campaign_id=it.campaign_id,
        agent_id=it.agent_id,
        email=mask_email(it.email) if masked else it.email,
        name=it.name,
        role=it.role,
        role_name=it.role_name,
        groups=tuple(json.loads(it.groups_json or "[]")),
        grants=tuple(Grant(**g) for g in json.loads(it.grants_json or "[]")),
        findings=tuple(Finding(**f) for f in json.loads(it.findings_json or "[]")),
        changes=tuple(json.loads(it.changes_json or "[]")),
        mfa=str(facts.get("mfa", "unknown")),
        mfa_text=str(facts.get("mfa_text", "")),
        reviewer=names.get(it.reviewer_id) if it.reviewer_id is not None else None,
        decision=it.decision,
        target_role=it.target_role,
        justification=it.justification,
        decided_by=it.decided_by,
        decided_at=it.decided_at,
        last_login_at=facts.get("last_login_at"),
        verification=verification,
        earlier=tuple(decisions[:-1]) if current is not None else tuple(decisions),
        change_reason=current.change_reason if current is not None else None,
        version=it.version,
        changed_by=it.changed_by,
        changed_at=it.changed_at,
    )


def items_of(
    s: Session, campaign_id: int, ids: Iterable[int] | None = None, *, lock: bool = False
) -> list[ReviewItem]:
    """The campaign's items (or those of `ids`) by id. `lock`: for a change, ``SELECT … FOR
    UPDATE`` on PostgreSQL so a concurrent decision waits and then sees this one (SQLite's
    write transaction already holds the whole file)."""
    stmt = select(ReviewItem).where(ReviewItem.campaign_id == campaign_id)
    if ids is not None:
        stmt = stmt.where(ReviewItem.id.in_(list(ids)))
    if lock:
        stmt = stmt.with_for_update()
    return list(s.scalars(stmt.order_by(ReviewItem.id)))


def previous_items(s: Session, campaign_id: int) -> dict[int, PreviousItem]:
    """Agent id → role and permission keys in an earlier campaign (for the diff)."""
    out = {}
    for agent_id, role_name, grants in s.execute(
        select(ReviewItem.agent_id, ReviewItem.role_name, ReviewItem.grants_json).where(
            ReviewItem.campaign_id == campaign_id
        )
    ):
        if agent_id is not None:
            keys = frozenset(g["key"] for g in json.loads(grants or "[]"))
            out[agent_id] = PreviousItem(role_name, keys)
    return out
