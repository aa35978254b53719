"""The fast scanner finds exactly what the previous one did (SECURITY.md §7), and the
offline redaction commands start without the workspace stack (issue 15, speed part).

`tests/redaction_reference.py` is the scanner as it was before the speed work (main at
0b1784c, verbatim): every text below is scanned by both, with the same rules, and the
findings — span, type, rule, score, reason — must be identical. Speed itself is measured
in tests/bench/bench_redaction.py, never asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from app.cli.commands import leading_words, module_of
from app.demodata import generate
from app.redaction import RedactionEngine, Rule, builtin_rules
from app.redaction.corpus import load_demo_cases
from app.redaction.scanner import RETRY_WINDOW, Scanner
from app.redaction.types import Finding
from tests.redaction_reference import Scanner as ReferenceScanner

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT / "tests" / "data" / "redaction"

# Texts written to reach the scanner's less common paths: overlapping candidates of
# rules with different scores, rejected candidates followed by accepted ones, findings
# after multi-byte characters, a finding far past the retry window, back-to-back values.
EDGE_TEXTS = [
    "",
    "4111 1111 1111 1111",
    "card 4111 1111 1111 1111 and 4111 1111 1111 1112 then 5555-5555-5555-4444.",
    "IBAN DE89 3704 0044 0532 0130 00 1234, DE89 3704 0044 0532 0130 01",
    "FR76 3000 3036 2058 8069 5862 640. call +44 20 7946 0123 4111 1111 1111 1111",
    "Zoë: 536-22-1234, Ærø +33 1 99 00 12 34 — ünïcödé zoë.ångström@exämple.de",
    "SSN: 536221234 ssn 078051120 order 536221234 ITIN 912-70-1234",
    "ts=1764240000000 2026-11-27T12:00:00.123+00:00 123e4567-e89b-12d3-a456-426614174000",
    "from 203.0.113.7 to 2001:db8::1 and 999.1.1.1 and 1.2.3.4.5 fe80::1ff:fe23:4567:890a",
    "password: Tr0ub4dor&3 pwd=s3cr3t!x key AKIAIOSFODNN7EXAMPLE "
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "john.doe@example.com,jane@example.org;+14155550132(415) 555-0123 020 7946 0123",
    "x" * (RETRY_WINDOW + 50) + " 4111 1111 1111 1111 " + "é" * 3000 + " +44 20 7946 0123",
    "é4111111111111111 é+44 20 7946 0123 ü536-22-1234",
    "a@b.co" * 40,
    "1234 5678 9012 3456 7890 4111 1111 1111 1111 0491 570 156 030 23125 123",
]


def _findings(scanner: Scanner | ReferenceScanner, texts: Sequence[str]) -> list[list[Finding]]:
    out: list[list[Finding]] = []
    for i in range(0, len(texts), 500):
        out += scanner.scan_many(texts[i : i + 500])
    return out


def _external_texts() -> list[str]:
    """Every text of the external and negative sets (tests/data/redaction/**/*.jsonl)."""
    from app.redaction.corpus import load_labelled_set

    paths = sorted(EXTERNAL.rglob("*.jsonl")) if EXTERNAL.is_dir() else []
    return [c.text for path in paths for c in load_labelled_set(path).cases]


def _example_texts(rules: Sequence[Rule]) -> list[str]:
    return [t for r in rules for t in (*r.must_match, *r.must_not_match)]


@pytest.fixture(scope="module")
def demo_texts(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("demo") / "export"
    generate(folder, tickets=1500)
    return [c.text for c in load_demo_cases(folder)]


def _assert_same(rules: Sequence[Rule], texts: Sequence[str]) -> int:
    new, old = _findings(Scanner(rules), texts), _findings(ReferenceScanner(rules), texts)
    for text, a, b in zip(texts, new, old, strict=True):
        assert a == b, f"findings differ on {text[:120]!r}"
    # one call per text (no batch) gives the same answer as the batches
    single = Scanner(rules)
    for text, a in zip(texts[:300], new, strict=False):
        assert single.scan(text) == a
    return sum(len(f) for f in new)


def test_sec7_fast_scanner_equals_reference_on_demo_corpus(demo_texts: list[str]) -> None:
    found = _assert_same(builtin_rules(), demo_texts)
    assert found > 1000  # (the corpus does plant entities)


def test_sec7_fast_scanner_equals_reference_on_examples_and_edge_texts() -> None:
    rules = builtin_rules()
    _assert_same(rules, [*EDGE_TEXTS, *_example_texts(rules)])


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason="tests/data/redaction not present yet")
def test_sec7_fast_scanner_equals_reference_on_external_sets() -> None:
    texts = _external_texts()
    assert texts
    _assert_same(builtin_rules(), texts)


def test_sec7_fast_scanner_equals_reference_with_custom_and_end_anchored_rules(
    demo_texts: list[str],
) -> None:
    """A custom rule with context words, one ending in `$` (the shortcut is off for such
    rule sets) and a literal list behave as before too."""
    extra = [
        Rule(id="order", entity_type="ORDER_ID", pattern=r"\bAS-\d{4}-\d{6}\b", score=0.9),
        Rule(
            id="tail",
            entity_type="TAIL",
            pattern=r"\d{3}$",
            context=["order"],
            context_required=True,
            score=0.95,
        ),
        Rule(id="names", entity_type="PERSON", pattern=r"Zoë|Jane Doe", ignore_case=True),
    ]
    texts = [*demo_texts[:2000], *EDGE_TEXTS, "see order 123", "order AS-2025-123456 ok"]
    _assert_same([*builtin_rules(), *extra], texts)
    _assert_same(extra, texts)


# --- the offline commands' start-up path ----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["redact", "text"], "redaction"),
        (["--json", "redact", "text", "--style", "token"], "redaction"),
        (["-w", "/tmp/ws", "redact", "scan", "--jsonl", "-"], "redaction"),
        (["--workspace=/tmp/ws", "rules", "test"], "redaction"),
        (["review", "text"], "review"),
        (["--help", "redact", "text"], None),
        (["bogus"], None),
        ([], None),
    ],
)
def test_a_command_line_names_the_one_group_it_loads(argv: list[str], module: str | None) -> None:
    words = leading_words(argv, 1)
    assert (module_of(words[0]) if words else None) == module


PROBE = """
import io, json, sys
sys.stdin = io.StringIO(sys.argv[2])
from app.cli.entry import main
code = main(json.loads(sys.argv[1]))
heavy = sorted(
    m for m in sys.modules
    if m.split(".")[0] in ("sqlalchemy", "PySide6", "sqlcipher3", "keyring", "argon2")
    or m in ("app.workspace", "app.context", "app.db", "app.security.auth", "models")
)
sys.stderr.write(json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["redact", "text"], "card 4111 1111 1111 1111, call +44 20 7946 0123"),
        (["--json", "redact", "scan", "--jsonl", "-"], '{"id": 1, "text": "536-22-1234"}\n'),
        (["rules", "test"], ""),
    ],
)
def test_offline_redaction_commands_import_no_workspace_sqlalchemy_or_qt(
    argv: list[str], stdin: str
) -> None:
    """`redact text`, `redact scan` and `rules test` run without loading SQLAlchemy, Qt,
    the keyring or the workspace modules (what made their start-up slow)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), stdin],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert report["heavy"] == []
    assert done.stdout  # the command did its work


def test_full_parser_still_serves_every_other_command(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.entry import main

    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    for group in ("redact", "rules", "review", "workspace", "audit"):
        assert group in listing
    assert main(["redact", "text", "--help"]) == 0
    assert "--style" in capsys.readouterr().out


@pytest.mark.parametrize(
    "ident", [7, -3, True, 10**20, "t-1", 'quo"te é', 1.5, None, {"a": [1, "b"]}]
)
def test_scan_output_line_is_the_json_it_replaces(ident: object) -> None:
    from app.cli.redaction import _scan_line

    found = Scanner(builtin_rules()).scan("card 4111 1111 1111 1111 or +44 20 7946 0123, é")
    assert len(found) == 2
    for findings in (found, []):
        line = _scan_line(ident, findings)
        assert line == json.dumps({"id": ident, "findings": [f.to_json() for f in findings]}) + "\n"


def test_sec7_1_luhn_fast_path_agrees_with_python_stdnum() -> None:
    """The Luhn sum done in C (validators.luhn_ok) gives python-stdnum's answer."""
    import random

    from stdnum import luhn

    from app.redaction.validators import luhn_ok

    rng = random.Random(15)
    numbers = ["".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19)))]
    numbers += ["".join(rng.choice("0123456789") for _ in range(n % 19 + 1)) for n in range(5000)]
    numbers += ["4111111111111111", "4111111111111112", "378282246310005", "0", "00"]
    for number in numbers:
        assert luhn_ok(number) == luhn.is_valid(number), number


# --- fewer candidates: the patterns reject what the validators always would --------------


def _rule(rule_id: str) -> Rule:
    return next(r for r in builtin_rules() if r.id == rule_id)


def test_sec7_1_card_pattern_admits_every_brand_prefix_and_length_the_validator_takes() -> None:
    """The card pattern starts only with a brand's leading digits (UATP's 1 only at 15
    digits), so a `ts=1764240000000` timestamp is no candidate; yet every prefix and
    length `card_brand` accepts still matches, contiguous and in 4-4-4-4 groups."""
    import re2

    from app.redaction.validators import card_brand

    program = re2.compile(_rule("credit_card").pattern)
    for length in range(12, 20):
        for prefix in range(10_000):
            for fill in "09":
                pan = f"{prefix:04d}".ljust(length, fill)
                if card_brand(pan) is None:
                    continue
                assert program.fullmatch(pan), pan
                if length == 16:
                    grouped = " ".join(pan[i : i + 4] for i in range(0, 16, 4))
                    assert program.fullmatch(grouped), grouped
    for text in ("ts=1764240000000", "1234 5678 9012 3456", "7012345678901234", "0012345678901"):
        assert program.search(text) is None, text


def test_international_phone_pattern_skips_plus_zero_which_is_no_country_code() -> None:
    """`+00:00` (a UTC offset) is no candidate: a country code is never all zeros. A
    number with the 00 exit code typed after the + (`+001 415 …`) is found as before."""
    import re2

    program = re2.compile(_rule("phone_international").pattern)
    for text in ("2026-11-27T12:00:00.123+00:00", "+0 ", "+000-1"):
        assert program.search(text) is None, text
    engine = RedactionEngine(builtin_rules())
    for text in ("+001 415 555 0132", "+01 415 555 0132", "+44 20 7946 0123"):
        assert [f.entity_type for f in engine.scan(text)] == ["PHONE_NUMBER"], text


def test_iban_pattern_lists_exactly_the_registry_countries_in_either_case() -> None:
    """The IBAN pattern starts only with a country of python-stdnum's IBAN registry (a
    tracking number `RR780935930GB` or `CA 94105 before …` is no candidate). A registry
    that gains a country fails this test, so the list in builtin.toml is kept in step."""
    import string

    import re2

    from app.redaction.validators import iban_length

    program = re2.compile(_rule("iban").pattern)
    for a in string.ascii_uppercase:
        for b in string.ascii_uppercase:
            registered = iban_length(a + b) is not None
            for code in (a + b, (a + b).lower()):
                text = f"{code}12 3456 7890 1234 56" if code.isupper() else f"{code}12345678901234"
                assert (program.fullmatch(text) is not None) is registered, code
    assert program.search("tracking RR780935930GB shows") is None


# --- cheaper checks per candidate: each gives the answer of the form it replaces ---------


def test_identifier_words_read_backwards_agree_with_the_forward_pattern() -> None:
    """`introduced_as_identifier` matches `_ID_BEFORE` reversed at the end of the text
    instead of searching from every start: the same verdict on generated text built from
    its words, suffixes, separators, case changes, newlines and non-ASCII letters."""
    import random

    from app.redaction import shapes

    rng = random.Random(15)
    words = shapes._ID_WORDS.split("|")
    tokens = [
        *words,
        *(w.upper() for w in words[:20]),
        "no.", "nr", "number", "numbers", "num", "#", "id", "code", "is", "was", "reads",
        " ", "  ", "\n", "\t", ":", "=", ".", "-", "/", "x", "1", "a", "\u212a", "é", "ſ", "O",
    ]  # fmt: skip
    for _ in range(60_000):
        text = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 7)))
        expected = shapes._ID_BEFORE.search(text) is not None
        assert shapes.introduced_as_identifier(text) is expected, repr(text)


def test_digit_helpers_agree_with_their_regex_and_set_forms() -> None:
    import random

    from app.redaction.verdict import _NON_DIGITS, digits_of, non_digits

    rng = random.Random(15)
    alphabet = "0123456789 -.()+/x:٣۴²é\n"
    for _ in range(30_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert digits_of(value) == _NON_DIGITS.sub("", value), repr(value)
        assert non_digits(value) == {c for c in value if not c.isdigit()}, repr(value)


def test_backwards_look_behind_checks_agree_with_the_patterns_they_replace() -> None:
    """The phone and card validators' `$`-anchored checks of the text before a candidate
    (a hyphenated id or UUID, an ISO date, an IBAN's tail, a run of digits or a date)
    are matched on the reversed text: the same answers on generated text."""
    import random

    from app.redaction import phones, shapes, validators

    rng = random.Random(15)
    tokens = [
        "DE89", "GB82", "3704", "0044", "WEST", "1234", "12", "2026-11-27", "06/13/",
        "a3f9", "ab", "Z", "T", " ", "-", ".", "/", ":", "\n", "x", "é", "٣", "1", "99",
    ]  # fmt: skip
    pairs = [
        (
            shapes.REVERSED_PHONE_BEFORE,
            (phones._HYPHEN_ID_BEFORE, phones._ISO_BEFORE, phones._IBAN_BEFORE),
        ),
        (
            shapes.REVERSED_CARD_BEFORE,
            (validators._UUID_BEFORE, validators._IBAN_BEFORE, validators._ISO_BEFORE),
        ),
        (shapes.REVERSED_CHAIN_BEFORE, (phones._CHAIN_BEFORE, shapes._TIME_BEFORE)),
    ]
    hits = [0, 0, 0]
    for _ in range(40_000):
        text = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 8)))
        for i, (backwards, forwards) in enumerate(pairs):
            expected = any(p.search(text) for p in forwards)
            assert (backwards.match(text[::-1]) is not None) is expected, (i, repr(text))
            hits[i] += expected
    assert min(hits) > 1000  # (the generated text does reach every pattern)
