"""The access-review service: `ReviewService` = campaigns and decisions (`CampaignService`)
plus who-can-see-what, the quarter-over-quarter diff, proof of revocation, evidence export."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import desc, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.importers.loader import latest_snapshot
from app.importers.snapshots import MERGED
from app.review import evidence
from app.review.decisions import DecisionService
from app.review.expansion import PermissionsView, expansion
from app.review.findings import DORMANT, TOXIC, toxic_rules
from app.review.progress import campaign_progress
from app.review.queries import (
    ReviewError,
    decisions_by_item,
    get_campaign,
    item_row,
    items_of,
    latest_verifications,
    operator_names,
    summary,
)
from app.review.records import (
    DiffSummary,
    ItemRow,
    PackResult,
    PermissionCount,
    ReviewSettings,
    Verification,
    WhoCan,
)
from app.review.snapshot import group_names, load_agents, role_names
from app.security.permissions import Permission, permissions_for
from app.settings import SettingError, Settings
from models.helpdesk import SNAPSHOT_DIRECTORY, Snapshot
from models.review import CAMPAIGN_SIGNED_OFF, ReviewCampaign, ReviewItem, ReviewVerification
from models.security import Operator


class ReviewService(DecisionService):
    """Access reviews: campaigns and decisions (DecisionService), analysis and evidence."""

    # ------------------------------------------------------------ who can see what

    def permission_counts(self, campaign_id: int) -> list[PermissionCount]:
        """Every statement held by someone in the campaign, with how many hold it."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.permissions") as (s, _a):
            get_campaign(s, campaign_id)
            holders: dict[str, set[int]] = defaultdict(set)
            texts: dict[str, str] = {}
            for item_id, grants in s.execute(
                select(ReviewItem.id, ReviewItem.grants_json).where(
                    ReviewItem.campaign_id == campaign_id
                )
            ):
                for g in json.loads(grants or "[]"):
                    holders[g["key"]].add(item_id)
                    texts.setdefault(g["key"], g["text"])
            self.audit(
                s,
                "review.permissions.view",
                object_type="review_campaign",
                object_id=str(campaign_id),
            )
            return sorted(
                (PermissionCount(k, texts[k], len(v)) for k, v in holders.items()),
                key=lambda p: (p.key.startswith("raw:"), p.text),
            )

    def who_can(self, campaign_id: int, key: str) -> list[WhoCan]:
        """Every agent holding statement `key`, and which role, key or flag grants it."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.who_can") as (s, actor):
            get_campaign(s, campaign_id)
            masked = not actor.principal.can(Permission.PII_REVEAL)
            out = []
            for it in items_of(s, campaign_id):
                row = item_row(it, {}, masked=masked)
                via = tuple(g.via for g in row.grants if g.key == key)
                if via:
                    out.append(WhoCan(row.agent_id, row.name, row.email, row.role_name, via))
            self.audit(
                s,
                "review.who_can",
                object_type="review_campaign",
                object_id=str(campaign_id),
                details={"permission": key, "agents": len(out)},
            )
            return out

    def directory_permissions(
        self,
        snapshot_id: int | None = None,
        *,
        agent_id: int | None = None,
        permission: str | None = None,
    ) -> PermissionsView:
        """Every agent's expanded permissions in a directory snapshot (default: the latest),
        or one agent's, or who holds one statement or configuration key, and through what."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.permissions") as (s, actor):
            if snapshot_id is None:
                snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
                if snap is None:
                    raise ReviewError("No help-desk directory yet: import one first.")
            else:
                snap = s.get(Snapshot, snapshot_id)
                if snap is None or snap.kind != SNAPSHOT_DIRECTORY:
                    raise ReviewError(f"No directory snapshot #{snapshot_id}.")
            masked = not actor.principal.can(Permission.PII_REVEAL)
            view = expansion(s, snap.id, agent_id=agent_id, permission=permission, masked=masked)
            if agent_id is not None and not view.agents and permission is None:
                raise ReviewError(f"No agent or admin {agent_id} in snapshot #{snap.id}.")
            self.audit(
                s,
                "review.permissions.directory",
                object_type="helpdesk_snapshot",
                object_id=str(snap.id),
                details={
                    "agent_id": agent_id,
                    "permission": permission,
                    "agents": len(view.agents),
                    "masked": masked,
                },
            )
            return view

    # ------------------------------------------------------------ quarter over quarter

    def diff(self, campaign_id: int) -> DiffSummary:
        with self.authorized(Permission.REVIEW_VIEW, action="review.diff") as (s, _a):
            result = _diff(s, get_campaign(s, campaign_id))
            self.audit(
                s, "review.diff.view", object_type="review_campaign", object_id=str(campaign_id)
            )
            return result

    # ------------------------------------------------------------ remediation

    def verify_remediation(
        self, campaign_id: int, snapshot_id: int | None = None
    ) -> list[Verification]:
        """Check each revoke/modify of a signed-off campaign against a later snapshot."""
        with self.authorized(Permission.REVIEW_MANAGE, action="review.verify") as (s, actor):
            c = get_campaign(s, campaign_id)
            if c.status != CAMPAIGN_SIGNED_OFF:
                raise ReviewError("Sign off the campaign before verifying its remediation.")
            snap = self._later_snapshot(s, c, snapshot_id)
            current = {a.agent_id: a for a in load_agents(s, snap.id)}
            now = utc_iso(self.ctx.clock.now())
            out: list[Verification] = []
            for it in items_of(s, c.id):
                if it.decision not in ("revoke", "modify"):
                    continue
                agent = current.get(it.agent_id)
                if agent is None:
                    status, detail = "verified", "no longer an agent or admin"
                elif agent.suspended or not agent.active:
                    status, detail = "verified", "account suspended"
                elif it.decision == "revoke":
                    status, detail = "still_present", f"still holds {agent.role_name}"
                    if snap.source.endswith(MERGED):  # a removal shows only when complete
                        detail += f" (snapshot #{snap.id} merged a partial import)"
                elif agent.role_name.lower() == (it.target_role or "").lower():
                    status, detail = "verified", f"now {agent.role_name}"
                else:
                    status = "still_present"
                    detail = f"still {agent.role_name} (expected {it.target_role})"
                s.add(
                    ReviewVerification(
                        item_id=it.id,
                        campaign_id=c.id,
                        snapshot_id=snap.id,
                        status=status,
                        detail=detail,
                        checked_at=now,
                        checked_by=actor.username,
                    )
                )
                out.append(
                    Verification(
                        it.id, it.agent_id, it.email, it.decision, it.target_role, status, detail
                    )
                )
            counts = Counter(v.status for v in out)
            self.audit(
                s,
                "review.verify_remediation",
                object_type="review_campaign",
                object_id=str(c.id),
                details={"snapshot_id": snap.id, **counts},
            )
            return out

    def _later_snapshot(self, s: Session, c: ReviewCampaign, snapshot_id: int | None) -> Snapshot:
        if snapshot_id is not None:
            snap = s.get(Snapshot, snapshot_id)
            if snap is None or snap.kind != SNAPSHOT_DIRECTORY:
                raise ReviewError(f"No directory snapshot #{snapshot_id}.")
            if snap.id <= c.snapshot_id:
                raise ReviewError("Verify against a snapshot imported after the reviewed one.")
            return snap
        later = s.scalars(
            select(Snapshot)
            .where(Snapshot.kind == SNAPSHOT_DIRECTORY, Snapshot.id > c.snapshot_id)
            .order_by(desc(Snapshot.id))
            .limit(1)
        ).first()
        if later is None:
            raise ReviewError(
                "Import a newer help-desk snapshot first: proof of revocation compares the "
                "reviewed snapshot with a later one."
            )
        return later

    def remediation_csv(self, campaign_id: int) -> str:
        """CSV of revocations and modifications to apply in the help desk (full e-mails)."""
        with self.authorized(Permission.REVIEW_MANAGE, action="review.remediation") as (s, _a):
            c = get_campaign(s, campaign_id)
            decisions = decisions_by_item(s, c.id)
            rows = [
                item_row(it, {}, masked=False, decisions=decisions.get(it.id, ()))
                for it in items_of(s, c.id)
            ]
            text = evidence.remediation_csv(summary(s, c, self.ctx.clock.now()), rows)
            changes = sum(1 for r in rows if r.decision in ("revoke", "modify"))
            self.audit(
                s,
                "review.remediation.export",
                object_type="review_campaign",
                object_id=str(c.id),
                details={"rows": changes},
            )
            return text

    # ------------------------------------------------------------ evidence pack

    def export_pack(
        self,
        campaign_id: int,
        folder: Path,
        *,
        render_pdf: evidence.PdfRenderer | None = None,
    ) -> PackResult:
        """Write the evidence pack into `folder` and audit its SHA-256 in the same transaction."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.export") as (s, actor):
            c = get_campaign(s, campaign_id)
            masked = not actor.principal.can(Permission.PII_REVEAL)
            camp = summary(s, c, self.ctx.clock.now())
            names = operator_names(s)
            verified = latest_verifications(s, c.id)
            decisions = decisions_by_item(s, c.id)
            items = [
                item_row(
                    it,
                    names,
                    masked=masked,
                    verification=verified.get(it.id),
                    decisions=decisions.get(it.id, ()),
                )
                for it in items_of(s, c.id)
            ]
            progress = campaign_progress(s, c, self.ctx.clock.now().date())
            diff = _diff(s, c)
            checks = _verifications(s, c.id, items)
            stem = f"access-review-{c.id}"
            html = evidence.report_html(camp, items, progress, diff, checks)
            files = {
                f"{stem}.html": html,
                f"{stem}-items.csv": evidence.items_csv(items),
                f"{stem}.json": json.dumps(
                    evidence.campaign_json(camp, items, progress, diff, checks),
                    indent=2,
                    ensure_ascii=False,
                )
                + "\n",
            }
            if not masked:
                files[f"{stem}-remediation.csv"] = evidence.remediation_csv(camp, items)
            written, pack_hash = evidence.write_pack(
                Path(folder),
                files,
                html_name=f"{stem}.html",
                pdf_name=f"{stem}.pdf",
                render_pdf=render_pdf,
                campaign_id=c.id,
            )
            seq = self.audit(
                s,
                "review.export",
                object_type="review_campaign",
                object_id=str(c.id),
                details={
                    "pack_sha256": pack_hash,
                    "files": len(written),
                    "items": len(items),
                    "masked": masked,
                    "signed_off": camp.signed_off,
                },
            )
            return PackResult(str(folder), written, pack_hash, seq)

    # ------------------------------------------------------------ settings & choices

    def settings(self) -> ReviewSettings:
        """The dormant-days limit and toxic-combination rules new campaigns will use."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.settings.view") as (s, _a):
            return _settings(s, self.ctx.settings)

    def update_settings(
        self,
        *,
        dormant_days: int | None = None,
        toxic_rules_json: str | None = None,
        default_rules: bool = False,
    ) -> ReviewSettings:
        """Change the settings for future campaigns; everything is checked before anything is
        saved. `default_rules` goes back to the built-in toxic-combination list."""
        if default_rules and toxic_rules_json is not None:
            raise ReviewError("Give either new toxic rules or the defaults, not both.")
        registry = self.ctx.settings
        rules: list[Any] | None = None
        try:
            if dormant_days is not None:
                registry.spec(DORMANT).validate(dormant_days)
            if toxic_rules_json is not None:
                rules = registry.spec(TOXIC).parse(toxic_rules_json)
                registry.spec(TOXIC).validate(rules)
        except SettingError as exc:
            raise ReviewError(str(exc)) from None
        with self.authorized(Permission.REVIEW_MANAGE, action="review.settings") as (s, _a):
            details: dict[str, object] = {}
            if dormant_days is not None:
                registry.set(s, DORMANT, dormant_days)
                details["dormant_days"] = dormant_days
            if rules is not None:
                registry.set(s, TOXIC, rules)
                details["toxic_rules"] = len(rules)
            elif default_rules:
                registry.reset(s, TOXIC)
                details["toxic_rules"] = "default"
            if details:
                self.audit(s, "review.settings", details=details)
            return _settings(s, self.ctx.settings)

    def set_dormant_days(self, days: int) -> None:
        self.update_settings(dormant_days=days)

    def set_toxic_rules(self, rules_json: str) -> None:
        self.update_settings(toxic_rules_json=rules_json)

    def choices(self) -> tuple[list[str], list[str], list[str]]:
        """(custom and built-in role names, group names, possible reviewers) of the latest
        snapshot, for the create-campaign form."""
        with self.authorized(Permission.REVIEW_VIEW, action="review.choices") as (s, _a):
            snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
            roles = role_names(s, snap.id) if snap else []
            groups = group_names(s, snap.id) if snap else []
            reviewers = [
                op.username
                for op in s.scalars(select(Operator).where(Operator.status == "active"))
                if Permission.REVIEW_MANAGE in permissions_for(r.role for r in op.roles)
            ]
            return roles, groups, sorted(reviewers)


def _settings(s: Session, registry: Settings) -> ReviewSettings:
    return ReviewSettings(
        registry.get(s, DORMANT),
        tuple(toxic_rules(s, registry)),
        not registry.is_default(s, TOXIC),
    )


def _verifications(s: Session, campaign_id: int, items: Sequence[ItemRow]) -> list[Verification]:
    by_id = {it.id: it for it in items}
    latest: dict[int, ReviewVerification] = {}
    for v in s.scalars(
        select(ReviewVerification)
        .where(ReviewVerification.campaign_id == campaign_id)
        .order_by(ReviewVerification.id)
    ):
        latest[v.item_id] = v
    out = []
    for item_id, v in sorted(latest.items()):
        it = by_id[item_id]
        out.append(
            Verification(
                item_id,
                it.agent_id,
                it.email,
                it.decision or "",
                it.target_role,
                v.status,
                v.detail,
            )
        )
    return out


def _diff(s: Session, c: ReviewCampaign) -> DiffSummary:
    prev = s.get(ReviewCampaign, c.previous_campaign_id) if c.previous_campaign_id else None
    new = removed = roles = perms = 0
    if prev is not None:
        before = {
            a: (r, frozenset(g["key"] for g in json.loads(gj or "[]")))
            for a, r, gj in s.execute(
                select(ReviewItem.agent_id, ReviewItem.role_name, ReviewItem.grants_json).where(
                    ReviewItem.campaign_id == prev.id
                )
            )
        }
        seen = set()
        for a, r, gj in s.execute(
            select(ReviewItem.agent_id, ReviewItem.role_name, ReviewItem.grants_json).where(
                ReviewItem.campaign_id == c.id
            )
        ):
            seen.add(a)
            if a not in before:
                new += 1
                continue
            roles += before[a][0] != r
            perms += bool(frozenset(g["key"] for g in json.loads(gj or "[]")) - before[a][1])
        removed = len(set(before) - seen)
    trend = []
    chain: list[ReviewCampaign] = []
    cur: ReviewCampaign | None = c
    while cur is not None and len(chain) < 8:
        chain.append(cur)
        cur = s.get(ReviewCampaign, cur.previous_campaign_id) if cur.previous_campaign_id else None
    for camp in reversed(chain):
        counts: Counter[str] = Counter()
        for ftypes in s.scalars(
            select(ReviewItem.finding_types).where(ReviewItem.campaign_id == camp.id)
        ):
            counts.update(t for t in (ftypes or "").split(",") if t)
        trend.append((camp.name, dict(counts)))
    return DiffSummary(prev.name if prev else None, new, removed, roles, perms, tuple(trend))
