"""Hostile and broken import files (issue 14): each attack ends in a located ImportFailed
naming the file, the line or record and the field, and the import writes nothing.

Before this, deep nesting, huge integers and lone surrogates ended in "internal error
(RecursionError | OverflowError | UnicodeEncodeError)"; records without required fields,
oversized text and unknown enum values were stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.importers.fields import MAX_BODY, MAX_TEXT
from app.importers.problems import ImportFailed
from tests.helpdesk_helpers import (
    audit_events,
    copy_shape,
    read_ndjson,
    service,
    table_counts,
    write_api,
)

DEEP = 100_000  # nested arrays: far past the JSON reader's recursion limit


def _deep(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _set_line(path: Path, index: int, text: str) -> None:
    lines = _lines(path)
    lines[index] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _replace(path: Path, index: int, changes: dict[str, Any], drop: tuple[str, ...] = ()) -> None:
    """Record `index` of an NDJSON file updated; json.dumps escapes a lone surrogate."""
    record = read_ndjson(path)[index]
    record.update(changes)
    for key in drop:
        record.pop(key, None)
    _set_line(path, index, json.dumps(record))


def _expect_refused(admin: Any, target: Path, message: str) -> None:
    svc = service(admin)
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        svc.import_zendesk(target)
    assert info.value.message.split(" (and ")[0] == message
    assert table_counts(admin.ctx) == before
    assert before["hd_snapshots"] == 0
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["details"]["reason"] == "invalid"
    assert failed["details"]["file"] == message.split(" ")[0].rstrip(":")
    assert audit_events(admin.ctx, "import.zendesk") == []


Attack = Callable[[Path], None]
ZENDESK_ATTACKS: list[tuple[str, Attack, str]] = [
    # --- deep nesting: json.loads raises RecursionError
    (
        "nesting in an NDJSON line",
        lambda f: _set_line(f / "tickets.ndjson", 1, '{"id": 102, "x": ' + _deep() + "}"),
        "tickets.ndjson line 2: invalid JSON (nested too deeply)",
    ),
    (
        "nesting in an API file",
        lambda f: (f / "groups.json").write_text('{"groups": ' + _deep() + "}"),
        "groups.json: invalid JSON (nested too deeply)",
    ),
    (
        "nesting on the first line of an NDJSON file",
        lambda f: _set_line(f / "users.ndjson", 0, _deep()),
        "users.ndjson line 1: invalid JSON (nested too deeply)",
    ),
    # --- integers past int64: SQLite raised OverflowError
    (
        "a 10^30 user id",
        lambda f: _replace(f / "users.ndjson", 2, {"id": 10**30}),
        f"users.ndjson line 3: id '{10**30}' is out of range (it must fit a signed 64-bit integer)",
    ),
    (
        "a 2^63 requester id",
        lambda f: _replace(f / "tickets.ndjson", 0, {"requester_id": 2**63}),
        f"tickets.ndjson line 1: requester_id '{2**63}' is out of range"
        " (it must fit a signed 64-bit integer)",
    ),
    (
        "a -2^63-1 count",
        lambda f: _replace(f / "custom_roles.ndjson", 0, {"team_member_count": -(2**63) - 1}),
        f"custom_roles.ndjson line 1: team_member_count '{-(2**63) - 1}' is out of range"
        " (it must fit a signed 64-bit integer)",
    ),
    (
        "a huge id in a list of ids",
        lambda f: _replace(f / "tickets.ndjson", 1, {"collaborator_ids": [1001, 10**30]}),
        "tickets.ndjson line 2: collaborator_ids '[1001, 1000000000000000000000000000000]'"
        " is out of range (it must fit a signed 64-bit integer)",
    ),
    (
        "a number of 5000 digits",
        lambda f: _set_line(f / "tickets.ndjson", 2, '{"id": ' + "9" * 5000 + "}"),
        "tickets.ndjson line 3: invalid JSON (a number is too long)",
    ),
    # --- lone surrogates: encoding for SQLite raised UnicodeEncodeError
    (
        "a surrogate in a subject",
        lambda f: _replace(f / "tickets.ndjson", 0, {"subject": "Card \ud800 twice"}),
        "tickets.ndjson line 1: subject is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in a user's name",
        lambda f: _replace(f / "users.ndjson", 1, {"name": "\udfff"}),
        "users.ndjson line 2: name is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in an unknown field kept verbatim",
        lambda f: _replace(f / "users.ndjson", 0, {"x_note": {"deep": ["ok", "\ud83d"]}}),
        "users.ndjson line 1: x_note is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in a field name",
        lambda f: _replace(f / "organizations.ndjson", 0, {"\ud800key": 1}),
        "organizations.ndjson line 1: a field name is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in a tag",
        lambda f: _replace(f / "tickets.ndjson", 2, {"tags": ["vip", "\ud800"]}),
        "tickets.ndjson line 3: tags is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in a custom field",
        lambda f: _replace(
            f / "tickets.ndjson", 2, {"custom_fields": [{"id": 1, "value": "\ud800"}]}
        ),
        "tickets.ndjson line 3: custom_fields is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in an embedded comment",
        lambda f: _replace(
            f / "tickets.ndjson",
            0,
            {"comments": [{"id": 9001, "author_id": 2001, "body": "hi \udc00"}]},
        ),
        "tickets.ndjson line 1 comment 1: body is not valid Unicode text (a lone surrogate)",
    ),
    (
        "a surrogate in the account settings",
        lambda f: (f / "account_settings.json").write_text(
            json.dumps({"settings": {"branding": {"name": "\ud800"}}})
        ),
        "account_settings.json line 1: settings are not valid Unicode text (a lone surrogate)",
    ),
    # --- required fields
    (
        "a ticket with only an id",
        lambda f: _set_line(f / "tickets.ndjson", 2, '{"id": 150}'),
        "tickets.ndjson line 3: requester_id is missing",
    ),
    (
        "a ticket with no subject or description",
        lambda f: _replace(f / "tickets.ndjson", 1, {}, drop=("subject", "description")),
        "tickets.ndjson line 2: subject and description are both missing",
    ),
    (
        "a user whose id is a float with a fraction",
        lambda f: _set_line(f / "users.ndjson", 4, '{"id": 3000.5, "role": "end-user"}'),
        "users.ndjson line 5: id '3000.5' is not an integer",
    ),
    (
        "a user with no id",
        lambda f: _replace(f / "users.ndjson", 3, {}, drop=("id",)),
        "users.ndjson line 4: id is missing",
    ),
    (
        "a comment with no author",
        lambda f: _replace(
            f / "tickets.ndjson", 0, {"comments": [{"id": 9001, "body": "hello", "public": True}]}
        ),
        "tickets.ndjson line 1 comment 1: author_id is missing",
    ),
    (
        "a comment with no body",
        lambda f: _replace(
            f / "tickets.ndjson", 0, {"comments": [{"id": 9001, "author_id": 2001}]}
        ),
        "tickets.ndjson line 1 comment 1: body is missing (no body, html_body or plain_body)",
    ),
    (
        "a group with no name",
        lambda f: write_api(f / "groups.json", {"groups": [{"id": 7001, "deleted": False}]}),
        "groups.json record 1: name is missing",
    ),
    (
        "an identity with an empty value",
        lambda f: _replace(f / "identities.ndjson", 0, {"value": ""}),
        "identities.ndjson line 1: value is missing",
    ),
    (
        "an audit log record with no action",
        lambda f: _replace(f / "audit_logs.ndjson", 1, {}, drop=("action",)),
        "audit_logs.ndjson line 2: action is missing",
    ),
    # --- size limits
    (
        "a subject over 64 KiB",
        lambda f: _replace(f / "tickets.ndjson", 1, {"subject": "s" * (MAX_TEXT + 1)}),
        "tickets.ndjson line 2: subject is longer than 64 KiB",
    ),
    (
        "a name of 64 KiB in multi-byte characters",
        lambda f: _replace(f / "users.ndjson", 0, {"name": "é" * (MAX_TEXT // 2 + 1)}),
        "users.ndjson line 1: name is longer than 64 KiB",
    ),
    (
        "a comment body over 1 MiB",
        lambda f: _replace(
            f / "tickets.ndjson",
            0,
            {"comments": [{"id": 9001, "author_id": 2001, "body": "b" * (MAX_BODY + 1)}]},
        ),
        "tickets.ndjson line 1 comment 1: body is longer than 1 MiB",
    ),
    # --- enums
    (
        "an unknown role",
        lambda f: _replace(f / "users.ndjson", 2, {"role": "root"}),
        "users.ndjson line 3: role 'root' is not one of end-user, agent, admin",
    ),
]


@pytest.mark.parametrize(
    ("attack", "message"),
    [(a, m) for _, a, m in ZENDESK_ATTACKS],
    ids=[name for name, _, _ in ZENDESK_ATTACKS],
)
def test_hostile_zendesk_file_is_refused_where_it_is(
    admin, tmp_path: Path, attack: Attack, message: str
) -> None:
    folder = copy_shape(tmp_path, "ndjson")
    attack(folder)
    _expect_refused(admin, folder, message)


def test_limits_are_inclusive_and_the_real_fixtures_still_import(admin, tmp_path: Path) -> None:
    """Values exactly at each limit are stored: the limits refuse only what is past them."""
    folder = copy_shape(tmp_path, "ndjson")
    _replace(folder / "users.ndjson", 0, {"name": "é" * (MAX_TEXT // 2), "x_big": 2**63 - 1})
    _replace(
        folder / "tickets.ndjson",
        0,
        {
            "requester_id": 2001,
            "organization_id": -(2**63),
            "comments": [{"id": 9001, "author_id": 2001, "body": "b" * MAX_BODY}],
        },
    )
    _replace(folder / "tickets.ndjson", 1, {}, drop=("subject",))  # a description suffices
    _replace(folder / "groups.json", 0, {"x_tree": json.loads(_deep(50))})  # moderate nesting
    result = service(admin).import_zendesk(folder)
    assert result.counts["users"]["inserted"] == 5
    assert result.counts["ticket_comments"]["inserted"] == 3  # ticket 101's two became one


def test_a_deeply_nested_file_beside_an_export_is_skipped_not_a_crash(
    admin, tmp_path: Path
) -> None:
    folder = copy_shape(tmp_path, "ndjson")
    (folder / "manifest.json").write_text(_deep())
    result = service(admin).import_zendesk(folder)
    assert list(result.skipped) == ["manifest.json: not a recognised Zendesk export file"]
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed, match=r"^manifest.json: not a recognised Zendesk export"):
        service(admin).import_zendesk(folder / "manifest.json")
    assert table_counts(admin.ctx) == before


# ---------------------------------------------------------------- CSV

CSV_ATTACKS = [
    (
        "people",
        f"id,email\n{10**30},a@x.example\n",
        f"people.csv line 2: id '{10**30}' is out of range (it must fit a signed 64-bit integer)",
    ),
    (
        "people",
        f"id,email\n{2**63},a@x.example\n",
        f"people.csv line 2: id '{2**63}' is out of range (it must fit a signed 64-bit integer)",
    ),
    (
        "agents",
        f"id,email,name\n1,a@x.example,{'n' * (MAX_TEXT + 1)}\n",
        "agents.csv line 2: name is longer than 64 KiB",
    ),
    (
        "roster",
        "email,status\na@x.example,active\nb@x.example,fired\n",
        "roster.csv line 3: status 'fired' is not one of active, leave, terminated",
    ),
    (
        "people",
        "id,email,role\n1,a@x.example,root\n",
        "people.csv line 2: role 'root' is not one of end-user, agent, admin",
    ),
    (
        "roster",
        "name,status\nAda,active\n",
        "roster.csv line 1: no column for email (add it to the mapping)",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), CSV_ATTACKS)
def test_hostile_csv_is_refused_where_it_is(
    admin, tmp_path: Path, kind: str, text: str, message: str
) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        service(admin).import_csv(kind, path)
    assert info.value.message == message
    assert table_counts(admin.ctx) == before
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["details"]["file"] == f"{kind}.csv" and "x.example" not in failed["raw"]


def test_roster_status_rewritten_by_the_mapping_is_accepted(admin, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("email,status\na@x.example,Leaver\nb@x.example,LOA\n", encoding="utf-8")
    result = service(admin).import_csv("roster", path)
    assert result.counts["roster"]["inserted"] == 2
