"""Automatic findings: each one a type, a severity and a reason a person can read.

Pure functions over plain facts (no session), so the engine is tested and benchmarked on
its own. SSO-aware MFA: Zendesk's `two_factor_auth_enabled` only matters for accounts that
can sign in with a Zendesk password; when the account settings say a role signs in only
through Google, Microsoft or SAML/JWT SSO, MFA is the identity provider's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.review.permissions import PRIVILEGED, Grant, grant_keys, text_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.settings import Settings

FINDING_TYPES = (
    "no_mfa",
    "dormant",
    "never_logged_in",
    "suspended_with_role",
    "orphan",
    "left_company",
    "on_leave",
    "shared_account",
    "privileged",
    "toxic_combination",
    "changed_since_last_review",
    "unknown_custom_role",
    "untrained_privileged",
)
FINDING_TITLES = {
    "no_mfa": "Password without 2FA",
    "dormant": "Dormant",
    "never_logged_in": "Never logged in",
    "suspended_with_role": "Suspended, role kept",
    "orphan": "Not in HR roster",
    "left_company": "Left the company",
    "on_leave": "On leave",
    "shared_account": "Shared account",
    "privileged": "Privileged",
    "toxic_combination": "Toxic combination",
    "changed_since_last_review": "Changed since last review",
    "unknown_custom_role": "Unknown custom role",
    "untrained_privileged": "Privileged, training lapsed",
}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}

PASSWORD_METHODS = frozenset({"zendesk", "password"})
DORMANT, TOXIC = "review.dormant_days", "review.toxic_rules"  # keys in app.settings


@dataclass(frozen=True)
class ToxicRule:
    """Holding every statement in `all` at once is a finding."""

    id: str
    all: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "all": list(self.all), "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToxicRule:
        keys = data.get("all")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise ValueError("a toxic rule needs `all`: a non-empty list of statement keys")
        return cls(str(data["id"]), tuple(keys), str(data.get("reason") or ""))


DEFAULT_TOXIC_RULES = (
    ToxicRule(
        "csv_export_full_end_users",
        ("export.csv", "end_users.full"),
        "can export CSV and has full end-user profile access (bulk export of customer data)",
    ),
    ToxicRule(
        "delete_and_view_deleted",
        ("tickets.delete", "tickets.view_deleted"),
        "can delete tickets and view deleted tickets (can remove evidence unnoticed)",
    ),
    ToxicRule(
        "shared_admin",
        ("account.shared", "admin.account"),
        "a shared account with admin rights (actions cannot be attributed to a person)",
    ),
    ToxicRule(
        "shared_csv_export",
        ("account.shared", "export.csv"),
        "a shared account that can export CSV",
    ),
    ToxicRule(
        "roles_and_team_members",
        ("manage.roles", "manage.team_members"),
        "can edit roles and assign them to team members (self-escalation)",
    ),
    ToxicRule(
        "redact_and_delete",
        ("tickets.redact", "tickets.delete"),
        "can both redact and delete tickets without a second person",
    ),
)


@dataclass(frozen=True)
class Finding:
    """`type` is the code for machines and filters; `phrase` the short readable label
    ("admin password without 2FA"); `reason` the full sentence with the evidence."""

    type: str
    severity: str
    reason: str
    phrase: str = ""

    @property
    def label(self) -> str:
        """What a person reads: the phrase, or (items stored before phrases) the title."""
        return self.phrase or FINDING_TITLES.get(self.type, self.type.replace("_", " ")).lower()

    @property
    def detail(self) -> str:
        """The reason without the words the label already says ("" when it adds nothing)."""
        reason, rule = self.reason, ""
        if self.type == "toxic_combination" and ": " in reason:
            rule, reason = reason.split(": ", 1)  # stored as "rule_id: why"
        label = self.label.removeprefix("risky mix: ")
        if reason.lower().startswith(label.lower()):
            reason = reason[len(label) :].lstrip(" :;,")
        if reason.startswith("(") and reason.endswith(")"):
            reason = reason[1:-1]
        return "; ".join(p for p in (reason, f"rule {rule}" if rule else "") if p)

    def to_json(self) -> dict[str, str]:
        return {
            "type": self.type,
            "severity": self.severity,
            "reason": self.reason,
            "phrase": self.label,
        }


@dataclass(frozen=True)
class AuthPolicy:
    """Which sign-in methods serve team members of each role (from account settings)."""

    methods_by_role: Mapping[str, frozenset[str]] = field(default_factory=dict)
    any_role: frozenset[str] = frozenset()
    require_two_factor: bool = False
    known: bool = False

    def methods_for(self, role: str) -> frozenset[str]:
        return self.any_role | self.methods_by_role.get(role, frozenset())

    @classmethod
    def from_settings(
        cls, sso_enabled: bool | None, methods: Sequence[str], settings: Mapping[str, Any]
    ) -> AuthPolicy:
        """From the importer's columns and the verbatim `settings_json`.

        `security.team_member_authentication` names the roles each method serves (the demo
        export: Zendesk passwords for admins, Google for agents); `sign_in_methods` has no
        roles, so each enabled method serves every role.
        """
        security = settings.get("security") if isinstance(settings, Mapping) else None
        by_role: dict[str, set[str]] = {}
        any_role: set[str] = set()
        require_2fa = False
        tma = security.get("team_member_authentication") if isinstance(security, dict) else None
        if isinstance(tma, dict):
            for name, spec in tma.items():
                enabled = spec.get("enabled") if isinstance(spec, dict) else spec
                if enabled is not True:
                    continue
                roles = spec.get("roles") if isinstance(spec, dict) else None
                if name in PASSWORD_METHODS and isinstance(spec, dict):
                    require_2fa = spec.get("require_two_factor") is True
                if isinstance(roles, list) and roles:
                    for r in roles:
                        by_role.setdefault(str(r), set()).add(name)
                else:
                    any_role.add(name)
        elif methods:
            any_role = set(methods)
            if sso_enabled and not any_role - PASSWORD_METHODS:
                any_role.add("sso")
        elif sso_enabled:
            any_role = {"sso"}  # SSO on, methods unknown: do not assume passwords
        known = bool(by_role or any_role)
        return cls(
            {r: frozenset(m) for r, m in by_role.items()},
            frozenset(any_role),
            require_2fa,
            known,
        )


@dataclass(frozen=True)
class AgentFacts:
    """One agent or admin of a snapshot, as the engine sees them."""

    agent_id: int | None
    email: str | None
    name: str | None
    role: str
    role_name: str
    suspended: bool
    active: bool
    two_factor: bool | None
    last_login_at: str | None
    created_at: str | None
    shared_agent: bool
    groups: tuple[str, ...]
    grants: tuple[Grant, ...]
    unknown_custom_role: int | None = None  # custom_role_id not among the imported roles


@dataclass(frozen=True)
class RosterFacts:
    status: str | None
    end_date: str | None


@dataclass(frozen=True)
class PreviousItem:
    role_name: str
    grant_keys: frozenset[str]


@dataclass(frozen=True)
class EngineInput:
    now: datetime
    dormant_days: int
    policy: AuthPolicy
    roster: Mapping[str, RosterFacts] | None  # lower-cased email -> entry; None: no roster
    rules: Sequence[ToxicRule]
    previous: Mapping[int, PreviousItem] | None  # agent id -> item; None: no prior campaign
    previous_name: str | None = None
    # lower-cased email -> required training programmes overdue or never completed (from
    # app.training.status.lapsed_by_email); None: no training programmes are defined.
    training: Mapping[str, tuple[str, ...]] | None = None


def mfa_status(agent: AgentFacts, policy: AuthPolicy) -> tuple[str, str]:
    """("2fa" | "idp" | "password_no_2fa" | "unknown", a sentence)."""
    methods = policy.methods_for(agent.role) if policy.known else frozenset()
    external = sorted(methods - PASSWORD_METHODS)
    if policy.known and methods and not methods & PASSWORD_METHODS:
        return "idp", f"MFA by identity provider ({', '.join(external)} sign-in)"
    if agent.two_factor:
        return "2fa", "Zendesk 2FA is on"
    if policy.require_two_factor and methods & PASSWORD_METHODS:
        return "2fa", "Zendesk 2FA is required for password sign-in by the account"
    if agent.two_factor is None:
        return "unknown", "the export does not say whether 2FA is on"
    if not policy.known:
        return "password_no_2fa", "password without 2FA (the export has no sign-in settings)"
    also = f", although {', '.join(external)} sign-in is also enabled" if external else ""
    return "password_no_2fa", f"password without 2FA: signs in with a Zendesk password{also}"


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def _day(ts: datetime) -> str:
    return ts.date().isoformat()


def findings_for(agent: AgentFacts, inp: EngineInput) -> list[Finding]:
    out: list[Finding] = []
    keys = grant_keys(agent.grants)
    label = "admin" if agent.role == "admin" else "agent"

    status, sentence = mfa_status(agent, inp.policy)
    if status == "password_no_2fa":
        severity = "high" if agent.role == "admin" else "medium"
        out.append(
            Finding("no_mfa", severity, f"{label} {sentence}", f"{label} password without 2FA")
        )

    login = _parse(agent.last_login_at)
    if login is None:
        created = _parse(agent.created_at)
        since = f" (account created {_day(created)})" if created else ""
        out.append(
            Finding("never_logged_in", "medium", f"never signed in{since}", "never signed in")
        )
    else:
        idle = (inp.now - login).days
        if idle > inp.dormant_days:
            out.append(
                Finding(
                    "dormant",
                    "medium",
                    f"last sign-in {_day(login)}, {idle} days ago (limit {inp.dormant_days})",
                    f"dormant: no sign-in for {idle} days",
                )
            )

    if agent.suspended or not agent.active:
        state = "suspended" if agent.suspended else "deactivated"
        out.append(
            Finding(
                "suspended_with_role",
                "medium",
                f"{state} in the help desk but still holds the {label} role ({agent.role_name})",
                f"{state}, still holds the {agent.role_name} role",
            )
        )

    if inp.roster is not None:
        entry = inp.roster.get((agent.email or "").strip().lower())
        if entry is None:
            out.append(Finding("orphan", "high", "not in the HR roster", "not in the HR roster"))
        elif entry.status == "terminated":
            end = f" on {entry.end_date}" if entry.end_date else ""
            later = ""
            if login is not None and entry.end_date and _day(login) > entry.end_date:
                later = f"; signed in after that ({_day(login)})"
            still = "still active"
            if agent.suspended or not agent.active:
                still = ("suspended" if agent.suspended else "deactivated") + ", role kept"
            left = f"left the company {entry.end_date}" if entry.end_date else "left the company"
            out.append(
                Finding(
                    "left_company",
                    "high",
                    f"HR roster says terminated{end}{later}",
                    f"{left}, {still}" + (", signed in after leaving" if later else ""),
                )
            )
        elif entry.status == "leave":
            out.append(Finding("on_leave", "low", "HR roster says on leave", "on leave (HR)"))

    if agent.shared_agent:
        out.append(
            Finding(
                "shared_account",
                "medium",
                "shared agent: one login used by several people",
                "shared login used by several people",
            )
        )

    if agent.unknown_custom_role is not None:
        rid = agent.unknown_custom_role
        out.append(
            Finding(
                "unknown_custom_role",
                "high",
                f"unknown custom role {rid}: the imported custom roles have no role with this "
                "id, so what it grants is not known (import custom_roles.json)",
                f"unknown custom role {rid}",
            )
        )

    privileged = [g for g in agent.grants if g.key in PRIVILEGED]
    lapsed = inp.training.get((agent.email or "").strip().lower()) if inp.training else None
    if privileged and lapsed:
        what = "admin rights" if agent.role == "admin" else "privileged permissions"
        out.append(
            Finding(
                "untrained_privileged",
                "high",
                f"{what} (e.g. {sorted({g.text for g in privileged})[0]}) while required "
                f"training is overdue or never completed: {', '.join(lapsed)}",
                "privileged, training lapsed",
            )
        )
    if privileged:
        if agent.role == "admin":
            reason = "admin (built-in role)"
        else:
            texts = sorted({g.text for g in privileged})
            reason = f"{agent.role_name}: {', '.join(texts)}"
        what = "admin rights" if agent.role == "admin" else "privileged permissions"
        out.append(Finding("privileged", "info", reason, what))

    # An admin holds every admin statement by definition ("privileged" says so); a rule
    # fires for them only when a flag or custom role adds one of its statements.
    not_builtin = {g.key for g in agent.grants if g.via != "built-in role admin"}
    for rule in inp.rules:
        if all(k in keys for k in rule.all) and any(k in not_builtin for k in rule.all):
            why = rule.reason or " + ".join(text_for(k) for k in rule.all)
            short = why.split(" (")[0]
            out.append(
                Finding("toxic_combination", "high", f"{rule.id}: {why}", f"risky mix: {short}")
            )

    if inp.previous is not None and agent.agent_id is not None:
        out += _changes(agent, keys, inp)
    return out


def _changes(agent: AgentFacts, keys: frozenset[str], inp: EngineInput) -> list[Finding]:
    assert inp.previous is not None
    since = f" since {inp.previous_name}" if inp.previous_name else " since the last review"
    before = inp.previous.get(agent.agent_id or -1)
    if before is None:
        return [
            Finding("changed_since_last_review", "low", f"new agent{since}", f"new agent{since}")
        ]
    parts = []
    if before.role_name != agent.role_name:
        parts.append(f"role changed: {before.role_name} → {agent.role_name}")
    added = sorted(keys - before.grant_keys)
    if added:
        parts.append("new permissions: " + ", ".join(text_for(k) for k in added))
    if not parts:
        return []
    what = "role changed" if before.role_name != agent.role_name else "new permissions"
    return [Finding("changed_since_last_review", "low", "; ".join(parts) + since, what + since)]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.type))


def toxic_rules(s: Session, registry: Settings) -> list[ToxicRule]:
    """The rules new campaigns use: the workspace's own, or the built-in ones."""
    stored = registry.get(s, TOXIC)
    return rules_from_json(None if stored is None else json.dumps(stored))


def rules_from_json(text: str | None) -> list[ToxicRule]:
    if not text:
        return list(DEFAULT_TOXIC_RULES)
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("toxic rules must be a JSON list")
    return [ToxicRule.from_json(r) for r in data]
