"""Discovery scan (issue 19, part 2): per help-desk field × entity type, how many records
hold it, by month; a type where the inventory expects it nowhere is a finding.

The planted texts are others' test vectors (Stripe's test card numbers, Presidio's
recognizer tests: tests/data/redaction/); counts are the difference between a scan before
and after planting, so the Zendesk fixture's own content does not matter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.inventory.service import InventoryService
from app.jobs import Cancelled, JobControl
from models.helpdesk import Comment, Ticket
from models.inventory import InventoryScan
from tests.dsar_helpers import make_desk
from tests.helpdesk_helpers import audit_events

VECTORS = Path(__file__).parent / "data" / "redaction"


def vectors(name: str, entity: str, n: int) -> list[str]:
    """`n` texts of a vector file whose only expected entity type is `entity`."""
    out = []
    for line in (VECTORS / name).read_text("utf-8").splitlines():
        row = json.loads(line)
        kinds = {e[0] for e in row.get("expected", [])}
        if "text" in row and kinds == {entity}:
            out.append(row["text"])
    assert len(out) >= n, name
    return out[:n]


def plant(ctx: Any) -> dict[str, int]:
    cards = vectors("stripe_cards.jsonl", "CREDIT_CARD", 5)
    ssns = vectors("presidio.jsonl", "US_SSN", 2)
    with ctx.session() as s:
        for n, text in enumerate(cards[:3]):
            s.add(
                Ticket(
                    id=9100 + n,
                    subject=text,
                    description="Please fix my order.",
                    status="open",
                    created_at="2026-02-10T09:00:00Z",
                    row_hash="h",
                )
            )
        s.flush()
        for n, text in enumerate([*cards[3:], *ssns]):
            s.add(
                Comment(
                    id=99100 + n,
                    ticket_id=9100,
                    body=text,
                    created_at="2026-03-05T09:00:00Z",
                    row_hash="h",
                )
            )
    return {"subject_cards": 3, "comment_cards": 2, "comment_ssns": 2}


def _months(result: Any, field: str) -> dict[str, dict[str, int]]:
    return next(f["months"] for f in result.fields if f["field"] == field)


def test_scan_counts_records_per_field_type_and_month(admin: Any) -> None:
    desk = make_desk(admin)
    svc = InventoryService(desk.ctx, desk.officer)
    assert svc.last_scan() is None
    before = svc.scan()
    plant(desk.ctx)
    seen: list[tuple[int, int | None]] = []
    after = svc.scan(JobControl(lambda d, t, _m: seen.append((d, t))))
    assert seen and seen[-1][0] == seen[-1][1]  # progress reached its total

    def delta(field: str, entity: str) -> int:
        return after.count(field, entity) - before.count(field, entity)

    assert delta("ticket.subject", "CREDIT_CARD") == 3
    assert delta("comment.body", "CREDIT_CARD") == 2
    assert delta("comment.body", "US_SSN") == 2
    assert delta("ticket.description", "CREDIT_CARD") == 0
    assert _months(after, "ticket.subject")["2026-02"]["CREDIT_CARD"] == 3
    assert _months(after, "comment.body")["2026-03"] == {"CREDIT_CARD": 2, "US_SSN": 2}

    subject = next(
        f
        for f in after.findings
        if f["field"] == "ticket.subject" and f["entity_type"] == "CREDIT_CARD"
    )
    assert subject["message"] == (
        f"card numbers in ticket subjects: {after.count('ticket.subject', 'CREDIT_CARD')} tickets"
    )
    assert subject["categories"] == ["payment"] and subject["sensitivity"] == ["payment"]
    assert subject["preview"].startswith("privdesk redact history --dry-run --rule ")
    assert after.findings[0]["sensitivity"] == ["payment"]  # worst first
    # Email addresses in comments are expected there (contact details): no finding.
    assert not any(
        f["field"] == "comment.body" and f["entity_type"] == "EMAIL_ADDRESS" for f in after.findings
    )
    assert svc.last_scan() == after
    # Only counts are stored: no planted text in the scan row or its audit event.
    with desk.ctx.read_session() as s:
        stored = " ".join(r.result_json for r in s.query(InventoryScan))
    event = audit_events(desk.ctx, "inventory.scan")[-1]
    for text in vectors("stripe_cards.jsonl", "CREDIT_CARD", 5):
        digits = "".join(c for c in text if c.isdigit())[:12]
        assert digits not in stored and digits not in event["raw"]


def test_a_cancelled_scan_stores_nothing(admin: Any) -> None:
    desk = make_desk(admin)
    svc = InventoryService(desk.ctx, desk.officer)
    control = JobControl()
    control.cancel()
    with pytest.raises(Cancelled):
        svc.scan(control)
    assert svc.last_scan() is None
