"""The engine on test data written by others (tests/data/redaction/, see its README):
Presidio's recognizer tests, python-stdnum's vectors, libphonenumber's example numbers and
Stripe's test cards. Each defect of issue 15 has a test here that takes its strings from
those files (SECURITY.md §7.1 cards, §7.2 SSN/ITIN, §7.3 IBAN; phones, IPs, e-mail)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from app.redaction.corpus import (
    LabelledSet,
    LabelledSetError,
    evaluate_set,
    load_labelled_set,
    parse_labelled_set,
    shipped_sets,
)
from app.redaction.engine import RedactionEngine
from app.redaction.rules import builtin_rules
from app.redaction.types import MaskStyle
from app.redaction.validators import ITIN_GROUPS, itin_ok

DATA = Path(__file__).resolve().parent / "data" / "redaction"
EXTERNAL = ("presidio.jsonl", "stdnum.jsonl", "libphonenumber.jsonl", "stripe_cards.jsonl")
# every built-in rule, the URL rule too (it ships switched off: see builtin.toml)
ENGINE = RedactionEngine([r.with_changes(enabled=True) for r in builtin_rules()])
PRECISION_FLOOR = 0.99
RECALL_FLOOR = {"PHONE_NUMBER": 0.97}  # else 0.99


@cache
def labelled(name: str) -> LabelledSet:
    return load_labelled_set(DATA / name)


def row(name: str, text: str) -> str:
    """`text`, after checking that it is a case of the external set `name` (so each
    test below uses the others' string, not one we made up)."""
    assert any(c.text == text for c in labelled(name).cases), f"{text!r} not in {name}"
    return text


def found(text: str) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in ENGINE.scan(text)]


@pytest.mark.parametrize("name", EXTERNAL)
def test_precision_and_recall_per_type_meet_the_floors_on_each_external_set(name: str) -> None:
    evaluation = evaluate_set(ENGINE.scan_many, labelled(name))
    assert evaluation.by_type, "the set scores at least one type"
    low = {
        t: (round(s.precision, 3), round(s.recall, 3))
        for t, s in evaluation.by_type.items()
        if s.precision < PRECISION_FLOOR or s.recall < RECALL_FLOOR.get(t, 0.99)
    }
    assert not low, (low, evaluation.misses[:10])


def test_itin_groups_50_to_65_are_itins_and_89_is_not() -> None:
    """SECURITY.md §7.2: ITIN groups 50–65, 70–88, 90–92, 94–99."""
    for text in ("911-53-1234", "911-64-1234", "911-70-1234"):
        assert found(row("presidio.jsonl", text)) == [("US_ITIN", text)]
    assert found(row("presidio.jsonl", "911-89-1234")) == []
    assert found(row("presidio.jsonl", "my tax id 911-89-1234")) == []
    assert found(row("stdnum.jsonl", "Taxpayer id 912-93-4567 on the form.")) == []
    expected = {*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)}
    assert {int(g) for g in ITIN_GROUPS} == expected
    assert [g for g in range(100) if itin_ok(f"911{g:02d}1234")] == sorted(expected)


@pytest.mark.parametrize(
    "number",
    ["+49 30 1234567", "+91 4155550132", "+30 21 0 1234567", "+39 06 678 4343"],
)
def test_international_phones_with_long_groups_and_italian_leading_zero(number: str) -> None:
    text = row(
        "presidio.jsonl",
        f"My US number is (415) 555-0132, and my international one is {number}",
    )
    assert found(text) == [("PHONE_NUMBER", "(415) 555-0132"), ("PHONE_NUMBER", number)]


def test_italian_and_german_example_numbers_keep_their_digits() -> None:
    for shown in ("+39 02 1234 5678", "+390212345678", "+49 30 123456", "+49 1512 3456789"):
        text = row("libphonenumber.jsonl", f"You can reach me on {shown} most days.")
        assert found(text) == [("PHONE_NUMBER", shown)]


@pytest.mark.parametrize(
    "text", ["::ffff:10.0.0.1", "64:ff9b::192.0.2.1", "Connect to ::ffff:10.0.0.1 now"]
)
def test_ipv6_with_an_embedded_ipv4_is_masked_whole(text: str) -> None:
    row("presidio.jsonl", text)
    ((etype, value),) = found(text)
    assert etype == "IP_ADDRESS" and value in ("::ffff:10.0.0.1", "64:ff9b::192.0.2.1")
    redacted = ENGINE.redact(text, MaskStyle.TOKEN)
    assert "[IP_ADDRESS]" in redacted
    assert not any(part in redacted for part in (".0.0.1", ".0.2.1", "ffff", "ff9b"))


def test_ibans_with_dashes_lower_case_or_outside_the_bank_tables() -> None:
    """SECURITY.md §7.3: country, length, BBAN pattern and MOD 97-10 make an IBAN."""
    dashed = row("presidio.jsonl", "Dash as iban separator: AL47-2121-1009-0000-0002-3569-8741")
    assert found(dashed) == [("IBAN_CODE", "AL47-2121-1009-0000-0002-3569-8741")]
    lower = row("stdnum.jsonl", "IBAN: de89 3704 0044 0532 0130 00.")
    assert found(lower) == [("IBAN_CODE", "de89 3704 0044 0532 0130 00")]
    greek = row("stdnum.jsonl", "Please transfer to GR16 0110 1250 0000 0001 2300 695 today.")
    lowered = greek.replace("GR16", "gr16")  # as typed in a ticket
    assert found(lowered) == [("IBAN_CODE", "gr16 0110 1250 0000 0001 2300 695")]
    assert found(row("presidio.jsonl", "BE68539007547034")) == [("IBAN_CODE", "BE68539007547034")]
    spanish = row("stdnum.jsonl", "Please transfer to ES2121000418450200051331 today.")
    assert found(spanish) == [("IBAN_CODE", "ES2121000418450200051331")]
    norwegian = row("stdnum.jsonl", "Please transfer to NO 44 1850.05.14562 today.")
    assert found(norwegian) == [("IBAN_CODE", "NO 44 1850.05.14562")]
    assert found(row("presidio.jsonl", "LV80 bANK 0000 4351 9500 1")) == []
    slashes = "Slash as iban separator: AL47/2121/1009/0000/0002/3569/8741"
    assert found(row("presidio.jsonl", slashes)) == []


def test_19_digit_cards_grouped_4_4_4_4_3_and_uatp_cards() -> None:
    """SECURITY.md §7.1: ISO/IEC 7812 PANs up to 19 digits."""
    for shown in ("6205 5000 0000 0000 004", "6205-5000-0000-0000-004", "6205500000000000004"):
        text = row("stripe_cards.jsonl", f"Card number {shown}, expiry 12/34.")
        assert found(text) == [("CREDIT_CARD", shown)]
    assert found(row("presidio.jsonl", "my credit card: 122000000000003")) == [
        ("CREDIT_CARD", "122000000000003")
    ]
    assert found(row("presidio.jsonl", "1748503543012")) == []  # a millisecond timestamp


def test_dotted_ssn_with_a_context_word_is_an_ssn_not_a_phone() -> None:
    """SECURITY.md §7.2."""
    value = row("presidio.jsonl", "078.05.1123")
    for text in (value, f"SSN {value}", f"my social security number is {value}"):
        assert found(text) == [("US_SSN", value)], text


def test_emails_with_punycode_domains_and_tlds() -> None:
    for text, value in (
        ("a@xn--d1acufc.xn--p1ai", "a@xn--d1acufc.xn--p1ai"),
        ("my email is user@xn--80ak6aa92e.com today", "user@xn--80ak6aa92e.com"),
    ):
        assert found(row("presidio.jsonl", text)) == [("EMAIL_ADDRESS", value)]


def test_every_deliberate_difference_from_presidio_says_why() -> None:
    lines = (DATA / "presidio.jsonl").read_text(encoding="utf-8").splitlines()[1:]
    differing = [json.loads(line) for line in lines if "presidio_expected" in line]
    assert len(differing) >= 10
    for case in differing:
        assert case["expected"] != case["presidio_expected"]
        assert "differs on purpose" in case["note"], case["text"]


@pytest.mark.parametrize("name", [*EXTERNAL, "negative/helpdesk_negative.jsonl"])
def test_each_set_names_its_source_and_licence(name: str) -> None:
    data = labelled(name)
    assert data.source and data.licence and data.types
    if name != "negative/helpdesk_negative.jsonl":
        for line in (DATA / name).read_text(encoding="utf-8").splitlines()[1:]:
            assert json.loads(line)["source"], line


def test_the_sets_shipped_with_the_app_are_the_test_data() -> None:
    """The GUI offers resources/redaction/testsets/; they must not drift from the tests'."""
    shipped = dict(shipped_sets())
    wanted = {Path(n).name: DATA / n for n in (*EXTERNAL, "negative/helpdesk_negative.jsonl")}
    assert set(shipped) == set(wanted)
    for file_name, path in wanted.items():
        assert shipped[file_name].read_bytes() == path.read_bytes(), file_name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b'{"text": "x", "expected": []}\n', "line 1: the first line must be the header"),
        (b'{"set": {"name": "n", "source": "s", "types": ["US_SSN"]}}\n', "'licence'"),
        (
            b'{"set": {"name": "n", "source": "s", "licence": "l", "types": ["US_SSN"]}}\n'
            b'{"text": "123-45-6789", "expected": [["US_SSN", 0, 99]]}\n',
            "line 2: field 'expected' item 1: span 0–99 is outside the text",
        ),
        (
            b'{"set": {"name": "n", "source": "s", "licence": "l", "types": ["US_SSN"]}}\n'
            b'{"text": "x", "expected": [["PERSON", 0, 1]]}\n',
            "line 2: field 'expected' item 1: type 'PERSON' is not scored here",
        ),
        (
            b'{"set": {"name": "n", "source": "s", "licence": "l", "types": ["US_SSN"]}}\n'
            b"\n{oops\n",
            "line 3: not valid JSON",
        ),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_bad_labelled_set_is_refused_naming_file_line_and_field(
    data: bytes, message: str
) -> None:
    with pytest.raises(LabelledSetError) as err:
        parse_labelled_set(data, source="mine.jsonl")
    assert str(err.value).startswith("mine.jsonl")
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)
