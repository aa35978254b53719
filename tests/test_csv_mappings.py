"""Other help desks' CSV (issue 16): the shipped mappings for Freshdesk agents, Atlassian /
Jira Service Management users, Help Scout users and HubSpot users, each on a sample built
from the product's documented export columns (tests/data/csv/README.md); multi-valued
roles and groups, timestamps in the source's format, one row per group membership."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.importers.csv_mapping import load_mapping
from app.importers.problems import ImportFailed
from app.review.snapshot import group_names, load_agents
from models.helpdesk import Person
from tests.helpdesk_helpers import service, table_counts

DATA = Path(__file__).parent / "data" / "csv"


def people(ctx: Any, snapshot_id: int) -> dict[str, Person]:
    with ctx.read_session() as s:
        rows = s.scalars(select(Person).where(Person.snapshot_id == snapshot_id)).all()
        for p in rows:
            s.expunge(p)
        return {p.email or "": p for p in rows}


def groups(p: Person) -> list[str]:
    return list(json.loads(p.groups_json))


def test_freshdesk_agents_several_roles_and_groups(admin: Any) -> None:
    result = service(admin).import_csv(
        "agents", DATA / "freshdesk-agents.csv", Path("freshdesk-agents")
    )
    assert result.counts["agents"]["inserted"] == 3
    stored = people(admin.ctx, result.snapshot_id or 0)
    asha, ben, chen = (
        stored["asha.rao@example.com"],
        stored["ben.okafor@example.com"],
        stored["chen.li@example.com"],
    )
    # "Agent, Supervisor": supervisor maps to admin, the most privileged role wins.
    assert (asha.name, asha.role, groups(asha)) == ("Asha Rao", "admin", ["Billing", "Escalations"])
    assert json.loads(asha.extra_json)["Roles"] == "Agent, Supervisor"  # the source's words
    assert json.loads(asha.extra_json)["Title"] == "Support Lead"
    assert (ben.role, groups(ben), ben.phone) == ("agent", ["Billing"], None)
    assert (chen.role, groups(chen)) == ("admin", [])
    with admin.ctx.read_session() as s:
        facts = {a.email: a for a in load_agents(s, result.snapshot_id or 0)}
        assert facts["asha.rao@example.com"].groups == ("Billing", "Escalations")
        assert group_names(s, result.snapshot_id or 0) == ["Billing", "Escalations"]


def test_atlassian_rows_per_group_are_one_person(admin: Any) -> None:
    result = service(admin).import_csv(
        "agents", DATA / "atlassian-users.csv", Path("atlassian-users.toml")
    )
    assert result.counts["agents"]["read"] == 2  # three rows, two people
    stored = people(admin.ctx, result.snapshot_id or 0)
    frank, derek = stored["frank@ggam.test"], stored["derek@ggam.test"]
    assert (frank.name, frank.external_id, frank.role) == ("Frank Gambale", "fgambale", "agent")
    assert groups(frank) == ["group2", "group1"] and groups(derek) == ["group1"]
    assert frank.last_login_at == "2012-12-14T15:31:57Z" and derek.last_login_at is None
    assert frank.active is True
    extra = json.loads(derek.extra_json)
    assert extra["last_session"] == "23 Oct 2015 02:53:20" and extra["Jira Service Desk"] == "Yes"


def test_helpscout_users(admin: Any) -> None:
    result = service(admin).import_csv(
        "agents", DATA / "helpscout-users.csv", Path("helpscout-users")
    )
    stored = people(admin.ctx, result.snapshot_id or 0)
    vernon, rita = stored["bear@acme.com"], stored["rita@acme.com"]
    assert (vernon.zendesk_id, vernon.name, vernon.role) == (4, "Vernon Bear", "admin")
    assert vernon.created_at == "2011-04-01T03:18:33Z" and vernon.phone == "555-2368"
    assert json.loads(vernon.extra_json)["role"] == "owner"
    assert (rita.zendesk_id, rita.role) == (5, "agent")


def test_hubspot_users(admin: Any) -> None:
    result = service(admin).import_csv("agents", DATA / "hubspot-users.csv", Path("hubspot-users"))
    stored = people(admin.ctx, result.snapshot_id or 0)
    dana, eli = stored["dana.cruz@example.com"], stored["eli.park@example.com"]
    assert (dana.zendesk_id, dana.name, dana.role) == (101, "Dana Cruz", "admin")
    assert dana.last_login_at == "2012-12-14T15:31:00Z" and groups(dana) == ["Support", "Sales"]
    assert (eli.role, eli.last_login_at) == ("agent", "2013-01-02T09:05:00Z")
    assert json.loads(eli.extra_json)["Assigned Role"] == "Service Rep"


def test_a_timestamp_in_another_format_names_the_row_and_the_format(
    admin: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "users.csv"
    bad.write_text(
        "group_name,username,full_name,email,active,last_login\n"
        "g,a,A,a@x.test,Yes,14 Dec 2012 15:31:57\n"
        "g,b,B,b@x.test,Yes,2012-12-14 15:31\n",
        encoding="utf-8",
    )
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as err:
        service(admin).import_csv("agents", bad, Path("atlassian-users"))
    assert str(err.value.problems[0]) == (
        "users.csv line 3: last_login_at '2012-12-14 15:31' does not match the format "
        "%d %b %Y %H:%M:%S (like 14 Dec 2012 15:31:57)"
    )
    assert table_counts(admin.ctx) == before  # nothing written


def test_epoch_seconds_and_a_custom_mapping(admin: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\nemail = "mail"\nlast_login_at = "seen"\nrole = "roles"\n'
        '[formats]\nlast_login_at = "epoch"\n[split]\nrole = "|"\n'
        '[values.role]\nsupervisor = "admin"\n',
        encoding="utf-8",
    )
    csv = tmp_path / "a.csv"
    csv.write_text("mail,seen,roles\nx@y.test,1355499117,agent|supervisor\n", encoding="utf-8")
    result = service(admin).import_csv("agents", csv, mapping)
    (x,) = people(admin.ctx, result.snapshot_id or 0).values()
    assert (x.last_login_at, x.role) == ("2012-12-14T15:31:57Z", "admin")
    csv.write_text("mail,seen,roles\nx@y.test,yesterday,agent\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as err:
        service(admin).import_csv("agents", csv, mapping)
    assert "line 2: last_login_at 'yesterday' does not match the format epoch seconds" in str(
        err.value.problems[0]
    )


def test_rows_of_one_person_that_disagree_are_refused(admin: Any, tmp_path: Path) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text(
        "group_name,username,full_name,email,active,last_login\n"
        "g1,a,Ann,a@x.test,Yes,\n"
        "g2,a,Anne,a@x.test,Yes,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as err:
        service(admin).import_csv("agents", csv, Path("atlassian-users"))
    assert str(err.value.problems[0]) == "users.csv line 3: same person as line 2 but name differs"


def test_mapping_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "m.toml"
    bad.write_text('[formats]\nlast_login_at = "yesterday"\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"formats\.last_login_at 'yesterday' is not epoch"):
        load_mapping("agents", bad)
    bad.write_text('[split]\nname = ","\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match=r"split\.name: only role, groups, tags split"):
        load_mapping("agents", bad)
    for name in ("freshdesk-agents", "atlassian-users", "helpscout-users", "hubspot-users"):
        assert load_mapping("agents", Path(name)).columns["email"]
