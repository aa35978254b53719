"""Exact role expansion (issue 16): every key and value of a custom role's configuration,
ticket_restriction narrowing only which tickets, unknown custom roles as findings, the
statements as data, and `privdesk review permissions`.

The custom roles are Zendesk's API reference examples (tests/data/zendesk/README.md, `roles_*`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.clock import SystemClock
from app.review.findings import DEFAULT_TOXIC_RULES
from app.review.permissions import (
    AccountFlags,
    catalogue,
    effective_grants,
    expand_configuration,
    load_catalogue,
)
from app.review.snapshot import load_agents
from app.security import totp
from tests.helpdesk_helpers import service
from tests.test_review_data import officer, review

DATA = Path(__file__).parent / "data" / "zendesk"
ROLES = DATA / "roles_custom_roles_reference.json"


def _roles() -> dict[str, dict[str, Any]]:
    roles = json.loads(ROLES.read_text(encoding="utf-8"))["custom_roles"]
    return {r["name"]: r for r in roles}


ADVISOR = {
    "chat.access",
    "end_users.list_full",
    "end_users.readonly",
    "explore.edit",
    "guide.readonly",
    "groups.edit",
    "macros.full",
    "manage.business_rules",
    "manage.extensions_and_channels",
    "tickets.side_conversations",
    "tickets.groups",
    "comments.private_only",
    "tickets.edit",
    "tickets.tags",
    "social.twitter_search",
    "customer_lists.readonly",
    "views.full",
    "voice.calls",
}


def test_the_reference_roles_expand_to_exactly_their_documented_statements() -> None:
    advisor, staff = _roles()["Advisor"], _roles()["Staff"]
    grants = expand_configuration("Advisor", advisor["configuration"])
    assert {g.key for g in grants} == ADVISOR  # every true / non-"none" value, nothing raw
    by_key = {g.key: g for g in grants}
    assert by_key["explore.edit"].via == 'custom role Advisor: explore_access="edit"'
    assert by_key["explore.edit"].text == "Explore analytics: edit"
    assert by_key["views.full"].via == 'custom role Advisor: view_access="full"'
    # Staff differs from Advisor in one documented key: export_views true.
    staff_keys = {g.key for g in expand_configuration("Staff", staff["configuration"])}
    assert staff_keys - ADVISOR == {"views.export"}
    assert not ADVISOR - staff_keys
    assert all(k in catalogue().keys for k in advisor["configuration"])


def test_the_partner_example_with_custom_objects_and_new_keys() -> None:
    partner = json.loads((DATA / "roles_custom_role_partner.json").read_text(encoding="utf-8"))
    keys = {g.key for g in expand_configuration("Partner", partner["configuration"])}
    assert {
        "object.shipment.read",
        "object.shipment.update",
        "object.shipment.delete",
        "object.shipment.create",
        "object.product.read",
        "views.export",
        "tickets.redact",
        "manage.approval_requests",
        "manage.automations",
        "manage.triggers",
        "explore.edit",
    } <= keys
    assert not [k for k in keys if k.startswith("raw:")]
    assert "tickets.filter" not in keys  # view_filter_tickets: false grants nothing


@pytest.mark.parametrize(
    ("key", "value", "statement"),
    [
        ("view_access", "playonly", "views.playonly"),
        ("view_access", "manage-personal", "views.manage_personal"),
        ("view_access", "manage-group", "views.manage_group"),
        ("view_access", "readonly", "views.readonly"),
        ("macro_access", "manage-personal", "macros.manage_personal"),
        ("macro_access", "readonly", "macros.readonly"),
        ("user_view_access", "full", "customer_lists.full"),
        ("user_view_access", "manage-group", "customer_lists.manage_group"),
        ("forum_access", "edit-topics", "guide.edit_topics"),
        ("forum_access", "full", "guide.full"),
        ("explore_access", "full", "explore.full"),
        ("explore_access", "readonly", "explore.readonly"),
        ("end_user_profile_access", "edit-within-org", "end_users.edit_within_org"),
        ("manage_team_members", "readonly", "team_members.readonly"),
        ("ticket_access", "within-groups-and-public-groups", "tickets.groups_public"),
    ],
)
def test_every_documented_value_is_a_statement(key: str, value: str, statement: str) -> None:
    (grant,) = expand_configuration("R", {key: value})
    assert grant.key == statement and grant.via == f'custom role R: {key}="{value}"'


def test_unknown_keys_and_undocumented_values_are_shown_raw() -> None:
    config = {"view_access": "everything", "manage_ai_agents": True, "explore_reports": {"a": 1}}
    grants = {g.key: g for g in expand_configuration("R", config)}
    assert grants["raw:view_access"].text == 'view_access = "everything"'
    assert grants["raw:manage_ai_agents"].text == "manage_ai_agents = true"
    assert grants["explore.reports"].text.endswith(': {"a": 1}')  # documented, structured


def test_ticket_restriction_limits_which_tickets_not_what_they_may_do() -> None:
    config = {
        "ticket_access": "all",
        "ticket_editing": True,
        "ticket_merge": True,
        "ticket_tag_editing": True,
        "ticket_deletion": True,
    }
    flags = AccountFlags(role="agent", custom_role_name="Lead", ticket_restriction="assigned")
    grants = {g.key: g.via for g in effective_grants(flags, config)}
    assert {"tickets.edit", "tickets.merge", "tickets.tags", "tickets.delete"} <= set(grants)
    assert grants["tickets.assigned"] == "user flag ticket_restriction=assigned"
    assert "tickets.all" not in grants


def test_an_unknown_custom_role_gets_no_invented_permissions() -> None:
    flags = AccountFlags(role="agent", custom_role_id=12345)
    assert effective_grants(flags, None) == []
    builtin = {g.key for g in effective_grants(AccountFlags(role="agent"), None)}
    assert "tickets.all" in builtin  # the built-in Agent role, when there is no custom role


def test_the_statements_are_data_and_checked() -> None:
    for rule in DEFAULT_TOXIC_RULES:
        assert set(rule.all) <= set(catalogue().texts), rule.id
    bad = '[statements]\n"a" = { text = "A" }\n[keys.k]\nvalues = { true = "b" }\n'
    with pytest.raises(ValueError, match=r"keys\.k: statement 'b' is not declared"):
        load_catalogue(bad)
    one_line = '[statements]\n"x.y" = { text = "can x" }\n[keys.new_key]\nvalues = { true = "x.y" }'
    assert load_catalogue(one_line).keys["new_key"].values == {"true": "x.y"}


def _directory(folder: Path) -> Path:
    folder.mkdir()
    (folder / "custom_roles.json").write_text(ROLES.read_text(encoding="utf-8"))

    def agent(uid: int, name: str, role_id: int | None, **kw: Any) -> dict[str, Any]:
        return {
            "id": uid,
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@acme.example",
            "role": "agent",
            "role_type": 0,
            "custom_role_id": role_id,
            "two_factor_auth_enabled": True,
            "last_login_at": "2026-11-25T09:00:00Z",
            **kw,
        }

    users = [
        agent(301, "Ada Advisor", 16),
        agent(302, "Sam Staff", 6, ticket_restriction="assigned"),
        agent(303, "Una Known", 12345),
    ]
    (folder / "users.json").write_text(json.dumps({"users": users}))
    return folder


def test_unknown_custom_role_is_a_finding_in_the_review(admin: Any, tmp_path: Path) -> None:
    result = service(admin).import_zendesk(_directory(tmp_path / "export"))
    with admin.ctx.read_session() as s:
        agents = {a.agent_id: a for a in load_agents(s, result.snapshot_id)}
    una = agents[303]
    assert una.unknown_custom_role == 12345 and una.role_name == "unknown custom role 12345"
    assert una.grants == ()
    sam = {g.key for g in agents[302].grants}
    assert {"tickets.edit", "tickets.tags", "tickets.assigned"} <= sam
    assert "tickets.groups" not in sam
    priya, _ = officer(admin)
    campaign = review(admin, priya).create_campaign()
    found = [f for f in review(admin, priya).findings(campaign.id) if f.agent_id == 303]
    assert [f.phrase for f in found if f.type == "unknown_custom_role"] == [
        "unknown custom role 12345"
    ]


def test_an_auditor_sees_masked_emails(admin: Any, tmp_path: Path) -> None:
    from app.review import ReviewService

    service(admin).import_zendesk(_directory(tmp_path / "export"))
    auditor, _ = admin.add_operator("sam", ["auditor"])
    view = ReviewService(admin.ctx, auditor).directory_permissions(permission="tickets.edit")
    assert [a.agent_id for a in view.agents] == [301, 302]
    assert [a.email for a in view.agents] == ["a***@acme.example", "s***@acme.example"]
    assert [c.key for c in view.counts] == ["tickets.edit"]


@pytest.fixture
def cli(admin: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    service(admin).import_zendesk(_directory(tmp_path / "export"))
    _principal, secret = officer(admin)
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "priya")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        from app.cli.main import main

        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_review_permissions(cli: Any, capsys: Any, admin: Any) -> None:
    code, out, err = cli(capsys, "review", "permissions", "--agent", "301", "--json")
    assert code == 0, err
    data = json.loads(out)
    (advisor,) = data["agents"]
    assert {g["key"] for g in advisor["grants"]} == ADVISOR
    assert advisor["email"] == "ada.advisor@acme.example"  # a privacy officer may reveal

    code, out, err = cli(capsys, "review", "permissions", "--permission", "ticket_editing")
    assert code == 0, err
    assert "ticket_editing (Whether the agent can edit ticket properties) — 2 agents" in out
    assert "via custom role Staff: ticket_editing=true" in out

    code, out, err = cli(capsys, "review", "permissions", "--agent", "303")
    assert code == 0, err
    assert "unknown custom role 12345: not among the imported custom roles" in out

    code, out, err = cli(capsys, "review", "permissions")
    assert code == 0 and "3 agents and admins" in out and "can edit ticket tags" in out
    code, out, err = cli(capsys, "review", "permissions", "--agent", "999")
    assert code == 2 and "No agent or admin 999" in err

    from tests.helpdesk_helpers import audit_events

    events = audit_events(admin.ctx, "review.permissions.directory")
    assert len(events) == 4 and all("@" not in e["raw"] for e in events)
    assert events[0]["details"] == {
        "agent_id": 301,
        "permission": None,
        "agents": 1,
        "masked": False,
    }
