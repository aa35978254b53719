"""A hand-made help-desk snapshot with every access-review finding planted, and clean agents.

Imported through the real importers (Zendesk API-shaped JSON + an HR roster CSV), so the
review engine is tested on the rows the importers really write. `planted()` says which
finding types each agent must get — and no others.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from app.helpdesk import HelpdeskService
from app.review import ReviewService

DOMAIN = "acme.example"


NOW = "2026-11-27T12:00:00Z"  # FixedClock's default
RECENT = "2026-11-25T09:00:00Z"


def user(uid: int, name: str, role: str = "agent", **kw: Any) -> dict[str, Any]:
    local = name.lower().replace(" ", ".")
    base: dict[str, Any] = {
        "id": uid,
        "name": name,
        "email": f"{local}@{DOMAIN}",
        "role": role,
        "role_type": None if role == "admin" else 0,
        "custom_role_id": None if role == "admin" else 5001,
        "restricted_agent": role == "agent",
        "suspended": False,
        "active": True,
        "two_factor_auth_enabled": role == "admin",
        "last_login_at": RECENT,
        "created_at": "2024-01-10T10:00:00Z",
        "updated_at": RECENT,
        "shared_agent": False,
        "report_csv": False,
        "only_private_comments": False,
        "ticket_restriction": None,
    }
    base.update(kw)
    return base


BASE_CONFIG: dict[str, Any] = {
    "ticket_access": "within-groups",
    "ticket_comment_access": "public",
    "end_user_profile_access": "readonly",
    "ticket_deletion": False,
    "view_deleted_tickets": False,
    "ticket_redaction": False,
    "manage_roles": "none",
    "manage_team_members": "readonly",
    "ticket_editing": True,
}
LEAD_CONFIG = {
    **BASE_CONFIG,
    "ticket_access": "all",
    "end_user_profile_access": "full",
    "ticket_deletion": True,
    "view_deleted_tickets": True,
    "ticket_redaction": True,
    "manage_roles": "all-except-self",
    "manage_team_members": "all-with-self-restriction",
    "manage_ai_agents": True,  # not documented: must be shown raw
}


def export(users: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    users = users if users is not None else USERS
    return {
        "users": [*users, user(201, "Carla Customer", "end-user", custom_role_id=None)],
        "custom_roles": [
            {"id": 5001, "name": "Tier 1", "role_type": 0, "configuration": BASE_CONFIG},
            {"id": 5002, "name": "Team Lead", "role_type": 0, "configuration": LEAD_CONFIG},
        ],
        "groups": [{"id": 7001, "name": "Support"}, {"id": 7002, "name": "Escalations"}],
        "group_memberships": [
            {"id": 8000 + u["id"], "user_id": u["id"], "group_id": 7002 if u["id"] == 109 else 7001}
            for u in users
        ],
    }


# Demo-shaped sign-in settings: admins sign in with Zendesk passwords, agents with Google.
DEMO_SECURITY = {
    "team_member_authentication": {
        "zendesk": {"enabled": True, "roles": ["admin"], "require_two_factor": False},
        "google": {"enabled": True, "roles": ["agent"]},
        "microsoft": {"enabled": False, "roles": []},
        "sso": {"enabled": False, "name": None, "protocol": None, "roles": []},
    },
    "sso_enabled": True,
}

USERS = [
    user(101, "Alma Admin"),  # replaced below: an admin with 2FA
    user(102, "Nomfa Admin", "admin", two_factor_auth_enabled=False),
    user(103, "Clean Agent"),  # 2FA off, but signs in with Google: MFA by IdP
    user(104, "Dormant Agent", last_login_at="2026-05-01T08:00:00Z"),
    user(105, "Never Agent", last_login_at=None),
    user(106, "Suspended Agent", suspended=True, last_login_at="2026-10-01T08:00:00Z"),
    user(107, "Orphan Agent"),
    user(108, "Leaver Agent", last_login_at="2026-11-20T08:00:00Z"),
    user(109, "Lead Agent", custom_role_id=5002, report_csv=True),
    user(110, "Shared Agent", shared_agent=True, report_csv=True),
    user(111, "Priya Raman"),  # the reviewer's own help-desk account
    user(112, "Tidy Agent", two_factor_auth_enabled=True),
]
USERS[0] = user(101, "Alma Admin", "admin")

ROSTER_OUT = {"orphan.agent", "shared.agent"}
TERMINATED = {"suspended.agent": "2026-09-30", "leaver.agent": "2026-10-01"}

PLANTED: dict[int, set[str]] = {
    101: {"privileged"},
    102: {"no_mfa", "privileged"},
    103: set(),
    104: {"dormant"},
    105: {"never_logged_in"},
    106: {"suspended_with_role", "left_company"},
    107: {"orphan"},
    108: {"left_company"},
    109: {"privileged", "toxic_combination"},
    110: {"orphan", "shared_account", "privileged", "toxic_combination"},
    111: set(),
    112: set(),
}


def write_export(folder: Path, data: dict[str, Any], security: dict[str, Any] | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in data.items():
        (folder / f"{name}.json").write_text(json.dumps({name: records}), encoding="utf-8")
    if security is not None:
        settings = {"settings": {"security": security}}
        (folder / "account_settings.json").write_text(json.dumps(settings), encoding="utf-8")
    return folder


def write_roster(path: Path, users: list[dict[str, Any]]) -> Path:
    lines = ["email,employee_id,status,department,manager,end_date"]
    for i, u in enumerate(users):
        local = u["email"].split("@")[0]
        if local in ROSTER_OUT:
            continue
        end = TERMINATED.get(local, "")
        status = "terminated" if end else "active"
        lines.append(f"{u['email']},E-{i},{status},Support,boss@{DOMAIN},{end}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_snapshot(
    signed: Any,
    tmp: Path,
    *,
    users: list[dict[str, Any]] | None = None,
    security: dict[str, Any] | None = None,
    roster: bool = True,
    tag: str = "q4",
    complete: bool = False,
) -> None:
    users = copy.deepcopy(users if users is not None else USERS)
    hd = HelpdeskService(signed.ctx, signed.principal)
    sec = DEMO_SECURITY if security is None else security
    folder = write_export(tmp / f"export-{tag}", export(users), sec or None)
    hd.import_zendesk(folder, complete=complete)  # API-shaped pages: complete only if told
    if roster:
        hd.import_csv("roster", write_roster(tmp / f"roster-{tag}.csv", users))


def officer(signed: Any, username: str = "priya", email: str | None = None) -> tuple[Any, str]:
    """A privacy officer (optionally with an e-mail) signed in; returns (principal, secret)."""
    principal, secret = signed.add_operator(username, ["privacy_officer"])
    if email is not None:
        from sqlalchemy import select

        from models.security import Operator

        with signed.ctx.session() as s:
            op = s.scalars(select(Operator).where(Operator.username == username)).one()
            op.email = email
    return principal, secret


def review(signed: Any, principal: Any) -> ReviewService:
    return ReviewService(signed.ctx, principal)


def test_the_hand_made_snapshot_imports(admin: Any, tmp_path: Path) -> None:
    load_snapshot(admin, tmp_path)
    status = HelpdeskService(admin.ctx, admin.principal).status()
    assert status.counts["agents"] == len(USERS)
    assert status.counts["roster"] == len(USERS) - len(ROSTER_OUT)
