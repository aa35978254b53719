"""Zendesk imports: both export shapes, snapshots, idempotence, located errors, rollback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from app.importers.problems import ImportFailed
from app.jobs import Cancelled, JobControl
from app.security.guard import PermissionDenied
from models.helpdesk import Comment, CustomRole, Person, Snapshot, Ticket
from tests.helpdesk_helpers import (
    EXPECTED,
    ZENDESK,
    audit_events,
    copy_shape,
    fts_match,
    read_api,
    read_ndjson,
    service,
    table_counts,
    write_api,
    write_ndjson,
)

SHAPES = ("api", "ndjson")


@pytest.mark.parametrize("shape", SHAPES)
def test_import_counts_in_both_shapes(admin, shape: str) -> None:
    svc = service(admin)
    result = svc.import_zendesk(ZENDESK / shape)
    assert result.snapshot_created and result.snapshot_id is not None
    assert result.counts["users"]["inserted"] == 5
    assert result.counts["ticket_comments"]["inserted"] == 4
    status = svc.status()
    assert dict(status.counts) == EXPECTED
    assert status.last_snapshot is not None and status.last_snapshot.source == "zendesk"
    counts = table_counts(admin.ctx)
    assert counts["hd_identities"] == 4 and counts["hd_group_memberships"] == 3
    assert counts["hd_audit_logs"] == 2 and counts["hd_access_logs"] == 2
    assert counts["fts_tickets"] == 3 and counts["fts_comments"] == 4 and counts["fts_people"] == 5
    # The audit event has counts and the snapshot id, never a name or an email.
    (event,) = audit_events(admin.ctx, "import.zendesk")
    assert event["details"]["snapshot_id"] == result.snapshot_id
    assert event["details"]["counts"]["users"]["read"] == 5
    assert "@" not in event["raw"] and "Dana" not in event["raw"]


def test_unknown_fields_and_configuration_kept_verbatim(admin) -> None:
    service(admin).import_zendesk(ZENDESK / "api")
    original = read_api(ZENDESK / "api" / "custom_roles.json")["custom_roles"][0]["configuration"]
    with admin.ctx.read_session() as s:
        role = s.scalars(select(CustomRole).where(CustomRole.zendesk_id == 360001)).one()
        dana = s.scalars(select(Person).where(Person.zendesk_id == 2001)).one()
        snap = s.execute(select(Snapshot)).scalars().one()
        stored = json.loads(role.configuration_json)
        extra = json.loads(dana.extra_json)
        assert snap.kind == "directory" and snap.source == "zendesk"
    assert stored == original
    assert list(stored) == list(original)  # key order too
    assert stored["quantum_ticket_teleport"] == {"enabled": True, "levels": [1, 2]}
    assert extra["x_future_field"] == [1, "two", {"three": 3}]
    assert extra["notes"] == "prefers email" and extra["shared_phone_number"] is False


def test_account_settings_sso_and_methods(admin) -> None:
    service(admin).import_zendesk(ZENDESK / "ndjson")
    from models.helpdesk import AuthSettings

    with admin.ctx.read_session() as s:
        auth = s.scalars(select(AuthSettings)).one()
        assert auth.sso_enabled is True
        assert json.loads(auth.methods_json) == ["saml", "zendesk"]
        assert json.loads(auth.settings_json)["tickets"] == {"comments_public_by_default": True}


def test_reimport_is_idempotent_across_shapes(admin) -> None:
    svc = service(admin)
    first = svc.import_zendesk(ZENDESK / "api")
    before = table_counts(admin.ctx)
    for shape in SHAPES:
        again = svc.import_zendesk(ZENDESK / shape)
        assert again.unchanged and not again.snapshot_created
        assert again.snapshot_id == first.snapshot_id
        assert again.changes == 0
        assert again.summary().startswith("No changes")
        assert again.counts["tickets"]["unchanged"] == 3
        assert table_counts(admin.ctx) == before
    events = audit_events(admin.ctx, "import.zendesk")
    assert [e["details"]["changes"] for e in events][1:] == [0, 0]


def test_changed_role_makes_a_second_snapshot_and_keeps_the_first(admin, tmp_path: Path) -> None:
    svc = service(admin)
    first = svc.import_zendesk(ZENDESK / "api")
    folder = copy_shape(tmp_path, "api")
    users = read_api(folder / "users.json")
    users["users"][4]["role"] = "agent"  # Eve becomes an agent
    write_api(folder / "users.json", users)

    second = svc.import_zendesk(folder)
    assert second.snapshot_created and second.snapshot_id != first.snapshot_id
    assert second.counts["tickets"]["unchanged"] == 3  # tickets are not snapshot-scoped
    assert svc.status().counts["agents"] == 4
    with admin.ctx.read_session() as s:
        roles = dict(
            s.execute(
                select(Person.snapshot_id, Person.role).where(Person.zendesk_id == 2002)
            ).all()
        )
        per_snapshot = s.execute(select(Person.snapshot_id)).scalars().all()
    assert roles == {first.snapshot_id: "end-user", second.snapshot_id: "agent"}
    assert (
        per_snapshot.count(first.snapshot_id) == 5 and per_snapshot.count(second.snapshot_id) == 5
    )
    assert [i.id for i in svc.snapshots()] == [second.snapshot_id, first.snapshot_id]


def test_ticket_update_and_comment_delete_keep_the_index_in_step(admin, tmp_path: Path) -> None:
    svc = service(admin)
    svc.import_zendesk(ZENDESK / "ndjson")
    assert fts_match(admin.ctx, "fts_tickets", '"card charged twice"') == [101]
    assert fts_match(admin.ctx, "fts_comments", '"dana@customer.example"') == [5001]
    assert fts_match(admin.ctx, "fts_people", '"dana.private@mail.example"') != []

    folder = copy_shape(tmp_path, "ndjson")
    tickets = read_ndjson(folder / "tickets.ndjson")
    tickets[0]["subject"] = "Duplicate payment"
    write_ndjson(folder / "tickets.ndjson", tickets)
    result = svc.import_zendesk(folder)
    assert result.counts["tickets"]["updated"] == 1 and result.counts["tickets"]["unchanged"] == 2
    assert not result.snapshot_created
    assert fts_match(admin.ctx, "fts_tickets", '"card charged twice"') == []
    assert fts_match(admin.ctx, "fts_tickets", "duplicate") == [101]

    with admin.ctx.session() as s:
        s.execute(delete(Comment).where(Comment.id == 5001))
    assert fts_match(admin.ctx, "fts_comments", '"dana@customer.example"') == []
    with admin.ctx.session() as s:
        s.execute(update(Comment).where(Comment.id == 5002).values(body="redacted ▇▇▇"))
    assert fts_match(admin.ctx, "fts_comments", "refund") == []
    assert fts_match(admin.ctx, "fts_comments", "redacted") == [5002]
    with admin.ctx.session() as s:
        s.execute(delete(Ticket).where(Ticket.id == 102))  # cascades to its comment
    assert fts_match(admin.ctx, "fts_comments", "parcel OR 55812") == []
    assert fts_match(admin.ctx, "fts_tickets", "parcel") == []
    with admin.ctx.session() as s:
        s.execute(delete(Snapshot))  # retention: a snapshot's people leave the index too
    assert fts_match(admin.ctx, "fts_people", "dana") == []
    assert table_counts(admin.ctx)["fts_people"] == 0


# ---------------------------------------------------------------- errors


def _mutate_api(folder: Path, name: str, key: str, index: int, changes: dict[str, Any]) -> None:
    data = read_api(folder / name)
    data[key][index].update(changes)
    write_api(folder / name, data)


def _mutate_ndjson(folder: Path, name: str, index: int, changes: dict[str, Any]) -> None:
    records = read_ndjson(folder / name)
    records[index].update(changes)
    write_ndjson(folder / name, records)


ERRORS = [
    (
        "api",
        lambda f: _mutate_api(f, "tickets.json", "tickets", 1, {"requester_id": "abc"}),
        "tickets.json record 2: requester_id 'abc' is not an integer",
    ),
    (
        "ndjson",
        lambda f: _mutate_ndjson(f, "tickets.ndjson", 1, {"requester_id": "abc"}),
        "tickets.ndjson line 2: requester_id 'abc' is not an integer",
    ),
    (
        "api",
        lambda f: _mutate_api(f, "users.json", "users", 4, {"id": 1001}),
        "users.json record 5: duplicate id 1001",
    ),
    (
        "ndjson",
        lambda f: _mutate_ndjson(f, "tickets.ndjson", 2, {"id": 101}),
        "tickets.ndjson line 3: duplicate id 101",
    ),
    (
        "ndjson",
        lambda f: _mutate_ndjson(f, "tickets.ndjson", 0, {"assignee_id": 999}),
        "tickets.ndjson line 1: assignee_id 999 is not a known user",
    ),
    (
        "api",
        lambda f: _mutate_api(f, "ticket_comments.json", "comments", 0, {"ticket_id": 999}),
        "ticket_comments.json record 1: ticket_id 999 is not a known ticket",
    ),
    (
        "api",
        lambda f: _mutate_api(
            f, "group_memberships.json", "group_memberships", 0, {"group_id": 7999}
        ),
        "group_memberships.json record 1: group_id 7999 is not a group in this import",
    ),
    (
        "ndjson",
        lambda f: _mutate_ndjson(f, "identities.ndjson", 3, {"user_id": 4242}),
        "identities.ndjson line 4: user_id 4242 is not a user in this import",
    ),
    (
        "ndjson",
        lambda f: _mutate_ndjson(f, "users.ndjson", 1, {"created_at": "2024-13-45T00:00:00Z"}),
        "users.ndjson line 2: created_at '2024-13-45T00:00:00Z' is not a valid timestamp",
    ),
    (
        "api",
        lambda f: _mutate_api(f, "users.json", "users", 0, {"email": "dana at example"}),
        "users.json record 1: email is not a valid email address",
    ),
    (
        "api",
        lambda f: _mutate_api(f, "users.json", "users", 1, {"role": "superuser"}),
        "users.json record 2: role 'superuser' is not one of end-user, agent, admin",
    ),
]


@pytest.mark.parametrize(("shape", "mutate", "message"), ERRORS)
def test_each_error_is_located_and_writes_nothing(
    admin, tmp_path: Path, shape: str, mutate: Any, message: str
) -> None:
    svc = service(admin)
    folder = copy_shape(tmp_path, shape)
    mutate(folder)
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        svc.import_zendesk(folder)
    assert info.value.message == message
    assert table_counts(admin.ctx) == before
    assert before["hd_snapshots"] == 0
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["outcome"] == "error"
    assert failed["details"]["file"] == message.split(" ")[0]
    assert failed["details"]["reason"] == "invalid"
    assert "@" not in failed["raw"] and "abc" not in failed["raw"]
    assert audit_events(admin.ctx, "import.zendesk") == []


def test_error_after_a_good_import_changes_nothing(admin, tmp_path: Path) -> None:
    svc = service(admin)
    svc.import_zendesk(ZENDESK / "api")
    folder = copy_shape(tmp_path, "ndjson")
    _mutate_ndjson(folder, "users.ndjson", 4, {"role": "agent"})  # would be a new snapshot …
    _mutate_ndjson(folder, "tickets.ndjson", 2, {"tags": "not-a-list"})  # … but this is bad
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed, match=r"^tickets.ndjson line 3: tags is not a list"):
        svc.import_zendesk(folder)
    assert table_counts(admin.ctx) == before


def test_truncated_json_and_unknown_files(admin, tmp_path: Path) -> None:
    svc = service(admin)
    folder = copy_shape(tmp_path, "ndjson")
    (folder / "notes.json").write_text('{"hello": "world"}')
    (folder / "README.txt").write_text("export of 2024-05")
    with pytest.raises(ImportFailed, match=r"^notes.json: not a recognised Zendesk export file"):
        svc.import_zendesk(folder / "notes.json")  # named explicitly: an error
    result = svc.import_zendesk(folder)  # beside an export: listed as skipped, not read
    assert sorted(result.skipped) == [
        "README.txt: not a JSON export file",
        "notes.json: not a recognised Zendesk export file",
    ]
    assert "Not imported: README.txt: not a JSON export file; " in result.summary()
    before = table_counts(admin.ctx)
    lines = (folder / "users.ndjson").read_text().splitlines(keepends=True)
    lines[2] = lines[2][:40] + "\n"
    (folder / "users.ndjson").write_text("".join(lines))
    with pytest.raises(ImportFailed, match=r"^users.ndjson line 3: invalid JSON"):
        svc.import_zendesk(folder)
    with pytest.raises(ImportFailed, match=r"^missing: no such file or folder"):
        svc.import_zendesk(tmp_path / "missing")
    assert table_counts(admin.ctx) == before


def test_tickets_alone_need_a_known_directory(admin) -> None:
    svc = service(admin)
    with pytest.raises(ImportFailed) as info:
        svc.import_zendesk(ZENDESK / "api" / "tickets.json")
    assert info.value.message.startswith(
        "tickets.json record 1: requester_id 2001 is not a known user (no users imported yet)"
    )
    svc.import_zendesk(ZENDESK / "api" / "users.json")  # a directory with people only
    result = svc.import_zendesk([ZENDESK / "api" / "tickets.json"])
    assert result.counts["tickets"]["inserted"] == 3 and not result.snapshot_created


# Mutations a broken export could carry: (file, field, bad value, expected wording).
WRONG = {
    "users.ndjson": [
        ("id", "abc", "is not an integer"),
        ("suspended", "yes", "is not true or false"),
        ("created_at", "yesterday-ish", "is not a valid timestamp"),
        ("tags", 5, "is not a list of strings"),
    ],
    "tickets.ndjson": [
        ("requester_id", "abc", "is not an integer"),
        ("updated_at", "2024-02-30T10:00:00Z", "is not a valid timestamp"),
        ("collaborator_ids", ["x"], "is not a list of integers"),
        ("id", None, "is missing"),
    ],
}


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_broken_ndjson_never_writes_and_is_always_located(
    admin, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    svc = service(admin)
    folder = copy_shape(tmp_path_factory.mktemp("broken"), "ndjson")
    name = data.draw(st.sampled_from(sorted(WRONG)))
    lines = (folder / name).read_text().splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1))
    mode = data.draw(st.sampled_from(["wrong", "truncate"]))
    if mode == "wrong":
        field, value, wording = data.draw(st.sampled_from(WRONG[name]))
        record = json.loads(lines[index])
        record[field] = value
        lines[index] = json.dumps(record) + "\n"
    else:
        body = lines[index].rstrip("\n")
        cut = data.draw(st.integers(1, len(body) - 1))
        lines[index] = body[:cut] + "\n"
        field, wording = "", "invalid JSON"
    (folder / name).write_text("".join(lines))
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        svc.import_zendesk(folder)
    message = info.value.message
    assert message.startswith(f"{name} line {index + 1}: {field}".rstrip()), message
    assert wording in message
    assert table_counts(admin.ctx) == before


def test_cancel_mid_import_rolls_back(admin, tmp_path: Path) -> None:
    folder = copy_shape(tmp_path, "ndjson")
    template = read_ndjson(folder / "tickets.ndjson")[1]
    template.pop("comments")
    write_ndjson(
        folder / "tickets.ndjson",
        [dict(template, id=10_000 + n, subject=f"Ticket {n}") for n in range(1_500)],
    )
    reports: list[tuple[int, int | None, str]] = []

    def on_progress(done: int, total: int | None, message: str) -> None:
        reports.append((done, total, message))
        if message.startswith("tickets") and not control.cancelled:
            control.cancel()

    control = JobControl(on_progress)
    with pytest.raises(Cancelled):
        service(admin).import_zendesk(folder, control)
    assert any(message.startswith("tickets") for _, _, message in reports)
    assert all(total and total > 0 for _, total, _ in reports)
    assert all(v == 0 for v in table_counts(admin.ctx).values())
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["details"] == {"source": "zendesk", "reason": "cancelled"}


def test_auditor_cannot_import(admin) -> None:
    auditor, _secret = admin.add_operator("audrey", ["auditor"])
    svc = service(admin, auditor)
    with pytest.raises(PermissionDenied):
        svc.import_zendesk(ZENDESK / "api")
    assert all(v == 0 for v in table_counts(admin.ctx).values())
    denied = audit_events(admin.ctx, "access.denied")
    assert denied[-1]["details"]["attempted"] == "import.zendesk"
    assert svc.status().counts["people"] == 0  # viewing is allowed
