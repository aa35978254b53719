"""Plain frozen results of the review service (never ORM rows)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.review.findings import Finding, ToxicRule
from app.review.permissions import Grant

DECISIONS = ("keep", "revoke", "modify")
NEEDS_JUSTIFICATION = ("revoke", "modify")
CARRY_OVER = "carry_over"


@dataclass(frozen=True)
class CampaignSummary:
    id: int
    name: str
    snapshot_id: int
    roster_snapshot_id: int | None
    previous_campaign_id: int | None
    scope: str
    scope_value: str | None
    scope_label: str
    due_date: str | None
    status: str
    created_at: str
    created_by: str
    signed_off_at: str | None
    signed_off_by: str | None
    sign_off_note: str | None
    dormant_days: int
    reviewers: tuple[str, ...]
    total: int
    decided: int
    findings: int
    overdue: bool

    @property
    def signed_off(self) -> bool:
        return self.status == "signed_off"

    @property
    def open_items(self) -> int:
        return self.total - self.decided

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "snapshot_id": self.snapshot_id,
            "roster_snapshot_id": self.roster_snapshot_id,
            "previous_campaign_id": self.previous_campaign_id,
            "scope": self.scope,
            "scope_value": self.scope_value,
            "due_date": self.due_date,
            "status": self.status,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "signed_off_at": self.signed_off_at,
            "signed_off_by": self.signed_off_by,
            "dormant_days": self.dormant_days,
            "reviewers": list(self.reviewers),
            "total": self.total,
            "decided": self.decided,
            "findings": self.findings,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class DecisionRecord:
    """One decision in an item's history: who, when, what, why (and why it changed)."""

    at: str
    who: str
    decision: str
    target_role: str | None
    justification: str | None
    change_reason: str | None = None

    @property
    def text(self) -> str:
        what = self.decision.replace("_", " ") + (
            f" → {self.target_role}" if self.target_role else ""
        )
        return what + (f": {self.justification}" if self.justification else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "by": self.who,
            "decision": self.decision,
            "target_role": self.target_role,
            "justification": self.justification,
            "change_reason": self.change_reason,
        }


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk decision over a set of items would do, before it runs."""

    will_decide: int  # open items: these get the decision
    already_decided: int  # left alone: a bulk decision never overwrites one
    with_findings: int  # of the open ones: a keep needs a justification for them
    own_account: int = 0  # the reviewer's own help-desk account: left to another reviewer

    def needs_justification(self, decision: str) -> bool:
        """The service's rule for this bulk decision: revoke and modify always; keep when
        any of the open items has findings (one justification, recorded on each)."""
        return decision in NEEDS_JUSTIFICATION or (decision == "keep" and self.with_findings > 0)

    def to_json(self) -> dict[str, int]:
        return {
            "will_decide": self.will_decide,
            "already_decided": self.already_decided,
            "with_findings": self.with_findings,
            "own_account": self.own_account,
        }


@dataclass(frozen=True)
class BulkResult:
    decided: int
    left_alone: int  # already decided before, unchanged
    item_ids: tuple[int, ...]  # the items that got the decision
    own_account: int = 0  # the reviewer's own help-desk account, left to another reviewer
    changed: int = 0  # open, but changed by someone since the officer looked: left alone

    def to_json(self) -> dict[str, Any]:
        return {
            "decided": self.decided,
            "left_alone": self.left_alone,
            "own_account": self.own_account,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class ItemRow:
    id: int
    campaign_id: int
    agent_id: int | None
    email: str | None
    name: str | None
    role: str
    role_name: str
    groups: tuple[str, ...]
    grants: tuple[Grant, ...]
    findings: tuple[Finding, ...]
    changes: tuple[str, ...]
    mfa: str
    mfa_text: str
    reviewer: str | None
    decision: str | None
    target_role: str | None
    justification: str | None
    decided_by: str | None
    decided_at: str | None
    last_login_at: str | None = None
    verification: str | None = None
    earlier: tuple[DecisionRecord, ...] = ()  # decisions this item had before the current one
    change_reason: str | None = None  # why the current decision replaced an earlier one
    version: int = 1  # what a change passes back as `expected_version` (issue 17)
    changed_by: str | None = None  # who made this version (operator username)
    changed_at: str | None = None  # when (UTC)

    @property
    def finding_labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.findings)

    @property
    def finding_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.type for f in self.findings))

    @property
    def decided(self) -> bool:
        return self.decision is not None

    def needs_justification(self, decision: str) -> bool:
        """The service's rule, for forms: revoke and modify always; keep when the item has
        findings (keeping access despite them must say why)."""
        return decision in NEEDS_JUSTIFICATION or (decision == "keep" and bool(self.findings))

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.id,
            "agent_id": self.agent_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "role_name": self.role_name,
            "groups": list(self.groups),
            "permissions": [g.to_json() for g in self.grants],
            "findings": [f.to_json() for f in self.findings],
            "changes": list(self.changes),
            "mfa": self.mfa,
            "reviewer": self.reviewer,
            "decision": self.decision,
            "target_role": self.target_role,
            "justification": self.justification,
            "decided_by": self.decided_by,
            "decided_at": self.decided_at,
            "change_reason": self.change_reason,
            "earlier_decisions": [d.to_json() for d in self.earlier],
            "verification": self.verification,
            "version": self.version,
        }


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    who: str
    kind: str  # decision | comment | verification
    text: str


@dataclass(frozen=True)
class ItemDetail:
    item: ItemRow
    history: tuple[HistoryEntry, ...]


@dataclass(frozen=True)
class FindingRow:
    item_id: int
    agent_id: int | None
    email: str | None
    name: str | None
    type: str
    severity: str
    reason: str
    phrase: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "email": self.email,
            "type": self.type,
            "phrase": self.phrase,
            "severity": self.severity,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Progress:
    total: int
    decided: int
    by_reviewer: dict[str, tuple[int, int]]  # reviewer -> (decided, total)
    due_date: str | None
    days_left: int | None
    overdue: bool
    reminders: tuple[str, ...]
    timeline: tuple[tuple[str, int], ...]  # (YYYY-MM-DD, cumulative decided)
    findings_by_type: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WhoCan:
    agent_id: int | None
    name: str | None
    email: str | None
    role_name: str
    via: tuple[str, ...]


@dataclass(frozen=True)
class PermissionCount:
    key: str
    text: str
    holders: int


@dataclass(frozen=True)
class DiffSummary:
    previous_name: str | None
    new_agents: int
    removed_agents: int
    role_changes: int
    new_permissions: int
    trend: tuple[tuple[str, dict[str, int]], ...]  # campaign name -> findings by type

    def to_json(self) -> dict[str, Any]:
        return {
            "previous": self.previous_name,
            "new_agents": self.new_agents,
            "removed_agents": self.removed_agents,
            "role_changes": self.role_changes,
            "new_permissions": self.new_permissions,
            "trend": [{"campaign": n, "findings": c} for n, c in self.trend],
        }


@dataclass(frozen=True)
class Verification:
    item_id: int
    agent_id: int | None
    email: str | None
    decision: str
    target_role: str | None
    status: str  # verified | still_present
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "agent_id": self.agent_id,
            "email": self.email,
            "decision": self.decision,
            "target_role": self.target_role,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class PackResult:
    folder: str
    files: tuple[str, ...]
    pack_sha256: str
    audit_seq: int

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "files": list(self.files),
            "pack_sha256": self.pack_sha256,
            "audit_seq": self.audit_seq,
        }


@dataclass(frozen=True)
class ReviewSettings:
    """The review settings new campaigns use (a campaign keeps the values it started with)."""

    dormant_days: int
    toxic_rules: tuple[ToxicRule, ...]
    custom_rules: bool  # False: the built-in rule list is in use

    def rules_json(self) -> str:
        return json.dumps([r.to_json() for r in self.toxic_rules], indent=2, ensure_ascii=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "dormant_days": self.dormant_days,
            "toxic_rules": [r.to_json() for r in self.toxic_rules],
            "custom_rules": self.custom_rules,
        }
