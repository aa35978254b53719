"""Full-text search: exact identifiers, ranking, masking, index consistency, permissions."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from app.cli.main import main
from app.masking import excerpt, mask_text
from app.search import Hit, SearchService, parse_query
from app.security.guard import PermissionDenied
from models.helpdesk import Comment, Identity, Person, Snapshot, Ticket
from models.security import AuditEntry

EMAIL = "john.doe@example.com"
PHONE_FORMS = ("(415) 555-0132", "415.555.0132", "+1 415 555 0132")


def add_ticket(s: Any, tid: int, subject: str, description: str = "", **kw: Any) -> None:
    s.add(Ticket(id=tid, subject=subject, description=description, row_hash="h", **kw))


def add_comment(s: Any, cid: int, ticket_id: int, body: str) -> None:
    s.flush()  # tickets first: no ORM relationship orders the inserts
    s.add(Comment(id=cid, ticket_id=ticket_id, body=body, row_hash="h"))


def add_snapshot(s: Any, people: list[dict[str, Any]]) -> int:
    snap = Snapshot(
        kind="directory", source="zendesk", created_at="2026-01-01T00:00:00Z", digest="d"
    )
    s.add(snap)
    s.flush()
    for p in people:
        identities = p.pop("identities", [])
        s.add(Person(snapshot_id=snap.id, role="end-user", **p))
        for n, (kind, value) in enumerate(identities):
            s.add(
                Identity(
                    snapshot_id=snap.id,
                    zendesk_id=p["zendesk_id"] * 10 + n,
                    user_id=p["zendesk_id"],
                    type=kind,
                    value=value,
                )
            )
        s.flush()
    return snap.id


@pytest.fixture
def desk(admin: Any) -> Any:
    with admin.ctx.session() as s:
        add_ticket(s, 1, "Refund request", f"Customer {EMAIL} wants a refund, id 88112233")
        add_ticket(s, 2, "Password reset", "Locked out; call (415) 555-0132 after 5pm")
        add_ticket(s, 3, "Billing question", "Invoice 881122334 is wrong", external_id="88112233")
        add_ticket(s, 4, "Shipping", "Where is my parcel? Order 555-0132-77")
        add_comment(s, 11, 1, f"Please write to {EMAIL}.")
        add_comment(s, 12, 1, "Also cc mary.john.doe@example.com and john.doe@example.com.au")
        add_comment(s, 21, 2, f"Reached them on {PHONE_FORMS[0]} yesterday.")
        add_comment(s, 22, 2, f"Number on file: {PHONE_FORMS[1]}")
        add_comment(s, 23, 2, f"Caller ID showed {PHONE_FORMS[2]}, customer 88112233")
        add_comment(s, 24, 2, "A different line: 415 555 0199, or just 555-0132")
        add_comment(s, 41, 4, "UK office: +44 20 7946 0958 (ask for billing)")
        add_snapshot(
            s,
            [
                {"zendesk_id": 900, "name": "Old Name", "email": EMAIL, "phone": "+14155550132"},
            ],
        )
        add_snapshot(
            s,
            [
                {
                    "zendesk_id": 900,
                    "name": "John Doe",
                    "email": "jd@work.example",
                    "phone": "+14155550132",
                    "identities": [("email", EMAIL)],
                },
                {"zendesk_id": 901, "name": "Jane Roe", "external_id": "88112233"},
            ],
        )
    return admin


def found(hits: list[Hit]) -> set[tuple[str, object]]:
    return {(h.kind, h.id) for h in hits}


def search(admin: Any, query: str, **kw: Any) -> list[Hit]:
    return SearchService(admin.ctx, admin.principal).search(query, **kw)


# ---------------------------------------------------------------- exact identifiers


def test_email_finds_every_ticket_comment_and_person_and_nothing_else(desk: Any) -> None:
    hits = search(desk, "John.Doe@Example.com")
    assert found(hits) == {("ticket", 1), ("comment", 11), ("person", 900)}
    person = next(h for h in hits if h.kind == "person")
    assert person.field == "emails" and person.ticket_id is None
    assert next(h for h in hits if h.kind == "comment").ticket_id == 1


PHONE_QUERIES = ("+1 415 555 0132", "(415) 555-0132", "415.555.0132", "4155550132", "+14155550132")


def test_phone_in_any_format_finds_every_spelling(desk: Any) -> None:
    for query in PHONE_QUERIES:
        assert parse_query(query).kind == "phone", query
        assert found(search(desk, query)) == {
            ("ticket", 2),
            ("comment", 21),
            ("comment", 22),
            ("comment", 23),
            ("person", 900),  # latest snapshot only: one hit, phones field
        }, query


def test_international_phone_matches_national_spelling(desk: Any) -> None:
    for query in ("020 7946 0958", "+44 (0)20 7946 0958", "+442079460958"):
        assert found(search(desk, query)) == {("comment", 41)}, query


def test_numeric_id_finds_text_and_external_ids(desk: Any) -> None:
    hits = search(desk, "88112233")
    assert parse_query("88112233").kind == "id"
    assert found(hits) == {("ticket", 1), ("ticket", 3), ("comment", 23), ("person", 901)}
    by_key = {(h.kind, h.id): h for h in hits}
    assert by_key[("ticket", 3)].field == "external_id"
    assert by_key[("person", 901)].field == "external_id"


# ---------------------------------------------------------------- free text


def test_free_text_is_ranked_by_bm25(admin: Any) -> None:
    with admin.ctx.session() as s:
        add_ticket(s, 1, "Printer jam", "The printer jams " + "paper tray toner " * 30)
        add_ticket(s, 2, "Printer printer", "printer broken, printer offline")
        add_ticket(s, 3, "Unrelated", "nothing to see")
        add_comment(s, 10, 3, "maybe the printer " + "lorem ipsum dolor " * 40)
    hits = search(admin, "Printer")
    assert [h.id for h in hits][:2] == [2, 1]
    assert found(hits) == {("ticket", 1), ("ticket", 2), ("comment", 10)}
    assert all(h.field in ("subject", "description", "body") for h in hits)
    assert found(search(admin, "printer offline")) == {("ticket", 2)}
    assert [h.kind for h in search(admin, "printer", kinds=["comment"])] == ["comment"]
    assert len(search(admin, "printer", limit=1)) == 1


HOSTILE = (
    '"unbalanced',
    'say "hello"',
    "(refund",
    "refund)",
    "refund AND OR NOT",
    "NEAR(refund password, 2)",
    "refund*",
    "*",
    "^refund",
    "subject:refund",
    "-refund +x",
    "{subject} : refund",
    "'';--",
    "",
    "   ",
    "_",
    '""',
    "@",
    "+",
    "+1 (",
    "00000000000000000000000",
    "²³⁴",
    "١٢٣٤٥٦٧٨٩٠",
)


def test_query_syntax_is_taken_literally(desk: Any) -> None:
    for query in HOSTILE:
        assert isinstance(search(desk, query), list), query


def test_operators_in_the_query_are_words(desk: Any) -> None:
    assert search(desk, "refund*") == search(desk, "refund")
    assert found(search(desk, "(Refund")) == {("ticket", 1)}
    assert search(desk, "refund OR password") == []  # "or" must be in the text, ANDed


# ---------------------------------------------------------------- masking and reveal


def test_snippets_are_masked(desk: Any) -> None:
    with desk.ctx.session() as s:
        add_comment(s, 31, 3, "Card 4111 1111 1111 1111, SSN 123-45-6789, mail jane@example.org")
    hits = search(desk, "card")
    assert [h.snippet for h in hits] == [
        "Card **** **** **** 1111, SSN ***-**-6789, mail j***@e***.org"
    ]
    for query in (EMAIL, "+1 415 555 0132"):
        for h in search(desk, query):
            assert "john.doe" not in h.snippet and "555-0132" not in h.snippet, h
            assert "0132" not in h.snippet and "***" in h.snippet, h


def test_reveal_needs_permission_and_reason_and_is_audited(desk: Any) -> None:
    with pytest.raises(PermissionDenied):  # administrators have no pii.reveal
        search(desk, EMAIL, reveal=True, reason="DSAR 17")
    officer, _secret = desk.add_operator("olga", ["privacy_officer"])
    service = SearchService(desk.ctx, officer)
    with pytest.raises(PermissionDenied):
        service.search(EMAIL, reveal=True, reason=" ")
    hits = service.search(EMAIL, kinds=["comment"], reveal=True, reason="DSAR 17")
    assert [h.snippet for h in hits] == [f"Please write to {EMAIL}."]
    assert [h.snippet for h in service.search(EMAIL, kinds=["comment"])] == [
        "Please write to j***@e***.com."
    ]
    events = audit_events(desk, "pii.reveal")
    assert len(events) == 1
    assert events[0]["reason"] == "DSAR 17" and events[0]["objects"] == ["comment:11"]


# ---------------------------------------------------------------- index consistency


def fts_rowids(admin: Any, table: str, phrase: str) -> list[int]:
    with admin.ctx.session() as s:
        rows = s.execute(text(f"SELECT rowid FROM {table} WHERE {table} MATCH :q"), {"q": phrase})
        return [r[0] for r in rows]


def test_index_follows_updates_and_deletes(desk: Any) -> None:
    with desk.ctx.session() as s:
        s.execute(update(Ticket).where(Ticket.id == 3).values(subject="Chargeback dispute"))
    assert found(search(desk, "chargeback")) == {("ticket", 3)}
    assert search(desk, "billing question") == []

    with desk.ctx.session() as s:
        s.execute(delete(Comment).where(Comment.id == 22))
    assert ("comment", 22) not in found(search(desk, "415.555.0132"))
    assert fts_rowids(desk, "fts_comments", '"number on file"') == []

    assert fts_rowids(desk, "fts_comments", '"reached them"') == [21]
    with desk.ctx.session() as s:
        s.execute(delete(Ticket).where(Ticket.id == 2))
    assert fts_rowids(desk, "fts_tickets", '"password reset"') == []
    assert fts_rowids(desk, "fts_comments", '"reached them"') == []  # cascaded
    assert found(search(desk, "(415) 555-0132")) == {("person", 900)}


def test_people_of_older_snapshots_are_not_returned(desk: Any) -> None:
    assert search(desk, "Old Name") == []
    assert found(search(desk, "John Doe", kinds=["person"])) == {("person", 900)}
    assert found(search(desk, "jd@work.example")) == {("person", 900)}


# ---------------------------------------------------------------- permissions and audit


def audit_events(admin: Any, action: str) -> list[dict[str, Any]]:
    with admin.ctx.session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [json.loads(r.details_json) for r in rows]


def test_incident_lead_may_not_search(desk: Any) -> None:
    lead, _secret = desk.add_operator("ivan", ["incident_lead"])
    with pytest.raises(PermissionDenied):
        SearchService(desk.ctx, lead).search("refund")
    denied = audit_events(desk, "access.denied")
    assert denied[-1]["attempted"] == "search"
    assert audit_events(desk, "search") == []


def test_audit_event_has_kind_and_count_but_no_query_text(desk: Any) -> None:
    search(desk, EMAIL)
    search(desk, "+1 415 555 0132", kinds=["comment"])
    search(desk, "refund")
    events = audit_events(desk, "search")
    assert [(e["query_kind"], e["hits"]) for e in events] == [
        ("email", 3),
        ("phone", 3),
        ("text", 1),
    ]
    assert events[1]["kinds"] == ["comment"]
    with desk.ctx.session() as s:
        dump = " ".join(r.details_json + (r.object_id or "") for r in s.scalars(select(AuditEntry)))
    # Every form the query could be stored in (raw, digits, E.164); not bare digit runs
    # such as "415", which a random hex id or MAC in the details may contain by chance.
    for secret in (EMAIL, "john.doe", "example.com", "415 555", "4155550132", "refund"):
        assert secret not in dump.lower()


# ---------------------------------------------------------------- CLI


def test_cli_json_shape(desk: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield desk.ctx, desk.principal

    monkeypatch.setattr("app.cli.search.signed_in", signed_in)
    assert main(["search", "(415) 555-0132", "--kind", "comment", "--limit", "2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "(415) 555-0132"
    assert len(data["hits"]) == 2
    for hit in data["hits"]:
        assert set(hit) == {"kind", "id", "ticket_id", "field", "snippet"}
        assert hit["kind"] == "comment" and hit["ticket_id"] == 2 and hit["field"] == "body"
        assert "0132" not in hit["snippet"]
    assert main(["search", EMAIL, "--kind", "person", "--json"]) == 0
    person = json.loads(capsys.readouterr().out)["hits"][0]
    assert person["ticket_id"] is None and person["id"] == 900
    assert main(["search", "refund"]) == 0
    assert "1 hit" in capsys.readouterr().out


# ---------------------------------------------------------------- pure helpers


def test_mask_text_and_excerpt() -> None:
    assert mask_text("call +44 20 7946 0958 on 2026-01-05") == "call +** ** **** **58 on 2026-01-05"
    assert mask_text("IBAN GB82 WEST 1234 5698 7654 32") == "IBAN **** **** **** **** **54 32"
    assert mask_text("ticket 12345") == "ticket 12345"
    body = "word " * 60 + "mail jane.roe@example.org now " + "word " * 60
    start = body.index("roe")  # a window starting mid-address still masks all of it
    snippet = excerpt(body, start, start + 3, width=30)
    assert "j***@e***.org" in snippet and "roe" not in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
