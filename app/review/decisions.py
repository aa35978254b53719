"""Access review decisions: keep, revoke or modify, one at a time or in bulk, and changed.

`DecisionService` is the deciding part of `app.review.service.ReviewService`. A bulk
decision decides only open items (its preview counts with the same rule); a decided item
changes only through `change_decision`, which keeps the earlier decision in the history.
Keeping access despite findings needs a justification.

Optimistic concurrency (issue 17): a caller that shows items passes the versions it showed
(`expected_versions` / `expected_version`); an item changed since is refused with
`StaleEdit` ("Review item #12 changed by priya at 10:42 — reload"), audited as a refused
action, and nothing is written. A bulk decision leaves such items alone and counts them.
Items are read ``FOR UPDATE`` and written ``UPDATE … WHERE version = <read>``, so two
officers deciding at once on PostgreSQL never both win. The CLI passes no versions: it reads
and writes in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.changes import refusing_stale, require_version
from app.clock import utc_iso
from app.review.campaigns import CampaignService, email_key, items_phrase
from app.review.queries import (
    ReviewError,
    get_campaign,
    items_of,
    require_open,
    reviewers_of,
)
from app.review.records import (
    DECISIONS,
    NEEDS_JUSTIFICATION,
    BulkPreview,
    BulkResult,
    ItemDetail,
)
from app.security.guard import Actor
from app.security.permissions import Permission
from models.review import (
    ReviewDecision,
    ReviewItem,
)
from models.security import Operator

if TYPE_CHECKING:
    from app.settings import Settings


def _checked(
    decision: str, target_role: str | None, justification: str | None
) -> tuple[str | None, str | None]:
    """(target role, justification) cleaned, or a ReviewError naming what is missing."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}")
    justification = (justification or "").strip() or None
    target_role = (target_role or "").strip() or None
    if decision in NEEDS_JUSTIFICATION and not justification:
        raise ReviewError(f"A {decision} decision needs a justification.")
    if decision == "modify" and not target_role:
        raise ReviewError("A modify decision needs the target role.")
    return (target_role if decision == "modify" else None), justification


def has_findings(it: ReviewItem) -> bool:
    return bool(it.findings_json and it.findings_json != "[]")


def split_open(items: Sequence[ReviewItem]) -> tuple[list[ReviewItem], list[ReviewItem]]:
    """(still open, already decided): the one rule bulk decisions and their preview share."""
    return [it for it in items if it.decision is None], [
        it for it in items if it.decision is not None
    ]


def _preview(items: Sequence[ReviewItem], own_account: int) -> BulkPreview:
    still_open, decided = split_open(items)
    return BulkPreview(
        len(still_open), len(decided), sum(map(has_findings, still_open)), own_account
    )


def require_keep_justification(
    items: Sequence[ReviewItem], decision: str, justification: str | None
) -> None:
    """Keeping access despite a finding (no MFA, dormant, leaver, …) must say why."""
    if decision != "keep" or justification:
        return
    flagged = [it for it in items if has_findings(it)]
    if not flagged:
        return
    if len(items) == 1:
        raise ReviewError(
            f"Keep needs a justification: item #{flagged[0].id} has findings. "
            "Say why the access stays despite them."
        )
    raise ReviewError(
        f"Keep needs a justification: {len(flagged)} of the {len(items)} items have findings. "
        "Give one justification; each of them records it."
    )


TRAINING_GATE = "review.require_training_for_privileged"  # a key in app.settings


def refuse_keep_untrained(
    s: Session, settings: Settings, items: Sequence[ReviewItem], decision: str
) -> None:
    """With the training gate on, privileged access of an agent whose required training
    has lapsed cannot be kept: revoke, or modify to a role without those rights."""
    if decision != "keep" or settings.get(s, TRAINING_GATE) != "on":
        return
    blocked = [
        it.id
        for it in items
        if any(
            f.get("type") == "untrained_privileged" for f in json.loads(it.findings_json or "[]")
        )
    ]
    if blocked:
        which = f"item #{blocked[0]}" if len(blocked) == 1 else f"{len(blocked)} items"
        raise ReviewError(
            f"Cannot keep {which}: privileged access while required training is overdue or "
            "never completed. Revoke it, or modify it to a role without those rights, until "
            f"the agent trains (setting {TRAINING_GATE})."
        )


def _apply(
    s: Session,
    it: ReviewItem,
    actor: Actor,
    now: str,
    what: tuple[str, str | None, str | None],
    change_reason: str | None = None,
) -> None:
    """Set the item's decision and append it to the item's decision history."""
    decision, target_role, justification = what
    it.decision, it.target_role, it.justification = decision, target_role, justification
    it.decided_by, it.decided_at = actor.username, now
    it.changed_by, it.changed_at = actor.username, now
    s.add(
        ReviewDecision(
            item_id=it.id,
            campaign_id=it.campaign_id,
            decision=decision,
            target_role=target_role,
            justification=justification,
            operator=actor.username,
            at=now,
            change_reason=change_reason,
        )
    )


def item_label(item_id: int) -> str:
    return f"Review item #{item_id}"


def stale_items(
    items: Sequence[ReviewItem], expected: Mapping[int, int] | None
) -> list[ReviewItem]:
    """The items whose version is no longer the one the caller showed."""
    if not expected:
        return []
    return [it for it in items if it.id in expected and it.version != expected[it.id]]


def require_versions(
    items: Sequence[ReviewItem], expected: Mapping[int, int] | None, now: datetime
) -> None:
    for it in stale_items(items, expected):
        require_version(item_label(it.id), it, expected[it.id] if expected else None, now)


class DecisionService(CampaignService):
    def decide(
        self,
        item_ids: Sequence[int],
        decision: str,
        *,
        target_role: str | None = None,
        justification: str | None = None,
        expected_versions: Mapping[int, int] | None = None,
    ) -> int:
        """Record one decision on every given item; all or nothing. Every item must still be
        open: an existing decision is changed only through `change_decision`.
        `expected_versions` (item id → version shown): any item changed since → StaleEdit."""
        target_role, justification = _checked(decision, target_role, justification)
        if not item_ids:
            raise ReviewError("Select at least one item.")
        first_id = item_ids[0]
        with (
            refusing_stale(
                self, "review.decide", item_label(first_id), "review_item", str(first_id)
            ),
            self.authorized(Permission.REVIEW_MANAGE, action="review.decide") as (s, actor),
        ):
            items = self._items_for_change(s, item_ids, actor)
            require_versions(items, expected_versions, self.ctx.clock.now())
            still_open, decided = split_open(items)
            if decided:
                first = decided[0]
                raise ReviewError(
                    f"{items_phrase(len(decided))} already decided (item #{first.id}: "
                    f"{first.decision}); a decision is never overwritten. Use “Change "
                    "decision…” (CLI: review redecide) to change one, with a reason."
                )
            require_keep_justification(still_open, decision, justification)
            refuse_keep_untrained(s, self.ctx.settings, still_open, decision)
            self._record(s, actor, still_open, decision, target_role, justification)
            s.flush()  # UPDATE … WHERE version = read: a lost race is a StaleEdit here
            return len(still_open)

    def preview_bulk(self, item_ids: Sequence[int]) -> BulkPreview:
        """What `decide_bulk` over these items would do: how many open items it decides, how
        many already-decided ones it leaves alone, how many open ones have findings."""
        if not item_ids:
            raise ReviewError("Select at least one item.")
        with self.authorized(Permission.REVIEW_MANAGE, action="review.decide.preview") as (
            s,
            actor,
        ):
            items, own = self._bulkitems_phrase(s, item_ids, actor)
            return _preview(items, len(own))

    def decide_bulk(
        self,
        item_ids: Sequence[int],
        decision: str,
        *,
        target_role: str | None = None,
        justification: str | None = None,
        expected_versions: Mapping[int, int] | None = None,
    ) -> BulkResult:
        """One decision for every given item that is still open; decided items are left as
        they are (never overwritten) and counted. A keep over items with findings needs the
        one justification, which each of them records. `expected_versions` (item id →
        version shown): open items changed since are left alone too, and counted."""
        target_role, justification = _checked(decision, target_role, justification)
        if not item_ids:
            raise ReviewError("Select at least one item.")
        first_id = item_ids[0]
        with (
            refusing_stale(
                self, "review.decide", item_label(first_id), "review_item", str(first_id)
            ),
            self.authorized(Permission.REVIEW_MANAGE, action="review.decide") as (s, actor),
        ):
            items, own = self._bulkitems_phrase(s, item_ids, actor, lock=True)
            still_open, decided = split_open(items)
            changed = stale_items(still_open, expected_versions)
            still_open = [it for it in still_open if it not in changed]
            if not still_open and changed:
                require_versions(changed, expected_versions, self.ctx.clock.now())
            if not still_open:
                what = (
                    f"{items_phrase(len(decided))} already decided"
                    if decided
                    else "no item is open"
                )
                mine = ", and your own account is left to another reviewer" if own else ""
                raise ReviewError(f"Nothing to decide: {what}{mine}.")
            require_keep_justification(still_open, decision, justification)
            refuse_keep_untrained(s, self.ctx.settings, still_open, decision)
            self._record(
                s,
                actor,
                still_open,
                decision,
                target_role,
                justification,
                left_alone=len(decided) + len(changed),
                own_account=len(own),
            )
            s.flush()  # UPDATE … WHERE version = read: a lost race is a StaleEdit here
            return BulkResult(
                len(still_open),
                len(decided),
                tuple(it.id for it in still_open),
                len(own),
                changed=len(changed),
            )

    def change_decision(
        self,
        item_id: int,
        decision: str,
        *,
        reason: str,
        target_role: str | None = None,
        justification: str | None = None,
        expected_version: int | None = None,
    ) -> ItemDetail:
        """Replace the decision of one decided item. The earlier decision stays in the item's
        history (and the evidence pack); `reason` says why it changes. `expected_version`:
        the version shown; the item changed since → StaleEdit."""
        target_role, justification = _checked(decision, target_role, justification)
        reason = (reason or "").strip()
        if not reason:
            raise ReviewError("Changing a decision needs a reason for the change.")
        with (
            refusing_stale(
                self, "review.decision.change", item_label(item_id), "review_item", str(item_id)
            ),
            self.authorized(Permission.REVIEW_MANAGE, action="review.decision.change") as (
                s,
                actor,
            ),
        ):
            (it,) = self._items_for_change(s, [item_id], actor)
            require_version(item_label(it.id), it, expected_version, self.ctx.clock.now())
            if it.decision is None:
                raise ReviewError(
                    f"Item #{it.id} is still open: record a decision, there is none to change."
                )
            if (it.decision, it.target_role, it.justification) == (
                decision,
                target_role,
                justification,
            ):
                raise ReviewError(f"Item #{it.id} already has this decision; nothing changes.")
            require_keep_justification([it], decision, justification)
            refuse_keep_untrained(s, self.ctx.settings, [it], decision)
            before = it.decision
            now = utc_iso(self.ctx.clock.now())
            _apply(s, it, actor, now, (decision, target_role, justification), reason)
            s.flush()
            self.audit(
                s,
                "review.decision.change",
                object_type="review_item",
                object_id=str(it.id),
                details={"campaign_id": it.campaign_id, "from": before, "to": decision},
            )
            return self._detail(s, it, actor)

    def _record(
        self,
        s: Session,
        actor: Actor,
        items: Sequence[ReviewItem],
        decision: str,
        target_role: str | None,
        justification: str | None,
        *,
        left_alone: int = 0,
        own_account: int = 0,
    ) -> None:
        now = utc_iso(self.ctx.clock.now())
        for it in items:
            _apply(s, it, actor, now, (decision, target_role, justification))
        self.audit(
            s,
            "review.decide",
            object_type="review_campaign",
            object_id=str(items[0].campaign_id),
            details={
                "decision": decision,
                "items": len(items),
                "left_alone": left_alone,
                "own_account": own_account,
                "item_ids": [it.id for it in items][:200],
                "justified": justification is not None,
            },
        )

    def _items_for_change(
        self, s: Session, item_ids: Sequence[int], actor: Actor
    ) -> list[ReviewItem]:
        items, own = self._bulkitems_phrase(s, item_ids, actor, lock=True)
        if own:
            raise ReviewError(
                "You cannot review your own help-desk account; leave it to another reviewer."
            )
        return items

    def _bulkitems_phrase(
        self, s: Session, item_ids: Sequence[int], actor: Actor, *, lock: bool = False
    ) -> tuple[list[ReviewItem], list[ReviewItem]]:
        """(items the actor may decide, items that are the actor's own help-desk account)."""
        ids = list(dict.fromkeys(item_ids))
        first = s.get(ReviewItem, ids[0])
        if first is None:
            raise ReviewError(f"No review item #{ids[0]}.")
        campaign = get_campaign(s, first.campaign_id)
        require_open(campaign)
        items = items_of(s, campaign.id, ids, lock=lock)
        if len(items) != len(ids):
            raise ReviewError("Some selected items are not in this campaign.")
        if actor.principal.operator_id not in reviewers_of(s, campaign.id):
            raise ReviewError(f"You are not a reviewer of campaign {campaign.name}.")
        own = email_key(s.get(Operator, actor.principal.operator_id).email)  # type: ignore[union-attr]
        mine = [it for it in items if own and email_key(it.email) == own]
        return [it for it in items if it not in mine], mine
