"""The DSAR access package: other people's names masked (agents' signatures too) without
touching the subject's own name or ordinary words; the summary carries the GDPR Art. 15
information from the workspace's settings, with a plain placeholder where one is not set."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.admin import SettingsService
from app.dsar.export import ExportService
from app.dsar.locate import LocateService, latest_directory
from app.dsar.masking import KnownPeople, Subject, mask_third_party
from models.helpdesk import Comment, Person
from tests.dsar_helpers import Desk, make_desk

AGENT_REPLY = (
    "Hi Dana,\n\nWe will call you in May. Will Turner and Cléo Light looked at it; "
    "may I add that MAY CHEN had the same issue.\n\nBest regards,\nKatarzyna"
)
SECOND_REPLY = "Hello Will,\nDana says the parcel may come late. Will do.\nThanks, May"


@pytest.fixture
def desk(admin: Any) -> Desk:
    d = make_desk(admin)
    with admin.ctx.session() as s:
        snap = latest_directory(s)
        for zid, name, role in (
            (3001, "Katarzyna Nowak", "agent"),
            (3002, "Will Turner", "agent"),
            (3003, "May Chen", "end-user"),
        ):
            s.add(Person(snapshot_id=snap, zendesk_id=zid, name=name, role=role))
        for cid, body in ((5101, AGENT_REPLY), (5102, SECOND_REPLY)):
            s.add(Comment(id=cid, ticket_id=101, author_id=1002, body=body, row_hash="h"))
    return d


def package(desk: Desk, tmp_path: Path) -> tuple[Any, dict[str, str]]:
    ref = desk.new().reference
    desk.svc().verify(ref, method="email reply from the address on file")
    LocateService(desk.ctx, desk.officer).locate(ref)
    out = tmp_path / "package.zip"
    result = ExportService(desk.ctx, desk.stepped_up()).export(ref, out)
    with zipfile.ZipFile(out) as z:
        return result, {n: z.read(n).decode() for n in z.namelist() if not n.endswith(".pdf")}


def test_agents_signatures_and_other_names_are_masked_the_subjects_stay(
    desk: Desk, tmp_path: Path
) -> None:
    _, files = package(desk, tmp_path)
    page = files["summary.html"]
    assert "Best regards,\n[other person]" in page
    for gone in ("Katarzyna", "Will Turner", "Cléo Light", "MAY CHEN", "Hello Will", "Thanks, May"):
        assert gone not in files["data.json"] and gone not in page, gone
    data = files["data.json"]
    assert "Hi Dana," in data  # the subject's own name stays …
    assert "We will call you in May." in data  # … and so do the words "will" and "May"
    assert "may I add that [other person] had the same issue" in data
    assert "Hello [other person],\\nDana says the parcel may come late. Will do." in data
    assert "Thanks, [other person]" in data


SUBJECT = Subject(frozenset({"will@subject.example"}), (), frozenset({"Will Turner"}))
PEOPLE = KnownPeople.of(
    ["Will Smith", "May Lee", "Katarzyna Nowak", "Al Bo", "Tom"], ["tom@desk.example"], SUBJECT
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Best regards, Katarzyna", "Best regards, [other person]"),
        ("Kind regards,\nKatarzyna\nSupport team", "Kind regards,\n[other person]\nSupport team"),
        ("Dear May: thanks", "Dear [other person]: thanks"),
        ("Cheers\n-- Tom", "Cheers\n-- [other person]"),
        ("Solved, see below.\nTom", "Solved, see below.\n[other person]"),  # last line
        ("May we call on 3 May? Best, May", "May we call on 3 May? Best, [other person]"),
        ("I spoke to Katarzyna yesterday", "I spoke to Katarzyna yesterday"),  # mid-sentence
        ("Hi Al, thanks", "Hi Al, thanks"),  # shorter than 3 letters: never alone
        ("Thanks! Tom will send it.", "Thanks! Tom will send it."),  # a sentence, not a sign-off
        ("tom@desk.example wrote", "t***@d***.example wrote"),  # the detector's e-mail mask
        # the subject shares "Will" with an agent: their first name alone is never masked
        (
            "Hi Will, your refund. Best regards, Will Smith",
            "Hi Will, your refund. Best regards, [other person]",
        ),
        ("Hi Will Turner,", "Hi Will Turner,"),  # the subject's own full name
    ],
)
def test_first_names_alone_only_in_greetings_and_signatures(text: str, shown: str) -> None:
    assert mask_third_party(text, SUBJECT, PEOPLE)[0] == shown


def test_summary_has_the_art15_information_with_placeholders(desk: Desk, tmp_path: Path) -> None:
    settings = SettingsService(desk.ctx, desk.officer)
    settings.set("dsar.art15_purposes", "To answer your support requests and keep records.")
    settings.set("dsar.art15_complaint", "The ICO, ico.org.uk, 0303 123 1113.")
    result, files = package(desk, tmp_path)
    page = files["summary.html"]
    assert "How and why we use your data (GDPR Art. 15)" in page
    assert "To answer your support requests and keep records." in page
    assert "The ICO, ico.org.uk, 0303 123 1113." in page
    for article in (
        "15(1)(a)",
        "15(1)(b)",
        "15(1)(c)",
        "15(1)(d)",
        "15(1)(e)",
        "15(1)(f)",
        "15(1)(g)",
        "15(1)(h)",
        "15(2)",
    ):
        assert f"Art. {article}" in page
    assert (
        "[not set: ask your DPO — set with `privdesk settings set dsar.art15_retention …`]" in page
    )
    assert "dsar.art15_purposes …" not in page
    assert len(result.art15_missing) == 7 and "dsar.art15_purposes" not in result.art15_missing
    assert result.to_json()["art15_missing"] == list(result.art15_missing)
