"""CSV imports: agents and people from any help desk, the HR roster, custom mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.importers.problems import ImportFailed
from models.helpdesk import Person, RosterEntry
from tests.helpdesk_helpers import CSV, audit_events, service, table_counts


def test_agents_csv_with_the_default_mapping(admin) -> None:
    svc = service(admin)
    result = svc.import_csv("agents", CSV / "agents.csv")
    assert result.snapshot_created and result.counts["agents"]["inserted"] == 3
    assert svc.status().counts["agents"] == 3
    with admin.ctx.read_session() as s:
        rows = {p.zendesk_id: p for p in s.scalars(select(Person))}
        ada, cleo = rows[1001], rows[1003]
        assert (ada.role, ada.two_factor_auth_enabled) == ("admin", True)
        assert ada.last_login_at == "2024-05-01T09:30:00Z"
        # Unmapped columns are kept, and so is a value the mapping rewrote (admin).
        assert json.loads(ada.extra_json) == {"Desk location": "HQ-3", "Role": "Administrator"}
        assert (cleo.name, cleo.role, cleo.suspended) == ("Light, Cléo", "agent", True)
        assert json.loads(cleo.tags_json) == ["contractor", "temp"]
    (event,) = audit_events(admin.ctx, "import.csv")
    assert event["details"]["source"] == "csv:agents" and "@" not in event["raw"]


def test_people_csv_semicolons_and_reimport(admin) -> None:
    svc = service(admin)
    first = svc.import_csv("people", CSV / "people.csv")
    assert svc.status().counts == {**svc.status().counts, "people": 3, "agents": 1}
    again = svc.import_csv("people", CSV / "people.csv")
    assert again.unchanged and again.snapshot_id == first.snapshot_id
    assert table_counts(admin.ctx)["hd_snapshots"] == 1


def test_roster_default_and_custom_mapping(admin) -> None:
    svc = service(admin)
    svc.import_csv("roster", CSV / "roster.csv")
    with admin.ctx.read_session() as s:
        leaver = s.scalars(
            select(RosterEntry).where(RosterEntry.email == "cleo.light@acme.example")
        ).one()
        assert (leaver.status, leaver.end_date, leaver.employee_id) == (
            "terminated",
            "2024-03-31",
            "E-19",
        )
        assert s.scalars(
            select(RosterEntry.email).where(RosterEntry.employee_id == "E-17")
        ).one() == (
            "ada.admin@acme.example"  # lower-cased for matching
        )
    custom = svc.import_csv("roster", CSV / "hr-export.csv", CSV / "hr-mapping.toml")
    assert custom.snapshot_created
    status = svc.status()
    assert status.counts["roster"] == 2 and status.counts["people"] == 0
    assert status.last_roster_snapshot is not None
    assert status.last_roster_snapshot.id == custom.snapshot_id
    with admin.ctx.read_session() as s:
        gone = s.scalars(select(RosterEntry).where(RosterEntry.employee_id == "P2")).one()
        assert gone.status == "terminated" and json.loads(gone.extra_json) == {"Site": "York"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CSV_ERRORS = [
    (
        "agents",
        "id,name,email,role\n1,A,a@x.example,agent\n2,B,b@x.example,end-user\n",
        "agents.csv line 3: role 'end-user' is not one of agent, admin",
    ),
    (
        "agents",
        "id,email,2fa\n1,a@x.example,maybe\n",
        "agents.csv line 2: two_factor_auth_enabled 'maybe' is not true or false (yes/no)",
    ),
    (
        "people",
        "id,email\n1,a@x.example\nabc,b@x.example\n",
        "people.csv line 3: id 'abc' is not an integer",
    ),
    ("people", "id,email\n1,a@x.example\n1,b@x.example\n", "people.csv line 3: duplicate id 1"),
    (
        "people",
        "id,email,created\n1,a@x.example,2024-02-30\n",
        "people.csv line 2: created_at '2024-02-30' is not a valid timestamp",
    ),
    (
        "people",
        "id,email\n1,not-an-email\n",
        "people.csv line 2: email is not a valid email address",
    ),
    (
        "people",
        "name,phone\nA,123\n",
        "people.csv line 1: no column for id or email (add it to the mapping)",
    ),
    (
        "roster",
        "email,status\na@x.example,active\nA@X.example,active\n",
        "roster.csv line 3: duplicate email",
    ),
    (
        "roster",
        "email,end date\na@x.example,31/12/2024\n",
        "roster.csv line 2: end_date '31/12/2024' is not a valid date (YYYY-MM-DD)",
    ),
    (
        "roster",
        "email,name\na@x.example,A,extra\n",
        "roster.csv line 2: 3 columns, the header has 2",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), CSV_ERRORS)
def test_csv_errors_are_located_and_write_nothing(
    admin, tmp_path: Path, kind: str, text: str, message: str
) -> None:
    path = _write(tmp_path, f"{kind}.csv", text)
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        service(admin).import_csv(kind, path)
    assert info.value.message == message
    assert table_counts(admin.ctx) == before
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["details"]["file"] == f"{kind}.csv" and "x.example" not in failed["raw"]


def test_bad_mapping_files(admin, tmp_path: Path) -> None:
    svc = service(admin)
    bad_field = _write(tmp_path, "m1.toml", '[columns]\nshoe_size = "Shoe"\n')
    with pytest.raises(ImportFailed, match=r"^m1.toml: unknown field 'shoe_size'"):
        svc.import_csv("roster", CSV / "roster.csv", bad_field)
    broken = _write(tmp_path, "m2.toml", "[columns\nemail = 1\n")
    with pytest.raises(ImportFailed, match=r"^m2.toml: invalid TOML"):
        svc.import_csv("roster", CSV / "roster.csv", broken)
    assert table_counts(admin.ctx)["hd_snapshots"] == 0


def test_preview_writes_nothing(admin) -> None:
    result = service(admin).import_csv("agents", CSV / "agents.csv", preview=True)
    assert result.preview and result.counts["agents"]["read"] == 3
    assert all(v == 0 for v in table_counts(admin.ctx).values())
