"""Redaction engine: detectors (including Presidio's known false positives), rules,
overlaps, masking, batch scanning, and properties that must hold for any text."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.redaction import MaskStyle, RedactionEngine, Rule, RuleError, builtin_rules
from app.redaction.examples import run_examples
from app.redaction.rules import dump_rules, load_rules_text, pattern_error

ENGINE = RedactionEngine(builtin_rules(), key=b"k" * 32)


def types_in(text: str, engine: RedactionEngine = ENGINE) -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in engine.scan(text)]


def test_every_builtin_rule_passes_its_own_examples() -> None:
    failed = [r for r in run_examples(builtin_rules()) if not r.passed]
    assert failed == []


@pytest.mark.parametrize(
    "text",
    [
        "ts=1764240000000 in the log",  # 13-digit epoch milliseconds
        "at 2026-11-27T12:00:00.123+00:00",  # ISO timestamp
        "ref 4111-1111-1111-1111-abcd-ef0123456789",  # UUID-shaped id
        "IBAN DE89 3704 0044 0532 0130 00",  # its inner groups are no card
        "call +4111111111111111",  # '+' means a phone number
        "4111 1111 1111 1112",  # Luhn fails
        "4444 4444 4444 4444",  # all one digit
        "4111-1111 1111-1111",  # inconsistent separators
        "tracking 9400123456789012345678",  # USPS, too long
    ],
)
def test_not_a_card(text: str) -> None:
    assert "CREDIT_CARD" not in {t for t, _ in types_in(text)}


@pytest.mark.parametrize(
    "value",
    ["2221000000000009", "2720577463706434", "4081836584929414653", "3782 822463 10005"],
)
def test_mastercard_2_series_19_digit_and_amex_are_cards(value: str) -> None:
    assert types_in(f"card {value}.") == [("CREDIT_CARD", value)]


def test_ssn_rules_advertising_numbers_and_itin() -> None:
    assert types_in("SSN 536-22-1234") == [("US_SSN", "536-22-1234")]
    for bad in ("078-05-1120", "219-09-9999", "457-55-5462", "000-12-3456", "666-01-2345"):
        assert types_in(f"SSN {bad}") == []
    assert types_in("ITIN 912-70-1234") == [("US_ITIN", "912-70-1234")]
    assert types_in("number 912-12-1234") == []  # 9xx outside the ITIN groups
    assert types_in("order 536221234") == []  # undashed needs a context word
    assert types_in("my SSN: 536221234") == [("US_SSN", "536221234")]


def test_iban_needs_registry_length_and_mod97() -> None:
    assert types_in("to GB82WEST12345698765432.") == [("IBAN_CODE", "GB82WEST12345698765432")]
    assert types_in("DE88 3704 0044 0532 0130 00") == []  # check digits wrong
    # the pattern runs on into the next number group; cut at the registry length
    assert types_in("DE89 3704 0044 0532 0130 00 1234")[0] == (
        "IBAN_CODE",
        "DE89 3704 0044 0532 0130 00",
    )


def test_phones_ips_secrets_and_passwords() -> None:
    found = types_in(
        "Call (415) 555-0123 or +44 20 7946 0123 from 203.0.113.7 / 2001:db8::1, "
        "key AKIAIOSFODNN7EXAMPLE, password: Tr0ub4dor&3"
    )
    assert found == [
        ("PHONE_NUMBER", "(415) 555-0123"),
        ("PHONE_NUMBER", "+44 20 7946 0123"),
        ("IP_ADDRESS", "203.0.113.7"),
        ("IP_ADDRESS", "2001:db8::1"),
        ("API_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("PASSWORD", "Tr0ub4dor&3"),
    ]
    assert types_in("order AS-2025-123456 at 12:30:45, version 2.10.1") == []


def test_known_people_are_literals_with_unicode_word_boundaries() -> None:
    engine = RedactionEngine(builtin_rules(), people=["Zoë Ångström", "Anna Smith"])
    assert types_in("Thanks, Zoë  Ångström!", engine) == [("PERSON", "Zoë  Ångström")]
    assert types_in("AnnaSmith and Joanna Smithers", engine) == []


def test_overlaps_higher_score_wins_then_rejected_candidates_fall_through() -> None:
    strong = Rule(id="emp", entity_type="EMPLOYEE_ID", pattern=r"\b\d{9}\b", score=0.9)
    engine = RedactionEngine([*builtin_rules(), strong])
    assert types_in("ssn 536221234", engine) == [("EMPLOYEE_ID", "536221234")]
    weak = strong.with_changes(score=0.3)
    engine = RedactionEngine([*builtin_rules(), weak])
    assert types_in("ssn 536221234", engine) == [("US_SSN", "536221234")]
    # SSN rejects (no context) → the weaker rule still gets its chance at that position
    assert types_in("ref 536221234", engine) == [("EMPLOYEE_ID", "536221234")]


def _rule(rule_id: str, pattern: str, score: float) -> Rule:
    return Rule(id=rule_id, entity_type=rule_id.upper(), pattern=pattern, score=score)


def test_overlaps_a_later_starting_higher_score_span_beats_an_earlier_one() -> None:
    weak, strong = _rule("weak", r"abc\d+", 0.5), _rule("strong", r"\d+xyz", 0.9)
    engine = RedactionEngine([weak, strong])
    assert types_in("see abc123xyz now", engine) == [("STRONG", "123xyz")]
    # the loser keeps what does not overlap the winner; other texts are unaffected
    assert types_in("abc123xyz, abc9", engine) == [("STRONG", "123xyz"), ("WEAK", "abc9")]
    assert engine.scan_many(["abc123xyz", "abc1"]) == [
        engine.scan("abc123xyz"),
        engine.scan("abc1"),
    ]
    # a chain: the middle span wins, so neither neighbour it overlaps survives
    tail = _rule("tail", r"xyz \w+", 0.7)
    engine = RedactionEngine([weak, strong, tail])
    assert types_in("abc123xyz qq abc1", engine) == [("STRONG", "123xyz"), ("WEAK", "abc1")]


def test_overlaps_equal_score_the_longer_span_wins() -> None:
    short, long = _rule("short", r"abc\d", 0.8), _rule("long", r"\d+xyz", 0.8)
    assert types_in("abc123xyz", RedactionEngine([short, long])) == [("LONG", "123xyz")]
    assert types_in("abc123xyz", RedactionEngine([long, short])) == [("LONG", "123xyz")]
    head, tail = _rule("head", r"abc\d+", 0.8), _rule("tail", r"\dxyz", 0.8)
    assert types_in("abc123xyz", RedactionEngine([tail, head])) == [("HEAD", "abc123")]
    # at the same start too (before: the first rule in the list took it)
    three, five = _rule("three", r"\d{3}", 0.8), _rule("five", r"\d{3}-\d{2}", 0.8)
    assert types_in("x 123-45 y", RedactionEngine([three, five])) == [("FIVE", "123-45")]


def test_overlaps_equal_score_and_length_the_earlier_declared_rule_wins() -> None:
    ab, bc = _rule("ab", "ab", 0.8), _rule("bc", "bc", 0.8)
    assert types_in("abc", RedactionEngine([ab, bc])) == [("AB", "ab")]
    assert types_in("abc", RedactionEngine([bc, ab])) == [("BC", "bc")]
    same_start = _rule("ab2", "a[a-z]", 0.8)
    assert types_in("abc", RedactionEngine([same_start, ab])) == [("AB2", "ab")]
    assert types_in("abc", RedactionEngine([ab, same_start])) == [("AB", "ab")]


def test_overlap_results_depend_on_rule_order_only_through_the_tie_break() -> None:
    rules = [
        _rule("weak", r"abc\d+", 0.5),
        _rule("strong", r"\d+xyz", 0.9),
        _rule("tail", r"xyz \w+", 0.7),
        _rule("digits", r"\d{2,}", 0.6),
        Rule(id="ctx", entity_type="CTX", pattern=r"\d+", score=0.55, context=("ref",)),
    ]
    texts = ["abc123xyz qq abc1 ref 77", "ref 12xyz abc45 xyz 9", "12 abc3xyz tail"]
    expected = RedactionEngine(rules).scan_many(texts)
    for permutation in itertools.permutations(rules):
        assert RedactionEngine(list(permutation)).scan_many(texts) == expected
    # and the same as resolving every rule's matches greedily, one rule at a time
    for text, found in zip(texts, expected, strict=True):
        assert [(f.start, f.end, f.rule_id) for f in found] == _greedy(rules, text)


def _greedy(rules: list[Rule], text: str) -> list[tuple[int, int, str]]:
    """Reference: every rule's own (non-overlapping) matches, context boosts applied,
    then kept greedily by (−score, −length, declared order, start)."""
    candidates = []
    for index, rule in enumerate(rules):
        for m in re.finditer(rule.pattern, text):
            score = rule.score
            before = text[max(0, m.start() - rule.context_window) : m.start()].lower()
            if any(re.search(rf"(?<![a-z0-9]){w}(?![a-z0-9])", before) for w in rule.context):
                score = min(1.0, score + rule.context_boost)
            rank = (-round(score, 3), m.start() - m.end(), index, m.start())
            candidates.append((rank, m.start(), m.end(), rule.id))
    kept: list[tuple[int, int, str]] = []
    for _, start, end, rule_id in sorted(candidates):
        if all(end <= k[0] or start >= k[1] for k in kept):
            kept.append((start, end, rule_id))
    return sorted(kept)


def test_allow_list_and_context_required() -> None:
    rule = Rule(
        id="ticket_ref",
        entity_type="REF",
        pattern=r"\bREF-\d{4}\b",
        allow=("REF-0000",),
        allow_patterns=(r"REF-9\d{3}",),
    )
    engine = RedactionEngine([rule])
    assert [v for _, v in types_in("REF-1234 REF-0000 REF-9123", engine)] == ["REF-1234"]


def test_re2_syntax_errors_point_at_the_position() -> None:
    message, pos = pattern_error(r"\d+(?<=7)") or ("", -1)
    assert pos == 3 and "position 4" in message and "look-behind" in message
    with pytest.raises(RuleError, match="back-references"):
        RedactionEngine([Rule(id="x", entity_type="XX", pattern=r"(a)\1")])
    with pytest.raises(RuleError, match="empty string"):
        RedactionEngine([Rule(id="x", entity_type="XX", pattern=r"a*")])


def test_a_catastrophic_pattern_cannot_hang_the_scan() -> None:
    engine = RedactionEngine([Rule(id="evil", entity_type="XX", pattern=r"(a+)+b")])
    # RE2 runs in linear time, so this returns at all (backtracking `re` would not finish);
    # the time it takes is measured in tests/bench/bench_redaction.py.
    assert engine.scan("a" * 200_000) == []


def test_mask_styles() -> None:
    text = "card 4111 1111 1111 1111, mail Ann@Example.com"
    assert ENGINE.redact(text, MaskStyle.LAST4).startswith("card **** **** **** 1111,")
    assert ENGINE.redact(text, MaskStyle.TOKEN) == "card [CREDIT_CARD], mail [EMAIL_ADDRESS]"
    assert "4111" not in ENGINE.redact(text, MaskStyle.BLOCK)
    one = ENGINE.redact("mail ann@example.com", MaskStyle.PSEUDONYM)
    assert one == ENGINE.redact("mail ANN@example.com", MaskStyle.PSEUDONYM)
    assert one.startswith("mail [EMAIL_ADDRESS:") and len(one) == len("mail [EMAIL_ADDRESS:") + 7
    other_key = RedactionEngine(builtin_rules(), key=b"x" * 32)
    assert other_key.redact("mail ann@example.com", MaskStyle.PSEUDONYM) != one


def test_batch_scan_maps_offsets_back_to_each_text() -> None:
    texts = ["Zoë: 4111 1111 1111 1111", "", "naïve ☃ a.b@example.com", "nothing here"]
    assert ENGINE.scan_many(texts) == [ENGINE.scan(t) for t in texts]
    found = ENGINE.scan_many(texts)
    assert texts[2][found[2][0].start : found[2][0].end] == "a.b@example.com"


def test_rules_round_trip_through_toml() -> None:
    rules = builtin_rules()
    again = load_rules_text(dump_rules(rules), source="x.toml", builtin=True)
    assert again == rules
    with pytest.raises(RuleError, match=r"x.toml: rule #1 \('a'\): unknown field 'colour'"):
        load_rules_text('[[rule]]\nid="a"\ntype="X"\npattern="x"\ncolour=1\n', source="x.toml")


PII = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "536-22-1234",
        "DE89 3704 0044 0532 0130 00",
        "john.doe@example.com",
        "+44 20 7946 0123",
        "(415) 555-0123",
        "10.0.0.1",
        "912-70-1234",
    ]
)
FILLER = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(PII, FILLER), max_size=8).map(" ".join))
def test_offsets_slice_the_input_and_redaction_removes_every_value(text: str) -> None:
    findings = ENGINE.scan(text)
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
    for style in (MaskStyle.TOKEN, MaskStyle.PSEUDONYM, MaskStyle.BLOCK):
        redacted = ENGINE.redact(text, style)
        for f in findings:
            assert text[f.start : f.end] not in redacted


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["DE", "GB", "FR", "ES", "NL", "BE", "IT", "XX", "de"]),
    st.text("0123456789ABCXYZ -", min_size=8, max_size=30),
    st.text("0123456789١", min_size=8, max_size=10),
)
def test_inlined_stdnum_checks_agree_with_stdnum(country: str, body: str, digits: str) -> None:
    from stdnum import iban
    from stdnum.us import ssn

    from app.redaction.validators import _iban_ok, _mod97_fails, _ssn_ok

    compact = body.replace(" ", "")
    tail = compact + country.upper() + "00"
    if tail.isascii() and tail.isalnum():  # the real check digits too, so some pass
        value = int(tail.translate({c: str(c - 55) for c in range(65, 91)})) % 97
        compact = f"{country}{98 - value:02d}{compact}"
    else:
        compact = f"{country}00{compact}"
    if not _mod97_fails(compact):
        assert _iban_ok(compact) == iban.is_valid(compact, check_country=False)
    assert _ssn_ok(digits) == ssn.is_valid(digits)
    for known in ("078051120", "457555462", "536221234", "000121234", "666121234"):
        assert _ssn_ok(known) == ssn.is_valid(known)


def test_validators_fall_back_to_public_stdnum(monkeypatch) -> None:
    """If a python-stdnum release drops the private names the fast path uses, the public
    functions decide and the verdicts stay the same."""
    from app.redaction import validators as v

    samples_ssn = ["536221234", "078051120", "666121234", "123450000", "219099999"]
    # _iban_ok sees only candidates whose MOD 97-10 check already passed.
    samples_iban = ["GB82WEST12345698765432", "DE89370400440532013000", "NL91ABNA0417164300"]
    fast = [v._ssn_ok(n) for n in samples_ssn] + [v._iban_ok(n) for n in samples_iban]
    monkeypatch.setattr(v, "_FAST_STDNUM", False)
    slow = [v._ssn_ok(n) for n in samples_ssn] + [v._iban_ok(n) for n in samples_iban]
    assert fast == slow
    assert fast[0] is True and fast[1] is False and all(fast[5:])
