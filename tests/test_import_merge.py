"""Partial imports never replace the directory (issue 16): they merge into a copy of the
latest snapshot; only `--complete` or a full account export (NDJSON) replaces it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.importers.problems import ImportFailed
from app.review.snapshot import load_agents
from models.helpdesk import CustomRole, GroupMembership, Person, Snapshot
from tests.helpdesk_helpers import service
from tests.test_review_data import officer, review

AGENTS = 40
PEOPLE = 440


def _user(n: int) -> dict[str, Any]:
    agent = n <= AGENTS
    return {
        "id": 10_000 + n,
        "name": f"Person {n}",
        "email": f"person{n}@acme.example",
        "role": "agent" if agent else "end-user",
        "role_type": 0 if agent else None,
        "custom_role_id": 5001 if agent else None,
        "two_factor_auth_enabled": True,
        "last_login_at": "2026-11-20T09:00:00Z",
        "created_at": "2024-01-10T10:00:00Z",
    }


def full_export(folder: Path) -> Path:
    """Zendesk's full account export shape: users as NDJSON, one object per line."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(_user(n)) for n in range(1, PEOPLE + 1)]
    (folder / "users.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    role = {"id": 5001, "name": "Tier 1", "configuration": {"ticket_access": "all"}}
    (folder / "custom_roles.json").write_text(json.dumps({"custom_roles": [role]}))
    (folder / "groups.json").write_text(json.dumps({"groups": [{"id": 7001, "name": "Support"}]}))
    members = [{"id": 80_000 + n, "user_id": 10_000 + n, "group_id": 7001} for n in (1, 2, 3)]
    (folder / "group_memberships.json").write_text(json.dumps({"group_memberships": members}))
    return folder


def roster(path: Path, extra: tuple[str, ...] = ()) -> Path:
    emails = [f"person{n}@acme.example" for n in range(1, AGENTS + 1)] + list(extra)
    rows = ["email,status"] + [f"{e},active" for e in emails]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def two_agents(path: Path) -> Path:
    """A 2-row agents CSV: one agent already in the directory (renamed), one new."""
    path.write_text(
        "id,name,email\n"
        "10001,Person One (renamed),person1@acme.example\n"
        ",New Agent,new.agent@acme.example\n",
        encoding="utf-8",
    )
    return path


def people_in(ctx: Any, snapshot_id: int) -> int:
    with ctx.read_session() as s:
        query = select(func.count()).select_from(Person).where(Person.snapshot_id == snapshot_id)
        return int(s.scalar(query) or 0)


@pytest.fixture
def directory(admin: Any, tmp_path: Path) -> Any:
    svc = service(admin)
    first = svc.import_zendesk(full_export(tmp_path / "export"))
    assert first.complete and first.snapshot_created and first.totals["users"] == PEOPLE
    svc.import_csv("roster", roster(tmp_path / "roster.csv", ("new.agent@acme.example",)))
    return first


def test_a_two_row_agents_csv_merges_and_nobody_becomes_left_or_orphan(
    admin: Any, tmp_path: Path, directory: Any
) -> None:
    svc = service(admin)
    merged = svc.import_csv("agents", two_agents(tmp_path / "agents.csv"))
    assert merged.snapshot_created and merged.merged and merged.complete is False
    assert merged.base_snapshot_id == directory.snapshot_id
    last = svc.status().last_snapshot
    assert last is not None and last.source == "csv:agents (merged)"
    assert merged.totals["users"] == PEOPLE + 1
    assert people_in(admin.ctx, merged.snapshot_id) == PEOPLE + 1
    # Counts are real changes, not rows in the new snapshot.
    assert merged.counts["agents"] == {
        "read": 2,
        "inserted": 1,
        "updated": 1,
        "unchanged": 0,
        "removed": 0,
    }
    assert merged.summary().startswith(
        f"Merged 2 people into snapshot #{merged.snapshot_id} ({PEOPLE + 1} people), "
        f"a copy of #{directory.snapshot_id}"
    )
    assert "people 1 added, 1 changed." in merged.summary()
    with admin.ctx.read_session() as s:
        one = s.scalars(
            select(Person).where(
                Person.snapshot_id == merged.snapshot_id, Person.zendesk_id == 10_001
            )
        ).one()
        # Only the columns the CSV filled in changed; the rest is what Zendesk said.
        assert (one.name, one.custom_role_id, one.last_login_at) == (
            "Person One (renamed)",
            5001,
            "2026-11-20T09:00:00Z",
        )
        assert one.two_factor_auth_enabled is True
        # Custom roles and memberships came along in the copy.
        roles = s.scalar(
            select(func.count())
            .select_from(CustomRole)
            .where(CustomRole.snapshot_id == merged.snapshot_id)
        )
        assert roles == 1
    priya, _ = officer(admin)
    campaign = review(admin, priya).create_campaign()
    assert campaign.snapshot_id == merged.snapshot_id and campaign.total == AGENTS + 1
    types = {f.type for f in review(admin, priya).findings(campaign.id)}
    assert not types & {"orphan", "left_company"}


def test_complete_replaces_the_directory_and_counts_the_removed(
    admin: Any, tmp_path: Path, directory: Any
) -> None:
    svc = service(admin)
    result = svc.import_csv("agents", two_agents(tmp_path / "agents.csv"), complete=True)
    assert result.complete and not result.merged and result.totals["users"] == 2
    assert people_in(admin.ctx, result.snapshot_id) == 2
    counts = result.counts
    assert (counts["agents"]["inserted"], counts["agents"]["updated"]) == (1, 1)
    assert counts["agents"]["removed"] == PEOPLE - 1
    assert counts["custom_roles"]["removed"] == 1 and counts["group_memberships"]["removed"] == 3
    assert f"complete directory: new snapshot #{result.snapshot_id} (2 people)" in (
        result.summary().lower()
    )
    assert f"people 1 added, 1 changed, {PEOPLE - 1} removed" in result.summary()
    # The complete import is a complete directory: the others are now orphans of HR.
    svc.import_csv("roster", roster(tmp_path / "r2.csv"))
    priya, _ = officer(admin)
    campaign = review(admin, priya).create_campaign()
    orphans = {f.agent_id for f in review(admin, priya).findings(campaign.id) if f.type == "orphan"}
    assert campaign.total == 2 and orphans == {None}  # the new agent (no id) is not in HR


def test_a_page_of_users_or_memberships_alone_merge_and_the_review_sees_the_union(
    admin: Any, tmp_path: Path, directory: Any
) -> None:
    svc = service(admin)
    page = tmp_path / "page"
    page.mkdir()
    new_agent = dict(_user(441), role="agent", role_type=0, custom_role_id=5001)
    one_page = [dict(_user(5), role="admin", custom_role_id=None), new_agent]
    (page / "users.json").write_text(
        json.dumps({"users": one_page, "next_page": "https://acme.zendesk.com/api/v2/users?page=2"})
    )
    merged = svc.import_zendesk(page)
    assert merged.merged and merged.totals["users"] == PEOPLE + 1
    assert merged.counts["users"]["inserted"] == 1 and merged.counts["users"]["updated"] == 1
    assert f"Merged 2 people into snapshot #{merged.snapshot_id}" in merged.summary()

    members = tmp_path / "members.json"
    rows = [{"id": 90_001, "user_id": 10_441, "group_id": 7001}]
    members.write_text(json.dumps({"group_memberships": rows}))
    alone = svc.import_zendesk(members)  # no users file: merged, not refused
    assert alone.merged and alone.base_snapshot_id == merged.snapshot_id
    assert alone.counts["group_memberships"]["inserted"] == 1

    with admin.ctx.read_session() as s:
        before = {a.agent_id: a for a in load_agents(s, directory.snapshot_id)}
        after = {a.agent_id: a for a in load_agents(s, alone.snapshot_id)}
        assert set(after) == set(before) | {10_441}
        assert after[10_005].role == "admin" and after[10_441].groups == ("Support",)
        for agent_id, facts in before.items():
            if agent_id != 10_005:
                assert after[agent_id] == facts, agent_id
        memberships = s.scalar(
            select(func.count())
            .select_from(GroupMembership)
            .where(GroupMembership.snapshot_id == alone.snapshot_id)
        )
        assert memberships == 4

    again = svc.import_zendesk(members)
    assert again.unchanged and not again.snapshot_created
    assert again.snapshot_id == alone.snapshot_id


def test_a_merged_reference_must_exist_in_the_import_or_the_directory(
    admin: Any, tmp_path: Path, directory: Any
) -> None:
    svc = service(admin)
    members = tmp_path / "group_memberships.json"
    members.write_text(
        json.dumps({"group_memberships": [{"id": 1, "user_id": 999, "group_id": 7001}]})
    )
    with pytest.raises(ImportFailed) as err:
        svc.import_zendesk(members)
    assert "user_id 999 is not a user in this import or the directory" in str(err.value)
    with admin.ctx.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 2  # directory + roster


def test_complete_without_users_is_refused(admin: Any, tmp_path: Path, directory: Any) -> None:
    roles = tmp_path / "custom_roles.json"
    roles.write_text(json.dumps({"custom_roles": [{"id": 5002, "name": "New"}]}))
    with pytest.raises(ImportFailed) as err:
        service(admin).import_zendesk(roles, complete=True)
    assert "a complete directory needs the users file" in str(err.value)
    merged = service(admin).import_zendesk(roles)
    assert merged.merged and merged.counts["custom_roles"]["inserted"] == 1
    assert merged.totals["custom_roles"] == 2 and merged.totals["users"] == PEOPLE


def test_cli_import_complete_flag(admin: Any, tmp_path: Path, directory: Any) -> None:
    from app.cli.main import build_parser

    args = build_parser().parse_args(["import", "csv", "x.csv", "--kind", "agents", "--complete"])
    assert args.complete is True
    args = build_parser().parse_args(["import", "zendesk", "folder"])
    assert args.complete is False
