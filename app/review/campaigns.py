"""Access review campaigns: create, comment, reassign, sign off, read.

`CampaignService` is the lifecycle part of `app.review.service.ReviewService`; deciding
items is `app.review.decisions.DecisionService`.

Every call checks `review.view` or `review.manage` and writes one audit event in the same
transaction (ids and counts only). Reviewers are operators; nobody decides on a help-desk
account whose e-mail is their own. Sign-off needs the privacy-officer role and a fresh
authenticator code, and after it the service refuses every change to the campaign.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import desc, insert, select
from sqlalchemy.orm import Session

from app.changes import REVIEW, AnnouncesChanges, mark_changed
from app.clock import utc_iso
from app.importers.loader import latest_snapshot
from app.review.findings import (
    DORMANT,
    EngineInput,
    findings_for,
    mfa_status,
    sort_findings,
    toxic_rules,
)
from app.review.progress import campaign_progress
from app.review.queries import (
    ReviewError,
    decisions_by_item,
    get_campaign,
    item_row,
    items_of,
    latest_verifications,
    operator_names,
    previous_items,
    require_open,
    reviewers_of,
    summary,
)
from app.review.records import (
    CARRY_OVER,
    CampaignSummary,
    FindingRow,
    HistoryEntry,
    ItemDetail,
    ItemRow,
    Progress,
)
from app.review.snapshot import SCOPES, load_agents, load_policy, load_roster
from app.security.guard import Actor, Service
from app.security.permissions import Permission, Role, permissions_for
from app.training.status import lapsed_by_email
from models.helpdesk import SNAPSHOT_DIRECTORY, SNAPSHOT_ROSTER, Snapshot
from models.review import (
    CAMPAIGN_OPEN,
    CAMPAIGN_SIGNED_OFF,
    ReviewCampaign,
    ReviewComment,
    ReviewDecision,
    ReviewItem,
    ReviewReviewer,
    ReviewVerification,
)
from models.security import Operator


def default_name(now: datetime) -> str:
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def email_key(value: str | None) -> str:
    return (value or "").strip().lower()


def items_phrase(n: int) -> str:
    return "1 item is" if n == 1 else f"{n} items are"


class CampaignService(AnnouncesChanges, Service):
    AREA = REVIEW  # every audited write tells other operators' review panes (app.changes)

    """Campaign lifecycle and decisions; `app.review.ReviewService` adds evidence."""

    # ------------------------------------------------------------ campaigns

    def create_campaign(
        self,
        name: str | None = None,
        *,
        snapshot_id: int | None = None,
        scope: str = "all",
        scope_value: str | None = None,
        reviewers: Sequence[str] = (),
        due_date: date | None = None,
    ) -> CampaignSummary:
        """A campaign over a snapshot: one item per agent in scope, findings computed now."""
        if scope not in SCOPES:
            raise ReviewError(f"scope must be one of {', '.join(SCOPES)}")
        if scope in ("group", "custom_role") and not (scope_value and scope_value.strip()):
            raise ReviewError(f"scope {scope} needs a name (which {scope.replace('_', ' ')})")
        with self.authorized(Permission.REVIEW_MANAGE, action="review.create") as (s, actor):
            now = self.ctx.clock.now()
            name = (name or "").strip() or default_name(now)
            snap = self._snapshot(s, snapshot_id)
            roster = latest_snapshot(s, SNAPSHOT_ROSTER)
            reviewer_ops = self._reviewers(s, reviewers or [actor.username])
            previous = s.scalars(
                select(ReviewCampaign)
                .where(
                    ReviewCampaign.status == CAMPAIGN_SIGNED_OFF,
                    ReviewCampaign.snapshot_id < snap.id,
                )
                .order_by(desc(ReviewCampaign.snapshot_id), desc(ReviewCampaign.id))
                .limit(1)
            ).first()
            dormant = self.ctx.settings.get(s, DORMANT)
            rules = toxic_rules(s, self.ctx.settings)
            campaign = ReviewCampaign(
                name=name,
                snapshot_id=snap.id,
                roster_snapshot_id=roster.id if roster else None,
                previous_campaign_id=previous.id if previous else None,
                scope_kind=scope,
                scope_value=scope_value.strip() if scope_value else None,
                due_date=due_date.isoformat() if due_date else None,
                status=CAMPAIGN_OPEN,
                dormant_days=dormant,
                settings_json=json.dumps({"toxic_rules": [r.to_json() for r in rules]}),
                created_at=utc_iso(now),
                created_by=actor.username,
            )
            s.add(campaign)
            s.flush()
            for op in reviewer_ops:
                s.add(ReviewReviewer(campaign_id=campaign.id, operator_id=op.id))
            inp = EngineInput(
                now=now,
                dormant_days=dormant,
                policy=load_policy(s, snap.id),
                roster=load_roster(s, campaign.roster_snapshot_id),
                rules=rules,
                previous=previous_items(s, previous.id) if previous else None,
                previous_name=previous.name if previous else None,
                training=lapsed_by_email(s, now),
            )
            count = self._populate(s, campaign, inp, reviewer_ops, scope, scope_value)
            self.audit(
                s,
                "review.create",
                object_type="review_campaign",
                object_id=str(campaign.id),
                details={
                    "snapshot_id": snap.id,
                    "scope": scope,
                    "items": count,
                    "reviewers": [op.id for op in reviewer_ops],
                    "previous_campaign_id": campaign.previous_campaign_id,
                },
            )
            return summary(s, campaign, now)

    def _snapshot(self, s: Session, snapshot_id: int | None) -> Snapshot:
        if snapshot_id is None:
            snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
            if snap is None:
                raise ReviewError("Import help-desk data first: there is no snapshot to review.")
            return snap
        found = s.get(Snapshot, snapshot_id)
        if found is None or found.kind != SNAPSHOT_DIRECTORY:
            raise ReviewError(f"No directory snapshot #{snapshot_id}.")
        return found

    def _reviewers(self, s: Session, usernames: Sequence[str]) -> list[Operator]:
        out = []
        for username in dict.fromkeys(u.strip().lower() for u in usernames if u.strip()):
            op = s.scalars(select(Operator).where(Operator.username == username)).first()
            if op is None or op.status != "active":
                raise ReviewError(f"Reviewer {username!r} is not an active operator.")
            if Permission.REVIEW_MANAGE not in permissions_for(r.role for r in op.roles):
                raise ReviewError(
                    f"Reviewer {username!r} cannot decide access reviews (needs privacy officer)."
                )
            out.append(op)
        return out

    def _populate(
        self,
        s: Session,
        campaign: ReviewCampaign,
        inp: EngineInput,
        reviewers: list[Operator],
        scope: str,
        scope_value: str | None,
    ) -> int:
        agents = load_agents(s, campaign.snapshot_id, scope, scope_value)
        rows: list[dict[str, Any]] = []
        turn = 0
        for agent in agents:
            found = sort_findings(findings_for(agent, inp))
            status, text = mfa_status(agent, inp.policy)
            reviewer_id = None
            # Round-robin, skipping a reviewer whose own account this is.
            for step in range(len(reviewers)):
                op = reviewers[(turn + step) % len(reviewers)]
                if not agent.email or email_key(op.email) != email_key(agent.email):
                    reviewer_id = op.id
                    turn = (turn + step + 1) % len(reviewers)
                    break
            types = dict.fromkeys(f.type for f in found)
            rows.append(
                {
                    "campaign_id": campaign.id,
                    "agent_id": agent.agent_id,
                    "email": agent.email,
                    "name": agent.name,
                    "role": agent.role,
                    "role_name": agent.role_name,
                    "groups_json": json.dumps(list(agent.groups)),
                    "grants_json": json.dumps([g.to_json() for g in agent.grants]),
                    "findings_json": json.dumps([f.to_json() for f in found]),
                    "changes_json": json.dumps(
                        [f.reason for f in found if f.type == "changed_since_last_review"]
                    ),
                    "facts_json": json.dumps(
                        {
                            "mfa": status,
                            "mfa_text": text,
                            "last_login_at": agent.last_login_at,
                            "suspended": agent.suspended,
                        }
                    ),
                    "finding_types": "," + ",".join(types) + "," if types else "",
                    "reviewer_id": reviewer_id,
                }
            )
        if rows:
            s.execute(insert(ReviewItem), rows)
        return len(rows)

    def campaigns(self) -> list[CampaignSummary]:
        with self.authorized(Permission.REVIEW_VIEW, action="review.list") as (s, _a):
            rows = s.scalars(select(ReviewCampaign).order_by(desc(ReviewCampaign.id))).all()
            out = [summary(s, c, self.ctx.clock.now()) for c in rows]
            self.audit(s, "review.list", details={"campaigns": len(out)})
            return out

    def campaign(self, campaign_id: int) -> CampaignSummary:
        with self.authorized(Permission.REVIEW_VIEW, action="review.show") as (s, _a):
            c = get_campaign(s, campaign_id)
            self.audit(s, "review.show", object_type="review_campaign", object_id=str(c.id))
            return summary(s, c, self.ctx.clock.now())

    # ------------------------------------------------------------ items & findings

    def items(self, campaign_id: int) -> list[ItemRow]:
        """Every item of a campaign; e-mails masked for operators who may not reveal PII."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.items") as (s, actor):
            get_campaign(s, campaign_id)
            masked = not actor.principal.can(Permission.PII_REVEAL)
            names = operator_names(s)
            verified = latest_verifications(s, campaign_id)
            decisions = decisions_by_item(s, campaign_id)
            rows = [
                item_row(
                    it,
                    names,
                    masked=masked,
                    verification=verified.get(it.id),
                    decisions=decisions.get(it.id, ()),
                )
                for it in items_of(s, campaign_id)
            ]
            self.audit(
                s,
                "review.items.view",
                object_type="review_campaign",
                object_id=str(campaign_id),
                details={"items": len(rows), "masked": masked},
            )
            return rows

    def item(self, item_id: int) -> ItemDetail:
        """One item with its history: decisions, comments and verifications, oldest first."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.item") as (s, actor):
            it = s.get(ReviewItem, item_id)
            if it is None:
                raise ReviewError(f"No review item #{item_id}.")
            self.audit(s, "review.item.view", object_type="review_item", object_id=str(item_id))
            return self._detail(s, it, actor)

    def _detail(self, s: Session, it: ReviewItem, actor: Actor) -> ItemDetail:
        masked = not actor.principal.can(Permission.PII_REVEAL)
        history: list[HistoryEntry] = []
        decisions = decisions_by_item(s, it.campaign_id, it.id).get(it.id, [])
        for d in decisions:
            if d.change_reason:
                text = f"changed to {d.text} (why changed: {d.change_reason})"
                history.append(HistoryEntry(d.at, d.who, "decision changed", text))
            else:
                history.append(HistoryEntry(d.at, d.who, "decision", d.text))
        for c in s.scalars(select(ReviewComment).where(ReviewComment.item_id == it.id)):
            history.append(HistoryEntry(c.created_at, c.author, "comment", c.body))
        for v in s.scalars(select(ReviewVerification).where(ReviewVerification.item_id == it.id)):
            text = f"{v.status.replace('_', ' ')} in snapshot #{v.snapshot_id}: {v.detail}"
            history.append(HistoryEntry(v.checked_at, v.checked_by, "verification", text))
        history.sort(key=lambda h: h.at)  # stable: decisions at one instant keep their order
        verified = latest_verifications(s, it.campaign_id).get(it.id)
        row = item_row(
            it, operator_names(s), masked=masked, verification=verified, decisions=decisions
        )
        return ItemDetail(row, tuple(history))

    def findings(self, campaign_id: int) -> list[FindingRow]:
        with self.authorized(Permission.REVIEW_VIEW, action="review.findings") as (s, actor):
            get_campaign(s, campaign_id)
            masked = not actor.principal.can(Permission.PII_REVEAL)
            out: list[FindingRow] = []
            for it in items_of(s, campaign_id):
                row = item_row(it, {}, masked=masked)
                out += [
                    FindingRow(
                        it.id,
                        row.agent_id,
                        row.email,
                        row.name,
                        f.type,
                        f.severity,
                        f.reason,
                        f.label,
                    )
                    for f in row.findings
                ]
            self.audit(
                s,
                "review.findings.view",
                object_type="review_campaign",
                object_id=str(campaign_id),
                details={"findings": len(out), "masked": masked},
            )
            return out

    # ------------------------------------------------------------ decisions

    def reassign(self, item_ids: Sequence[int], reviewer: str) -> int:
        if not item_ids:
            raise ReviewError("Select at least one item.")
        with self.authorized(Permission.REVIEW_MANAGE, action="review.reassign") as (s, actor):
            first = s.get(ReviewItem, item_ids[0])
            if first is None:
                raise ReviewError(f"No review item #{item_ids[0]}.")
            campaign = get_campaign(s, first.campaign_id)
            require_open(campaign)
            (op,) = self._reviewers(s, [reviewer])
            items = items_of(s, campaign.id, item_ids, lock=True)
            if any(
                email_key(op.email) and email_key(op.email) == email_key(it.email) for it in items
            ):
                raise ReviewError(f"{op.username} cannot review their own help-desk account.")
            if op.id not in reviewers_of(s, campaign.id):
                s.add(ReviewReviewer(campaign_id=campaign.id, operator_id=op.id))
            now = self.ctx.clock.now()
            for it in items:
                it.reviewer_id = op.id
                mark_changed(it, actor, now)
            self.audit(
                s,
                "review.reassign",
                object_type="review_campaign",
                object_id=str(campaign.id),
                details={"items": len(items), "reviewer_id": op.id},
            )
            return len(items)

    def comment(self, item_id: int, body: str) -> None:
        body = body.strip()
        if not body:
            raise ReviewError("A comment cannot be empty.")
        with self.authorized(Permission.REVIEW_MANAGE, action="review.comment") as (s, actor):
            it = s.get(ReviewItem, item_id)
            if it is None:
                raise ReviewError(f"No review item #{item_id}.")
            require_open(get_campaign(s, it.campaign_id))
            s.add(
                ReviewComment(
                    item_id=it.id,
                    author=actor.username,
                    body=body,
                    created_at=utc_iso(self.ctx.clock.now()),
                )
            )
            self.audit(s, "review.comment", object_type="review_item", object_id=str(it.id))

    # ------------------------------------------------------------ progress & sign-off

    def progress(self, campaign_id: int) -> Progress:
        with self.authorized(Permission.REVIEW_VIEW, action="review.progress") as (s, _a):
            c = get_campaign(s, campaign_id)
            result = campaign_progress(s, c, self.ctx.clock.now().date())
            self.audit(s, "review.progress", object_type="review_campaign", object_id=str(c.id))
            return result

    def sign_off(
        self, campaign_id: int, *, carry_over: bool = False, note: str | None = None
    ) -> CampaignSummary:
        """Lock the campaign (privacy officer, step-up). Open items block it unless carried over."""
        with self.authorized(Permission.REVIEW_MANAGE, action="review.signoff", step_up=True) as (
            s,
            actor,
        ):
            if Role.PRIVACY_OFFICER.value not in actor.principal.roles:
                raise ReviewError("Only a privacy officer can sign off an access review.")
            c = get_campaign(s, campaign_id)
            require_open(c)
            now = utc_iso(self.ctx.clock.now())
            open_items = [it for it in items_of(s, c.id, lock=True) if it.decision is None]
            if open_items and not carry_over:
                raise ReviewError(
                    f"{len(open_items)} items are still open: decide them, or carry them over "
                    "to the next review explicitly."
                )
            for it in open_items:
                it.decision, it.decided_by, it.decided_at = CARRY_OVER, actor.username, now
                it.justification = "carried over to the next review at sign-off"
                mark_changed(it, actor, self.ctx.clock.now())
                s.add(
                    ReviewDecision(
                        item_id=it.id,
                        campaign_id=c.id,
                        decision=CARRY_OVER,
                        justification=it.justification,
                        operator=actor.username,
                        at=now,
                    )
                )
            c.status, c.signed_off_at, c.signed_off_by = CAMPAIGN_SIGNED_OFF, now, actor.username
            c.sign_off_note = (note or "").strip() or None
            self.audit(
                s,
                "review.signoff",
                object_type="review_campaign",
                object_id=str(c.id),
                details={
                    "carried_over": len(open_items),
                    "items": summary(s, c, self.ctx.clock.now()).total,
                },
            )
            return summary(s, c, self.ctx.clock.now())
