"""Automatic findings on a hand-made snapshot: each planted type found, clean agents clean."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from app.review.findings import AuthPolicy
from app.review.permissions import AccountFlags, effective_grants, expand_configuration
from tests.test_review_data import (
    LEAD_CONFIG,
    PLANTED,
    USERS,
    load_snapshot,
    officer,
    review,
    user,
)


def by_agent(findings: list[Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for f in findings:
        out[f.agent_id].add(f.type)
    return out


def test_each_planted_finding_is_found_and_clean_agents_are_not_flagged(
    admin: Any, tmp_path: Path
) -> None:
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    campaign = service.create_campaign()
    assert campaign.name == "2026-Q4"
    assert campaign.total == len(USERS)
    found = by_agent(service.findings(campaign.id))
    for agent_id, expected in PLANTED.items():
        assert found.get(agent_id, set()) == expected, agent_id


def test_reasons_are_sentences_a_person_can_read(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    findings = service.findings(service.create_campaign().id)
    reasons = {(f.agent_id, f.type): f.reason for f in findings}
    assert "password without 2FA" in reasons[(102, "no_mfa")]
    assert "210 days ago (limit 90)" in reasons[(104, "dormant")]
    assert reasons[(108, "left_company")] == (
        "HR roster says terminated on 2026-10-01; signed in after that (2026-11-20)"
    )
    assert "still holds the agent role (Tier 1)" in reasons[(106, "suspended_with_role")]
    toxic = [f.reason for f in findings if f.agent_id == 109 and f.type == "toxic_combination"]
    assert any("export CSV" in r and "full end-user" in r for r in toxic)
    assert any("view deleted" in r for r in toxic)
    assert all("@" not in f.reason for f in findings)


def test_sso_account_settings_decide_whether_2fa_matters(admin: Any, tmp_path: Path) -> None:
    # Everyone may sign in with a Zendesk password: agents without 2FA become findings.
    password_everywhere = {"sign_in_methods": {"zendesk": True, "google": True}}
    load_snapshot(admin, tmp_path, security=password_everywhere)
    priya, _ = officer(admin)
    service = review(admin, priya)
    found = by_agent(service.findings(service.create_campaign().id))
    assert "no_mfa" in found[103]
    assert "no_mfa" not in found[112]  # 2FA on

    # SAML SSO only (no Zendesk password): 2FA is the identity provider's job, for admins too.
    sso_only = {"sso": {"enabled": True, "type": "saml"}, "sign_in_methods": {"saml": True}}
    load_snapshot(admin, tmp_path, security=sso_only, tag="sso")
    items = {i.agent_id: i for i in service.items(service.create_campaign("SSO").id)}
    assert items[102].mfa == "idp"
    assert "identity provider" in items[102].mfa_text
    assert not any(f.type == "no_mfa" for i in items.values() for f in i.findings)


def test_demo_shaped_settings_make_agents_idp_and_admins_password() -> None:
    settings = {
        "security": {
            "team_member_authentication": {
                "zendesk": {"enabled": True, "roles": ["admin"]},
                "google": {"enabled": True, "roles": ["agent"]},
            },
            "sso_enabled": True,
        }
    }
    policy = AuthPolicy.from_settings(True, ["google", "zendesk"], settings)
    assert policy.methods_for("agent") == {"google"}
    assert policy.methods_for("admin") == {"zendesk"}


def test_dormant_days_is_a_setting(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    service.set_dormant_days(365)
    found = by_agent(service.findings(service.create_campaign().id))
    assert "dormant" not in found.get(104, set())


def test_toxic_rules_are_configurable(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    service.set_toxic_rules('[{"id": "redactors", "all": ["tickets.redact"], "reason": "r"}]')
    findings = service.findings(service.create_campaign().id)
    toxic = {(f.agent_id, f.reason) for f in findings if f.type == "toxic_combination"}
    assert toxic == {(109, "redactors: r")}
    with pytest.raises(Exception, match="non-empty list"):
        service.set_toxic_rules('[{"id": "x", "all": []}]')


def test_settings_show_change_validate_and_audit(admin: Any, tmp_path: Path) -> None:
    from app.review import ReviewError
    from app.review.findings import DEFAULT_TOXIC_RULES
    from app.security.guard import PermissionDenied
    from app.settings import SETTINGS
    from tests.helpdesk_helpers import audit_events

    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    now = service.settings()
    assert now.dormant_days == SETTINGS.spec("review.dormant_days").default and not now.custom_rules
    assert now.toxic_rules == DEFAULT_TOXIC_RULES
    rules = '[{"id": "redactors", "all": ["tickets.redact"], "reason": "r"}]'
    # Nothing is saved when any part is wrong.
    with pytest.raises(ReviewError, match="between 7 and 3650"):
        service.update_settings(dormant_days=3, toxic_rules_json=rules)
    with pytest.raises(ReviewError, match="its own id"):
        service.update_settings(dormant_days=120, toxic_rules_json=rules[:-1] + ", " + rules[1:])
    with pytest.raises(ReviewError, match="not saved"):
        service.update_settings(dormant_days=120, toxic_rules_json="{not json")
    assert service.settings() == now
    changed = service.update_settings(dormant_days=120, toxic_rules_json=rules)
    assert (changed.dormant_days, changed.custom_rules) == (120, True)
    assert [r.id for r in changed.toxic_rules] == ["redactors"]
    assert service.settings() == changed
    assert audit_events(admin.ctx, "review.settings")[-1]["details"] == {
        "dormant_days": 120,
        "toxic_rules": 1,
    }
    assert service.create_campaign().dormant_days == 120
    back = service.update_settings(default_rules=True)
    assert back.toxic_rules == DEFAULT_TOXIC_RULES and not back.custom_rules
    assert back.dormant_days == 120
    assert audit_events(admin.ctx, "review.settings")[-1]["details"] == {"toxic_rules": "default"}

    auditor, _ = admin.add_operator("audrey", ["auditor"])
    readonly = review(admin, auditor)
    assert readonly.settings().dormant_days == 120
    with pytest.raises(PermissionDenied):
        readonly.update_settings(dormant_days=30)


def test_custom_role_configuration_in_plain_words_unknown_keys_raw() -> None:
    grants = expand_configuration("Team Lead", LEAD_CONFIG)
    texts = {g.text for g in grants}
    assert {
        "can see all tickets",
        "can delete tickets",
        "can view deleted tickets",
        "can redact",
        "can manage roles",
        "can manage team members",
        "end-user profile access: full",
    } <= texts
    raw = [g for g in grants if g.raw]
    assert [(g.key, g.text) for g in raw] == [("raw:manage_ai_agents", "manage_ai_agents = true")]
    delete = next(g for g in grants if g.key == "tickets.delete")
    assert delete.via == "custom role Team Lead: ticket_deletion=true"


def test_built_in_roles_and_flags_combine() -> None:
    flags = AccountFlags(
        role="agent",
        custom_role_name="Tier 1",
        report_csv=True,
        ticket_restriction="assigned",
        only_private_comments=True,
    )
    grants = {g.key: g.via for g in effective_grants(flags, {"ticket_access": "all"})}
    assert grants["export.csv"] == "user flag report_csv"
    assert grants["tickets.assigned"] == "user flag ticket_restriction=assigned"
    assert "tickets.all" not in grants
    assert grants["comments.private_only"] == "user flag only_private_comments"
    admin = {g.key for g in effective_grants(AccountFlags(role="admin"), None)}
    assert {"admin.account", "tickets.delete", "manage.roles"} <= admin


def test_who_can_see_what_names_the_grant(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin)
    service = review(admin, priya)
    cid = service.create_campaign().id
    counts = {p.key: p.holders for p in service.permission_counts(cid)}
    assert counts["tickets.delete"] == 3  # two admins and the team lead
    assert counts["raw:manage_ai_agents"] == 1
    holders = {w.agent_id: w.via for w in service.who_can(cid, "export.csv")}
    assert holders == {109: ("user flag report_csv",), 110: ("user flag report_csv",)}


def test_quarter_over_quarter_changes(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    priya, secret = officer(admin)
    service = review(admin, priya)
    first = service.create_campaign("2026-Q3")
    service.decide(
        [i.id for i in service.items(first.id) if i.agent_id != 111],
        "keep",
        justification="reviewed",
    )
    admin.clock.advance(30)
    from app.security import totp
    from app.security.auth import AuthService

    fresh = AuthService(admin.ctx).step_up(priya, totp.current_code(secret, admin.clock.now()))
    review(admin, fresh).sign_off(first.id, carry_over=True)

    later = [u for u in USERS if u["id"] != 105]
    later = [dict(u, custom_role_id=5002) if u["id"] == 103 else u for u in later]
    later.append(user(113, "New Agent"))
    load_snapshot(admin, tmp_path, users=later, tag="q4b", complete=True)  # 105 has gone
    second = service.create_campaign("2026-Q4")
    assert second.previous_campaign_id == first.id
    items = {i.agent_id: i for i in service.items(second.id)}
    assert items[113].changes == ("new agent since 2026-Q3",)
    assert items[103].changes[0].startswith("role changed: Tier 1 → Team Lead; new permissions:")
    assert items[112].changes == ()
    diff = service.diff(second.id)
    assert (diff.new_agents, diff.removed_agents, diff.role_changes) == (1, 1, 1)
    assert [name for name, _ in diff.trend] == ["2026-Q3", "2026-Q4"]


def test_demo_export_findings_match_what_it_planted(admin: Any, tmp_path: Path) -> None:
    from collections import Counter

    from app.demodata import generate
    from app.helpdesk import HelpdeskService

    out = tmp_path / "demo"
    summary = generate(out, agents=40, end_users=20, tickets=5)
    roster = out / "roster.csv"
    roster = roster.rename(tmp_path / "roster.csv")
    hd = HelpdeskService(admin.ctx, admin.principal)
    hd.import_zendesk(out)
    hd.import_csv("roster", roster)
    priya, _ = officer(admin)
    service = review(admin, priya)
    cid = service.create_campaign().id
    findings = service.findings(cid)
    counts = Counter(f.type for f in findings)
    planted = summary.scenarios
    # Agents sign in with Google (MFA by IdP); only admins' missing 2FA is a finding.
    assert counts["no_mfa"] == planted["admins_without_2fa"] >= 1
    assert planted["agents_without_2fa"] > 0
    assert counts["dormant"] == planted["dormant"]
    assert counts["never_logged_in"] == planted["never_logged_in"]
    assert counts["suspended_with_role"] == planted["suspended_with_role"]
    assert counts["orphan"] == planted["missing_from_roster"]
    assert counts["left_company"] == planted["left_company"]
    assert counts["shared_account"] == planted["shared_agent"]
    toxic = [f for f in findings if f.type == "toxic_combination"]
    assert any("delete_and_view_deleted" in f.reason for f in toxic)  # the Team Lead role
    csv_holders = {w.agent_id for w in service.who_can(cid, "export.csv")}
    assert len(csv_holders) == planted["report_csv"]
