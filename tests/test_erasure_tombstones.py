"""Erased people stay erased (issue 14): a re-import of an export that still holds an erased
subject succeeds, brings none of their data back and says how many records it skipped.

The export is the Zendesk API fixture (`tests/fixtures/zendesk`, shapes of the Zendesk
Support API reference examples); Dana Customer (user 2001) is erased through the DSAR
service, with a real step-up. Requirement ids (../shared/SECURITY.md): AUD-1 (the erasure's
tombstones and its audit row are one transaction), AUD-8 (no clear identifier in audit
details or in the tombstone table), SQLC-6 (the tombstones still match after a rekey).
SECURITY.md has no DSAR- ids; the erasure rules mirrored here are those of
`app.dsar.erasure` (issue 7).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import select, text

from app.dsar import erasure
from app.dsar.erasure import ErasureService
from app.dsar.locate import LocateService
from app.helpdesk import HelpdeskService
from app.importers.erased import ERASED
from app.importers.result import ImportResult
from models.dsar import DsarTombstone
from models.helpdesk import Comment, Person, Ticket
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import CSV, ZENDESK, audit_events

# Dana's data as the export holds it: none of it may be in the database after a re-import.
DANA_VALUES = (
    "dana@customer.example",
    "dana.private@mail.example",
    "Dana Customer",
    "555 987 6543",
    "123-4567",
    "Card charged twice",  # ticket 101, which she requested
    "Please erase my data",  # ticket 103 and its comment, hers too
    "Springfield",  # comment metadata
)
# The DSAR case file keeps the identifiers the requester gave, by design (the record of
# how the request was handled): those tables are not scanned.
CASE_FILE = {"ds_requests", "ds_events", "ds_items"}
# Dana's records in the fixture: user 2001, identities 50002-50004, tickets 101 and 103,
# comments 5001 and 5002 (on 101) and 5004 (on 103).
SKIPPED = {"users": 1, "identities": 3, "tickets": 2, "ticket_comments": 3}


class Row(NamedTuple):
    kind: str
    digest: str
    created_at: str


def erase_dana(desk: Desk, *, hold_103: bool = False) -> str:
    ref = desk.new(request_type="erasure").reference
    desk.svc().verify(ref, method="email reply from the address on file")
    LocateService(desk.ctx, desk.officer).locate(ref)
    if hold_103:
        ErasureService(desk.ctx, desk.officer).add_hold(
            "ticket", 103, "open-dispute", "chargeback dispute open"
        )
    desk.admin.clock.advance(6 * 60)
    ErasureService(desk.ctx, desk.stepped_up()).erase(ref)
    return ref


def importer(desk: Desk) -> HelpdeskService:
    return HelpdeskService(desk.ctx, desk.admin.principal)


def export_with_frank(tmp_path: Path) -> Path:
    """The fixture export plus an unrelated new customer (Frank, user 3001) and his ticket
    106, on which Dana was CC'd."""
    folder = tmp_path / "export"
    shutil.copytree(ZENDESK / "api", folder)

    def extend(name: str, key: str, *records: dict[str, Any]) -> None:
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        data[key].extend(records)
        (folder / name).write_text(json.dumps(data), encoding="utf-8")

    extend(
        "users.json",
        "users",
        {"id": 3001, "name": "Frank Newcomer", "email": "frank@newcomer.example",
         "phone": "+44 20 7946 0999", "role": "end-user"},
    )  # fmt: skip
    extend(
        "identities.json",
        "identities",
        {"id": 50009, "user_id": 3001, "type": "email", "value": "frank@newcomer.example"},
    )
    extend(
        "tickets.json",
        "tickets",
        {"id": 106, "subject": "Frank's order", "description": "Where is order 77?",
         "status": "open", "requester_id": 3001, "submitter_id": 3001,
         "assignee_id": 1002, "email_cc_ids": [2001, 2002], "follower_ids": [2001]},
        {"id": 107, "subject": "Parcel left with a neighbour",
         "description": "Ask DANA.PRIVATE@mail.example (1-555-987-6543); she has it.",
         "status": "open", "requester_id": 2002, "submitter_id": 2002},
    )  # fmt: skip
    return folder


def all_text(desk: Desk) -> str:
    """Every text value of every table (the decrypted database, read through the session),
    the DSAR case file aside."""
    chunks: list[str] = []
    with desk.ctx.read_session() as s:
        names = s.scalars(
            text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ).all()
        for name in names:
            if name in CASE_FILE or name.startswith("sqlite_"):
                continue
            for row in s.execute(text(f'SELECT * FROM "{name}"')):
                for value in row:
                    if isinstance(value, str):
                        chunks.append(value)
                    elif isinstance(value, bytes):
                        chunks.append(value.decode("utf-8", errors="replace"))
    return "\n".join(chunks)


def assert_dana_gone(desk: Desk) -> None:
    everything = all_text(desk)
    for value in DANA_VALUES:
        assert value.lower() not in everything.lower(), value
    with desk.ctx.read_session() as s:
        assert s.scalars(select(Person).where(Person.zendesk_id == 2001)).first() is None
        assert s.get(Ticket, 101) is None and s.get(Ticket, 103) is None


@pytest.fixture
def desk(admin: Any) -> Desk:
    return make_desk(admin)


def test_reimport_of_the_zendesk_export_skips_the_erased_subject_and_counts_it(
    desk: Desk, tmp_path: Path
) -> None:
    """The issue's attack: re-import after erasure used to fail with "requester_id 2001 is
    not a known user" (AUD-8 for the audit row of the import)."""
    erase_dana(desk)
    result = importer(desk).import_zendesk(export_with_frank(tmp_path))

    assert dict(result.erased) == SKIPPED
    assert result.erased_skipped == 9 and result.erased_mentions == 1
    assert "9 records of erased subjects skipped" in result.summary()
    assert "e-mails or phones removed from 1 other record." in result.summary()
    data = result.to_json()
    assert data["erased_skipped"] == 9 and data["erased_skipped_by_kind"] == SKIPPED
    assert data["erased_mentions_removed"] == 1
    assert_dana_gone(desk)

    with desk.ctx.read_session() as s:
        assert "frank@newcomer.example" in all_text(desk)
        frank = s.scalars(select(Person).where(Person.zendesk_id == 3001)).one()
        assert frank.email == "frank@newcomer.example"
        t106 = s.get(Ticket, 106)
        assert t106 is not None and t106.requester_id == 3001
        # Dana leaves the CC and follower lists, as the erasure removed her from them.
        assert json.loads(t106.email_cc_ids_json) == [2002]
        assert json.loads(t106.follower_ids_json) == []
        assert s.get(Ticket, 102) is not None and s.get(Comment, 5003) is not None
        # Her identifiers in Eve's new ticket are scrubbed as the erasure scrubs mentions.
        t107 = s.get(Ticket, 107)
        assert t107 is not None
        assert t107.description == "Ask [erased] ([erased]); she has it."
    (event,) = audit_events(desk.ctx, "import.zendesk")[-1:]
    assert event["details"]["erased_skipped"] == SKIPPED
    assert "dana" not in json.dumps(event["details"]).lower()


def test_the_extended_export_again_is_unchanged(desk: Desk, tmp_path: Path) -> None:
    """Rows changed on import (CC lists, scrubbed text) keep the hash of the record as
    exported, so the next import of the same files reads them as unchanged."""
    erase_dana(desk)
    folder = export_with_frank(tmp_path)
    importer(desk).import_zendesk(folder)
    again = importer(desk).import_zendesk(folder)
    assert again.unchanged and again.erased_skipped == 9
    assert again.counts["tickets"]["unchanged"] == 3  # 102, 106 and 107
    assert ERASED == erasure.ERASED
    assert_dana_gone(desk)


def test_the_same_export_again_converges_to_no_changes(desk: Desk) -> None:
    """Re-importing the very export that was imported before the erasure changes nothing:
    the erasure's state is the import's state."""
    first = importer(desk).snapshots()[0].id
    erase_dana(desk)
    result = importer(desk).import_zendesk(ZENDESK / "api")
    assert result.unchanged and result.snapshot_id == first and not result.snapshot_created
    assert result.summary().startswith("No changes:")
    assert result.summary().endswith(
        "9 records of erased subjects skipped (users 1, identities 3, tickets 2, "
        "ticket comments 3)."
    )
    assert_dana_gone(desk)
    # Again, with the NDJSON shape of the same data: still nothing of hers comes back.
    again = importer(desk).import_zendesk(ZENDESK / "ndjson")
    assert again.erased_skipped == 9
    assert_dana_gone(desk)


def test_a_held_ticket_of_the_erased_requester_is_imported_as_the_erasure_kept_it(
    desk: Desk,
) -> None:
    erase_dana(desk, hold_103=True)
    result = importer(desk).import_zendesk(ZENDESK / "api")
    # 103 is under a hold: it and its comment stay; its requester is no dangling reference.
    assert dict(result.erased) == {
        "users": 1,
        "identities": 3,
        "tickets": 1,
        "ticket_comments": 2,
    }
    with desk.ctx.read_session() as s:
        t103 = s.get(Ticket, 103)
        assert t103 is not None and t103.requester_id == 2001
        assert s.get(Comment, 5004) is not None
        assert s.get(Ticket, 101) is None
        assert s.scalars(select(Person).where(Person.zendesk_id == 2001)).first() is None


def test_reimport_of_a_people_csv_skips_the_erased_subject(desk: Desk) -> None:
    erase_dana(desk)
    result = importer(desk).import_csv("people", CSV / "people.csv")
    assert dict(result.erased) == {"people": 1}
    assert "1 record of erased subjects skipped (people 1)." in result.summary()
    with desk.ctx.read_session() as s:
        snap = result.snapshot_id
        ids = set(s.scalars(select(Person.zendesk_id).where(Person.snapshot_id == snap)))
        # Eve and Ben import normally; a people CSV is partial, so it merges into the
        # directory (issue 16) and the others stay; Dana (2001) is in neither.
        assert ids == {1001, 1002, 1003, 2002} and result.merged
    assert_dana_gone(desk)


def test_a_csv_row_matched_by_email_alone_is_skipped(desk: Desk, tmp_path: Path) -> None:
    """A people CSV without ids: Dana's row is known by her (keyed-hash) e-mail."""
    erase_dana(desk)
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email\nDana C.,DANA@Customer.example\nEve Shopper,eve@shopper.example\n",
        encoding="utf-8",
    )
    result = importer(desk).import_csv("people", path)
    assert result.erased_skipped == 1
    assert result.counts["people"]["read"] == 1
    assert "dana" not in all_text(desk).lower()


def test_tombstones_hold_keyed_hashes_only(desk: Desk) -> None:
    """AUD-8: neither the tombstone table nor any audit detail holds a clear identifier,
    and the hashes are keyed (not a plain SHA-256 anyone could recompute)."""
    erase_dana(desk)
    with desk.ctx.read_session() as s:
        rows = [
            Row(kind, digest, created_at)
            for kind, digest, created_at in s.execute(
                select(DsarTombstone.kind, DsarTombstone.digest, DsarTombstone.created_at)
            )
        ]
    kinds = sorted(r.kind for r in rows)
    # 2001; dana@customer.example, dana.private@…; +1 (555) 123-4567, +1 555 987 6543
    assert kinds == ["email", "email", "phone", "phone", "user_id"]
    clear = {
        "user_id": ["2001"],
        "email": ["dana@customer.example", "dana.private@mail.example"],
        "phone": ["+1 (555) 123-4567", "15551234567", "+1 555 987 6543", "15559876543"],
    }
    digests = {r.digest for r in rows}
    for r in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", r.digest)
        others = f"{r.kind} {r.created_at}"
        for value in (v for values in clear.values() for v in values):
            assert value not in others
            if len(value) > 6:  # a short digit run can occur in any hex string by chance
                assert value not in r.digest
    for kind, values in clear.items():
        for value in values:
            for plain in (value, f"{kind}\x00{value}", value.lower()):
                assert hashlib.sha256(plain.encode()).hexdigest() not in digests
    (erase,) = audit_events(desk.ctx, "dsar.erase")
    assert erase["details"]["tombstones"] == 5
    details = json.dumps(erase["details"]).lower()
    assert "dana" not in details and "555" not in details


def test_tombstones_survive_a_rekey(desk: Desk) -> None:
    """SQLC-6: the tombstone key comes from the KEK, so a DEK rotation keeps them working."""
    erase_dana(desk)
    desk.ctx.workspace.rekey()
    result = importer(desk).import_zendesk(ZENDESK / "api")
    assert result.erased_skipped == 9
    assert_dana_gone(desk)


def test_cli_import_says_how_many_records_were_skipped(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from app.cli.main import main

    erase_dana(desk)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield desk.ctx, desk.admin.principal

    monkeypatch.setattr("app.cli.helpdesk.signed_in", signed_in)
    assert main(["import", "zendesk", str(ZENDESK / "api")]) == 0
    out = capsys.readouterr().out
    assert "9 records of erased subjects skipped" in out
    assert main(["import", "zendesk", str(ZENDESK / "api"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["erased_skipped"] == 9 and data["status"] == "ok"


def test_nothing_erased_means_nothing_skipped(desk: Desk) -> None:
    result: ImportResult = importer(desk).import_zendesk(ZENDESK / "api")
    assert result.erased_skipped == 0 and "erased" not in result.summary()
    assert result.to_json()["erased_skipped"] == 0
    # The scan that proves her data gone does see it while it is there.
    everything = all_text(desk).lower()
    assert all(v.lower() in everything for v in DANA_VALUES)
