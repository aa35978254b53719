"""What help-desk text is full of and is not personal data (tests/data/redaction/negative/,
formats from ISO 8601, USPS/UPS/FedEx, IEEE 802, RFC 9562 — see its README): dates, times,
log lines, versions, ranges, order/tracking/case numbers, MAC addresses, UUIDs, hex ids,
prices, and IBAN- or card-shaped numbers that fail their checks. History redaction is
irreversible (SECURITY.md §7: false-positive controls), so none of it may be found."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from app.redaction.corpus import evaluate_set, load_labelled_set
from app.redaction.engine import RedactionEngine
from app.redaction.rules import builtin_rules

DATA = Path(__file__).resolve().parent / "data" / "redaction"
NEGATIVE = DATA / "negative" / "helpdesk_negative.jsonl"
ENGINE = RedactionEngine([r.with_changes(enabled=True) for r in builtin_rules()])


def rows(category: str) -> list[str]:
    lines = NEGATIVE.read_text(encoding="utf-8").splitlines()[1:]
    texts = [c["text"] for c in map(json.loads, lines) if c["category"] == category]
    assert texts, category
    return texts


def findings(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in ENGINE.scan(text)]


def test_the_negative_corpus_yields_no_finding_of_any_type() -> None:
    labelled = load_labelled_set(NEGATIVE)
    assert len(labelled.cases) >= 300
    evaluation = evaluate_set(ENGINE.scan_many, labelled)
    false_positives = Counter(m.entity_type for m in evaluation.misses if m.kind == "fp")
    assert not false_positives, (false_positives, evaluation.misses[:10])
    assert all(s.precision == 1.0 for s in evaluation.by_type.values())


@pytest.mark.parametrize("category", ["date", "time", "version", "range", "log", "context"])
def test_dates_times_versions_and_ranges_are_never_phones(category: str) -> None:
    for text in rows(category):
        assert findings(text) == [], text


def test_a_date_beside_a_real_phone_number_leaves_only_the_phone() -> None:
    phones = load_labelled_set(DATA / "libphonenumber.jsonl").cases[:40]
    for date_text, phone in zip(rows("date"), phones, strict=False):
        label = phone.labels[0]
        number = phone.text[label.start : label.end]
        text = f"{date_text} Call {number}."
        assert findings(text) == [("PHONE_NUMBER", number)], text


def test_digit_groups_inside_longer_runs_are_neither_cards_nor_phones() -> None:
    """22-digit tracking numbers in groups of 4 whose first 16 digits pass Luhn, 16-digit
    order numbers in groups of 4, 12-digit tracking numbers: one part of a longer run."""
    luhn_prefixed = [t for t in rows("tracking") if "(22 digits)" in t]
    assert len(luhn_prefixed) >= 5
    for category in ("tracking", "order", "case"):
        for text in rows(category):
            assert findings(text) == [], text


@pytest.mark.parametrize("category", ["iban_shape", "card_shape", "ssn_shape"])
def test_shapes_that_fail_their_checks_are_not_found(category: str) -> None:
    for text in rows(category):
        assert findings(text) == [], text


@pytest.mark.parametrize("category", ["mac", "hex", "price", "dotted"])
def test_mac_addresses_uuids_hex_ids_prices_and_file_names(category: str) -> None:
    for text in rows(category):
        assert findings(text) == [], text


def test_two_cards_one_space_apart_are_two_cards_not_one_run() -> None:
    text = "4242 4242 4242 4242 5555 5555 5555 4444"  # Stripe test cards
    assert findings(text) == [
        ("CREDIT_CARD", "4242 4242 4242 4242"),
        ("CREDIT_CARD", "5555 5555 5555 4444"),
    ]
