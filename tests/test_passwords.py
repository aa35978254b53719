"""Password policy and argon2id storage: AUTH-1, AUTH-2, AUTH-3, AUTH-4, AUTH-6."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files

import pytest
from argon2 import PasswordHasher

from app.context import AppContext
from app.security.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PRODUCTION_PARAMS,
    Argon2idHasher,
    PasswordRejected,
    check_password,
)

# The hashing tests are about the production cost: opt out of the suite's cheap hasher.
pytestmark = pytest.mark.real_hasher

USER = "jsmith"
GOOD = "plum lantern orbit 42"
# Eight distinct emoji: 8 code points, but 32 UTF-8 bytes and 16 UTF-16 code units.
EMOJI8 = "🔒🐙🌵🎲🚲🍋🎈🧭"


def rejection(password: str, *, username: str = USER, context_words: Iterable[str] = ()) -> str:
    with pytest.raises(PasswordRejected) as info:
        check_password(password, username=username, context_words=context_words)
    return info.value.reason


@pytest.fixture(scope="module")
def hasher() -> Argon2idHasher:
    return Argon2idHasher()


@pytest.fixture(scope="module")
def stored(hasher: Argon2idHasher) -> str:
    """One hash of GOOD shared by the tests, because each argon2id hash costs ~0.1 s."""
    return hasher.hash(GOOD)


# --- AUTH-1: length, character set, no composition rules -------------------------------------


def test_min_length_is_8_with_mfa() -> None:
    """AUTH-1: 7 characters are refused with a reason; 8 are accepted."""
    reason = rejection("tz9#vkq")
    assert "at least 8" in reason
    check_password("tz9#vkqm", username=USER)
    assert MIN_LENGTH == 8


@pytest.mark.parametrize("length", [64, 256, MAX_LENGTH])
def test_long_passphrases_are_accepted(length: int) -> None:
    """AUTH-1: at least 64 and 256 characters are permitted."""
    words = "blue kettle margin sorrow tundra 17 "
    check_password((words * 40)[:length], username=USER)


def test_over_max_length_is_refused() -> None:
    """AUTH-1: an absurd length is refused with the limit in the message."""
    assert str(MAX_LENGTH) in rejection("blue kettle margin " * 60)


def test_spaces_and_emoji_are_accepted_and_counted_by_code_point() -> None:
    """AUTH-1: spaces and emoji are fine; each emoji counts as one character."""
    check_password(GOOD, username=USER)
    check_password(EMOJI8, username=USER)
    assert "at least" in rejection(EMOJI8[:7])


def test_fifteen_padlocks_count_as_fifteen_characters() -> None:
    """AUTH-1: "🔒"*15 is long enough; it is refused only because it is one repeated symbol."""
    reason = rejection("🔒" * 15)
    assert "at least" not in reason
    assert "repeated" in reason


def test_length_is_counted_after_nfkc() -> None:
    """AUTH-1: combining accents fold into one character, so 'é' typed two ways counts once."""
    decomposed = "ve\u0301lo" + "e\u0301" + "x7"  # 8 code points raw, 6 after NFKC
    assert "at least" in rejection(decomposed)


@pytest.mark.parametrize(
    "password",
    ["alllowercaseletters words", "ALLUPPERCASE PHRASE", "1938475620193847", "nodigitsnosymbols"],
)
def test_no_composition_rules(password: str) -> None:
    """AUTH-1: no demand for upper case, digits or symbols, ever."""
    check_password(password, username=USER)


# --- AUTH-2: blocklist ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "hint"),
    [
        ("password1234567", "commonly used"),
        ("Password1234567", "commonly used"),
        ("monkey!2024", "commonly used"),
        ("sunshine", "commonly used"),
        ("qwertyuiopasdfg", "neighbouring keys"),
        ("0987654321", "neighbouring keys"),
        ("aaaaaaaaaaaaaaa", "repeated"),
        ("abcabcabcabc", "repeated"),
        ("xyxyxyxyxy", "repeated"),
        ("My PrivDesk login", "application name"),
        ("privdesk", "application name"),
        ("jsmith", "at least"),
        ("jsmith-rules-ok", "username"),
        ("JSMITH and a lantern", "username"),
    ],
)
def test_blocklisted_passwords_are_rejected_with_a_reason(password: str, hint: str) -> None:
    """AUTH-2: common, keyboard-walk, repetitive, product-name and username passwords."""
    assert hint in rejection(password)


def test_context_words_are_blocked() -> None:
    """AUTH-2 (ASVS 6.2.11): words tied to the account, e.g. the person's name, are refused."""
    assert "account or organisation" in rejection(
        "Winterbottom forever", context_words=["Winterbottom"]
    )
    check_password("Winterbottom forever", username=USER)


def test_short_username_does_not_block_everything() -> None:
    """AUTH-2: a two-letter username is not a reason to refuse every password containing it."""
    check_password("a quiet jolly orbit", username="jo")


def test_trailing_digits_only_strip_to_a_real_word() -> None:
    """AUTH-2: a strong password ending in digits is not mistaken for a common one."""
    check_password("kettlemargin1234567", username=USER)


def test_reason_never_echoes_the_password_or_username() -> None:
    """AUTH-2: the reason explains and advises, without repeating the secret."""
    for password in ("password1234567", "jsmith-rules-ok", "tz9#vkq", "qwertyuiopasdfg"):
        reason = rejection(password)
        assert password.lower() not in reason.lower()
        assert USER not in reason.lower()
        assert "choose" in reason.lower() or "use at" in reason.lower()


def test_blocklist_holds_at_least_3000_common_passwords() -> None:
    """AUTH-2 (ASVS 6.2.4): the bundled list covers at least the top 3000."""
    text = (files("resources") / "common-passwords.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("#")
    entries = [line for line in lines if line and not line.startswith("#")]
    assert len(entries) >= 3000
    assert len(set(entries)) == len(entries)
    assert all(entry == entry.lower() for entry in entries)
    assert {"password", "123456", "qwerty", "iloveyou"} <= set(entries)


# --- AUTH-3 / AUTH-4: hashing -----------------------------------------------------------------


def test_contexts_hash_with_the_production_parameters() -> None:
    """AUTH-4: an AppContext's hasher (the real one, this test being marked) is production's."""
    assert AppContext.default_hasher().params == PRODUCTION_PARAMS


def test_hash_verifies_right_password_only(hasher: Argon2idHasher, stored: str) -> None:
    """AUTH-4: the right password verifies; a wrong one or a wrong case does not."""
    assert hasher.verify(stored, GOOD)
    assert not hasher.verify(stored, GOOD + " ")
    assert not hasher.verify(stored, GOOD.upper())


def test_no_truncation_at_72(hasher: Argon2idHasher) -> None:
    """AUTH-3: a 100-character password does not verify with its first 72 characters."""
    password = ("granite owl " * 10)[:99] + "!"
    assert len(password) == 100
    stored = hasher.hash(password)
    assert hasher.verify(stored, password)
    assert not hasher.verify(stored, password[:72])


def test_equivalent_unicode_forms_verify(hasher: Argon2idHasher) -> None:
    """AUTH-1: a password typed with a combining accent verifies against the precomposed one."""
    precomposed, decomposed = "caf\u00e9 au lait 9", "cafe\u0301 au lait 9"
    assert hasher.verify(hasher.hash(precomposed), decomposed)
    assert hasher.verify(hasher.hash(decomposed), precomposed)


def phc_params(phc: str) -> dict[str, int]:
    return {k: int(v) for k, v in (item.split("=") for item in phc.split("$")[3].split(","))}


def test_hash_is_argon2id_with_strong_parameters(stored: str) -> None:
    """AUTH-4: PHC string is argon2id and memory is at least ASVS's 19 MiB."""
    assert stored.startswith("$argon2id$")
    params = phc_params(stored)
    assert params["m"] >= 19456
    assert params["t"] >= 2
    assert GOOD not in stored


def test_same_password_gets_different_hashes(hasher: Argon2idHasher, stored: str) -> None:
    """AUTH-4: a unique salt per hash, so two users with one password have different hashes."""
    other = hasher.hash(GOOD)
    assert other != stored
    assert hasher.verify(other, GOOD)


def test_weak_legacy_hash_needs_rehash(hasher: Argon2idHasher, stored: str) -> None:
    """AUTH-4: a hash made with legacy parameters is flagged for rehash; a current one is not."""
    legacy = PasswordHasher(time_cost=1, memory_cost=8192).hash(GOOD)
    assert hasher.verify(legacy, GOOD)
    assert hasher.needs_rehash(legacy)
    assert not hasher.needs_rehash(stored)


@pytest.mark.parametrize("bad", ["", "not a hash", "$argon2id$v=19$m=65536", "$2b$12$abcdefghij"])
def test_malformed_hash_fails_closed(hasher: Argon2idHasher, bad: str) -> None:
    """AUTH-4: an unusable stored hash never verifies and never raises."""
    assert hasher.verify(bad, GOOD) is False
    assert hasher.needs_rehash(bad)


def test_dummy_verify_runs_a_full_verify_at_the_real_cost(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AUTH-6: an unknown user costs what a wrong password costs: dummy_verify runs a real
    verify against a hash made with the same parameters (the wall-clock comparison is in
    tests/bench/bench_passwords.py)."""
    fresh = Argon2idHasher()
    checked: list[tuple[str, str, bool]] = []
    real_verify = fresh.verify

    def spy(stored_hash: str, password: str) -> bool:
        ok = real_verify(stored_hash, password)
        checked.append((stored_hash, password, ok))
        return ok

    monkeypatch.setattr(fresh, "verify", spy)
    fresh.dummy_verify("wrong password")
    fresh.dummy_verify("another guess")
    [(first, pw1, ok1), (second, pw2, ok2)] = checked
    assert (pw1, pw2, ok1, ok2) == ("wrong password", "another guess", False, False)
    assert first == second  # built once, then reused
    assert first.startswith("$argon2id$") and phc_params(first) == phc_params(stored)
