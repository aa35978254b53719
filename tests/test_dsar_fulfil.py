"""Locate, export (third-party masking, manifest) and erasure (holds, certificate, plan,
and the byte-level check that the erased strings are gone from the database file)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.dsar.erasure import ErasureService, certificate_text
from app.dsar.errors import DsarError
from app.dsar.export import ExportService
from app.dsar.locate import LocateService
from app.search import SearchService
from app.security.auth import StepUpRequired
from models.helpdesk import Comment, Ticket
from tests.conftest import keys_of
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import audit_events

PAGE, RESERVE = 4096, 80


@pytest.fixture
def desk(admin: Any) -> Desk:
    d = make_desk(admin)
    with admin.ctx.session() as s:
        # Eve's own ticket mentions Dana; Ben's note on Dana's ticket mentions Eve.
        s.add(
            Ticket(
                id=104,
                subject="Neighbour's parcel",
                description="My neighbour dana.private@mail.example took my parcel.",
                status="open",
                requester_id=2002,
                row_hash="h",
            )
        )
        s.flush()
        s.add(
            Comment(
                id=5005,
                ticket_id=101,
                author_id=1002,
                body="Eve Shopper (eve@shopper.example, +44 20 7946 0123) says she paid too.",
                row_hash="h",
            )
        )
    return d


def located(desk: Desk, **kw: Any) -> tuple[str, list[Any]]:
    ref = desk.new(**kw).reference
    desk.svc().verify(ref, method="email reply from the address on file")
    return ref, LocateService(desk.ctx, desk.officer).locate(ref)


def test_locate_groups_sources_with_reasons(desk: Desk) -> None:
    ref, items = located(desk)
    by = {(i.kind, i.ref): i for i in items}
    assert by[("person", 2001)].source == "person"
    assert any("primary email" in r for r in by[("person", 2001)].reasons)
    assert {by[("ticket", 101)].source, by[("ticket", 103)].source} == {"requested"}
    assert by[("comment", 5001)].source == "authored"
    mention = by[("ticket", 104)]
    assert mention.source == "mention" and "email" in mention.reasons[0]
    assert ("ticket", 102) not in by  # Eve's other ticket has nothing of Dana
    # Labels and reasons show identifiers masked.
    assert all("dana@customer.example" not in " ".join(i.reasons) for i in items)
    # The officer's choice survives a re-run.
    LocateService(desk.ctx, desk.officer).set_included(ref, [("ticket", 104)], False)
    again = {(i.kind, i.ref): i for i in LocateService(desk.ctx, desk.officer).locate(ref)}
    assert again[("ticket", 104)].included is False
    assert audit_events(desk.ctx, "dsar.locate")[-1]["details"]["mention"] >= 1


def test_export_package_masks_other_people_and_lists_sha256(desk: Desk, tmp_path: Path) -> None:
    ref, _ = located(desk)
    desk.admin.clock.advance(6 * 60)  # the sign-in's own freshness has passed
    with pytest.raises(StepUpRequired):
        ExportService(desk.ctx, desk.officer).export(ref, tmp_path / "x.zip")
    out = tmp_path / "package.zip"
    result = ExportService(desk.ctx, desk.stepped_up()).export(ref, out)
    assert result.path == out and result.masked >= 3
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {
            "data.json",
            "people.csv",
            "identities.csv",
            "tickets.csv",
            "comments.csv",
            "summary.html",
            "manifest.json",
        } <= names
        manifest = json.loads(z.read("manifest.json"))
        for f in manifest["files"]:
            assert hashlib.sha256(z.read(f["name"])).hexdigest() == f["sha256"]
        everything = "".join(z.read(n).decode() for n in names)
    # The subject's own data stays …
    assert "dana@customer.example" in everything and "Dana Customer" in everything
    assert "+1 (555) 123-4567" in everything
    # … other people's does not.
    for other in ("Eve Shopper", "eve@shopper.example", "7946 0123", "Ben Agent"):
        assert other not in everything
    assert "[other person]" in everything
    event = audit_events(desk.ctx, "dsar.export")[-1]
    assert event["details"]["comments"] >= 3 and "dana" not in event["raw"].lower()


def test_export_needs_included_items(desk: Desk, tmp_path: Path) -> None:
    ref = desk.new().reference
    with pytest.raises(DsarError, match="locate"):
        ExportService(desk.ctx, desk.stepped_up()).export(ref, tmp_path / "x.zip")


def decrypted_pages(db: Path, dek: bytes) -> bytes:
    """Every page of the SQLCipher file decrypted (free pages included): AES-256-CBC, the IV
    in the page's reserved tail, the salt in place of page 1's first 16 bytes."""
    data = db.read_bytes()
    out = []
    for n in range(len(data) // PAGE):
        page = data[n * PAGE : (n + 1) * PAGE]
        iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
        body = page[16 : PAGE - RESERVE] if n == 0 else page[: PAGE - RESERVE]
        d = Cipher(algorithms.AES(dek), modes.CBC(iv)).decryptor()
        out.append(d.update(body) + d.finalize())
    return b"".join(out)


def test_erasure_with_hold_certificate_plan_and_bytes_gone(desk: Desk) -> None:
    ref, _ = located(desk, request_type="erasure")
    erasure = ErasureService(desk.ctx, desk.officer)
    erasure.add_hold("ticket", 103, "open-dispute", "chargeback dispute open until March")
    plan = erasure.preview(ref)
    assert plan.people == (2001,) and plan.tickets == (101,)
    assert [(r.ref, r.basis) for r in plan.retained] == [(103, "open-dispute")]
    assert ("ticket", 104) in plan.mentions
    desk.admin.clock.advance(6 * 60)
    with pytest.raises(StepUpRequired):
        erasure.erase(ref)
    result = ErasureService(desk.ctx, desk.stepped_up()).erase(ref)
    cert, helpdesk = result.certificate, result.helpdesk_plan
    assert cert["erased"]["people"] == 1 and cert["erased"]["tickets"] == 1
    assert cert["retained"][0]["reason"] == "chargeback dispute open until March"
    assert cert["erased_by"] == "dpo"
    assert helpdesk["users"] == [2001] and helpdesk["tickets"] == [101]
    assert "DELETE /api/v2/deleted_users/2001" in helpdesk["calls"]
    assert result.wal_checkpointed

    _kek, dek = keys_of(desk.ctx.workspace.folder, desk.admin.passphrase)
    db = desk.ctx.workspace.db_path
    plain = decrypted_pages(db, dek)
    assert b"Where is my parcel" in plain  # decryption works: retained data is readable
    assert b"Please erase my data" in plain  # held ticket 103
    for erased in (
        b"dana.private@mail.example",
        b"Card charged twice",
        b"555 987 6543",
        b"charged twice",
        b"Springfield",
    ):
        assert erased not in plain, erased
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0

    with desk.ctx.read_session() as s:
        assert s.get(Ticket, 101) is None
        assert s.get(Ticket, 103) is not None  # retained under the hold
        t104 = s.get(Ticket, 104)
        assert t104 is not None and "[erased]" in (t104.description or "")
    search = SearchService(desk.ctx, desk.officer)
    assert search.search("dana.private@mail.example") == []
    assert search.search("Card charged twice") == []

    # The certificate and the plan can be read again later.
    record = ErasureService(desk.ctx, desk.officer).certificate(ref)
    assert record.certificate == cert and record.helpdesk_plan == helpdesk
    assert record.actor == "dpo" and record.reference == ref
    text = certificate_text(record)
    assert "chargeback dispute open until March" in text and "ticket 103" in text
    assert "DELETE /api/v2/deleted_users/2001" in text and "people: 1" in text
    assert audit_events(desk.ctx, "dsar.certificate.view")[-1]["outcome"] == "ok"


def test_erasure_refused_for_access_requests_and_held_people(desk: Desk, tmp_path: Path) -> None:
    ref, _ = located(desk)
    with pytest.raises(DsarError, match="not erasure"):
        ErasureService(desk.ctx, desk.stepped_up()).erase(ref)
    with pytest.raises(DsarError, match="no erasure certificate"):
        ErasureService(desk.ctx, desk.officer).certificate(ref)
    ref2, _ = located(desk, request_type="erasure")
    # Export packages answer access and portability requests only.
    with pytest.raises(DsarError, match="export packages are for access and portability"):
        ExportService(desk.ctx, desk.officer).export(ref2, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()
    ref3, _ = located(desk, request_type="portability")
    assert ExportService(desk.ctx, desk.officer).export(ref3, tmp_path / "p.zip").masked >= 1
    svc = ErasureService(desk.ctx, desk.officer)
    svc.add_hold("person", 2001, "legal-hold", "litigation hold 2026-07")
    plan = svc.preview(ref2)
    assert plan.people == () and plan.retained[0].basis == "legal-hold"
