"""Display masking and DSAR third-party masking detect through the redaction engine.

The inputs below are not ours: they are taken from Microsoft Presidio's analyzer tests
(github.com/microsoft/presidio, presidio-analyzer/tests/test_credit_card_recognizer.py,
test_email_recognizer.py and test_phone_recognizer.py), with the spans Presidio expects.
The invalid numbers are the interesting ones: the interim regex detector masked any long
digit run, the engine's validators (Luhn, e-mail shape) leave them alone.
"""

from __future__ import annotations

import pytest

from app.dsar.masking import KnownPeople, Subject, mask_third_party
from app.masking import detector, find_spans, mask_text
from app.redaction.rules import builtin_rules

# Presidio test_credit_card_recognizer.py: valid test numbers of several brands and formats.
PRESIDIO_CARDS = [
    ("4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881", [(0, 16), (17, 36), (37, 56)]),
    ("371449635398431", [(0, 15)]),  # Amex
    ("5555555555554444", [(0, 16)]),  # Mastercard
    ("30569309025904", [(0, 14)]),  # Diners
    ("6011000400000000", [(0, 16)]),  # Discover
    ("4111111111111111", [(0, 16)]),  # Visa
]
# Presidio test_email_recognizer.py
PRESIDIO_EMAILS = [
    ("info@presidio.site", [(0, 18)]),
    ("my email is info@presidio.site", [(12, 30)]),
    (
        "try one of this emails: info@presidio.site or anotherinfo@presidio.site",
        [(24, 42), (46, 71)],
    ),
]
# Presidio test_phone_recognizer.py (US and international recognisers)
PRESIDIO_PHONES = [
    (
        "My US number is (415) 555-0132, and my international one is +1 415 555 0132",
        [(16, 30), (60, 75)],
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "spans"),
    [(t, "number", s) for t, s in PRESIDIO_CARDS]
    + [(t, "email", s) for t, s in PRESIDIO_EMAILS]
    + [(t, "phone", s) for t, s in PRESIDIO_PHONES],
)
def test_masking_finds_what_presidio_finds(
    text: str, kind: str, spans: list[tuple[int, int]]
) -> None:
    found = find_spans(text)
    assert [(s.start, s.end) for s in found] == spans
    assert {s.kind for s in found} == {kind}
    masked = mask_text(text)
    for start, end in spans:
        assert text[start:end] not in masked


@pytest.mark.parametrize(
    "text",
    [
        "my credit card number is 4012-8888-8888-1882",  # Presidio: fails Luhn, not a card
        "36168002586008",  # Presidio: invalid Diners number
        "the email is my email is info@presidio.",  # Presidio: no top-level domain
    ],
)
def test_what_presidio_rejects_stays_readable(text: str) -> None:
    assert find_spans(text) == []
    assert mask_text(text) == text


def test_masking_keeps_its_display_formats() -> None:
    assert mask_text("4012-8888-8888-1881") == "****-****-****-1881"
    assert mask_text("info@presidio.site") == "i***@p***.site"
    assert mask_text("(415) 555-0132") == "(***) ***-**32"


def test_the_engine_is_built_once_and_is_the_redaction_engine() -> None:
    engine = detector()
    assert engine is detector()
    assert {r.id for r in engine.rules} == {r.id for r in builtin_rules()}
    # The spans are exactly the engine's findings of the masked types.
    text = "card 4111 1111 1111 1111, mail info@presidio.site"
    findings = [(f.start, f.end) for f in engine.scan(text)]
    assert [(s.start, s.end) for s in find_spans(text)] == findings


def test_third_party_masking_uses_the_engine() -> None:
    subject = Subject(frozenset({"info@presidio.site"}), ("+1 415 555 0132",), frozenset())
    text = (
        "try one of this emails: info@presidio.site or anotherinfo@presidio.site; "
        "card 4012 8888 8888 1881, not 4012-8888-8888-1882; call +1 415 555 0132"
    )
    out, masked = mask_third_party(text, subject, KnownPeople(None))
    assert "info@presidio.site" in out and "+1 415 555 0132" in out  # the subject's own
    assert "anotherinfo" not in out and "a***@p***.site" in out
    assert "**** **** **** 1881" in out
    assert "4012-8888-8888-1882" in out  # fails Luhn: not a card, not masked
    assert masked == 2


# Presidio test_ip_recognizer.py (valid IPv4 and IPv6 with their spans); the AWS key is the
# documented example access key id of AWS's IAM user guide (AKIAIOSFODNN7EXAMPLE).
@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("microsoft.com 192.168.0.1", "microsoft.com ***.***.*.*"),
        (
            "microsoft.com 684D:1111:222:3333:4444:5555:6:77",
            "microsoft.com ****:****:***:****:****:****:*:**",
        ),
        ("the key AKIAIOSFODNN7EXAMPLE leaked", "the key [secret] leaked"),
    ],
)
def test_search_snippets_mask_ip_addresses_and_credentials(text: str, shown: str) -> None:
    """A snippet shows neither a customer's IP address nor an API key found in a ticket."""
    assert mask_text(text) == shown


def test_a_dsar_package_keeps_the_subjects_ip_but_never_a_credential() -> None:
    subject = Subject(frozenset({"info@presidio.site"}), (), frozenset())
    text = "login from 192.168.0.1 with AKIAIOSFODNN7EXAMPLE"
    out, masked = mask_third_party(text, subject, KnownPeople(None))
    assert out == "login from 192.168.0.1 with [secret]" and masked == 1
