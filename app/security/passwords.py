"""Password policy (AUTH-1, AUTH-2) and argon2id storage (AUTH-3, AUTH-4, AUTH-6).

Storage is an :class:`Argon2idHasher` object that the AppContext holds (``ctx.passwords``).

Policy follows NIST SP 800-63B and OWASP ASVS 5.0 V6: a length range plus a blocklist, and
never composition rules. Every check runs on the NFKC-normalised password, and so does hashing,
so the same passphrase typed on a different keyboard or input method still verifies.

Blocklist rules, applied case-insensitively (``str.casefold``):

* the password is in ``resources/common-passwords.txt`` (top 10,000 from zxcvbn), or is such an
  entry of at least 4 characters followed only by digits, punctuation or spaces
  (``password1234567``, ``monkey!2024``);
* it is a run along the keyboard or number row, or the alphabet, forwards or backwards
  (``qwertyuiopasdfg``, ``0987654321``);
* it is one character, or a pattern of at most 3 characters, repeated (``aaaaaaaa``,
  ``abcabcabc``);
* it contains the username, the product name or a caller-supplied context word
  (only words of at least 3 characters count).
"""

from __future__ import annotations

import functools
import secrets
import string
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from app.errors import PrivDeskError

MIN_LENGTH = 8  # MFA is mandatory, so 800-63B rev 4 allows 8 rather than 15.
MAX_LENGTH = 1024
PRODUCT_NAME = "privdesk"
MIN_CONTEXT_WORD_LENGTH = 3
MIN_STRIPPED_COMMON_LENGTH = 4
MAX_REPEATED_PATTERN = 3

# Runs a person produces by sliding a finger along the keyboard or reciting a sequence.
_SEQUENCES = (
    "qwertyuiopasdfghjklzxcvbnm",
    "1234567890",
    "abcdefghijklmnopqrstuvwxyz",
)
_TRAILING_JUNK = string.digits + string.punctuation + " "


@dataclass(frozen=True)
class Argon2Params:
    """argon2id cost parameters (RFC 9106 names)."""

    time_cost: int
    memory_cost: int  # KiB
    parallelism: int
    hash_len: int = 32
    salt_len: int = 16


# ASVS 5.0 Appendix C asks for at least t=3 with m>=12 MiB; these are argon2-cffi's
# RFC 9106 "low memory" defaults, pinned so a library upgrade cannot silently change them.
PRODUCTION_PARAMS = Argon2Params(time_cost=3, memory_cost=65536, parallelism=4)


class PasswordRejected(PrivDeskError, ValueError):
    """The chosen password breaks the policy; ``reason`` is safe to show to the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise(password: str) -> str:
    """Return the NFKC form that every length check and hash uses."""
    return unicodedata.normalize("NFKC", password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled common-password blocklist, lowercase, loaded once."""
    text = (files("resources") / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _is_common(folded: str) -> bool:
    blocklist = common_passwords()
    if folded in blocklist:
        return True
    stem = folded.rstrip(_TRAILING_JUNK)
    return stem != folded and len(stem) >= MIN_STRIPPED_COMMON_LENGTH and stem in blocklist


def _is_sequence(folded: str) -> bool:
    return any(folded in seq or folded in seq[::-1] for seq in _SEQUENCES)


def _is_repetitive(folded: str) -> bool:
    for size in range(1, MAX_REPEATED_PATTERN + 1):
        if len(folded) <= size:
            break
        unit = folded[:size]
        repeats = -(-len(folded) // size)
        if (unit * repeats)[: len(folded)] == folded:
            return True
    return False


def check_password(password: str, *, username: str, context_words: Iterable[str] = ()) -> None:
    """Raise PasswordRejected if the password breaks the policy; return None if acceptable."""
    normalised = normalise(password)
    length = len(normalised)
    if length < MIN_LENGTH:
        raise PasswordRejected(
            f"Password is too short: use at least {MIN_LENGTH} characters. "
            "A few unrelated words with spaces make a strong, memorable passphrase."
        )
    if length > MAX_LENGTH:
        raise PasswordRejected(f"Password is too long: use at most {MAX_LENGTH} characters.")

    folded = normalised.casefold()
    if _is_repetitive(folded):
        raise PasswordRejected(
            "Password is a repeated character or short pattern, which is easy to guess. "
            "Choose something less predictable, such as several unrelated words."
        )
    if _is_sequence(folded):
        raise PasswordRejected(
            "Password is a run of neighbouring keys or a simple sequence, which is easy to "
            "guess. Choose something less predictable, such as several unrelated words."
        )
    if _is_common(folded):
        raise PasswordRejected(
            "Password is on the list of commonly used passwords (adding digits or symbols at "
            "the end does not help). Choose something less predictable."
        )

    def contains(word: str) -> bool:
        word = normalise(word).casefold().strip()
        return len(word) >= MIN_CONTEXT_WORD_LENGTH and word in folded

    if contains(username):
        raise PasswordRejected(
            "Password contains your username. Choose one that does not include it."
        )
    if contains(PRODUCT_NAME):
        raise PasswordRejected(
            "Password contains the application name. Choose one that does not include it."
        )
    if any(contains(word) for word in context_words):
        raise PasswordRejected(
            "Password contains a word tied to your account or organisation (such as your name). "
            "Choose one that does not include it."
        )


class Argon2idHasher:
    """Hashes and verifies operator passwords (argon2id, PHC strings) with fixed parameters.

    ``AppContext.passwords`` holds one; services hash through it, never through a module
    global, so a test can give a context a cheap hasher without touching production code.
    Every method hashes the NFKC form of the password.
    """

    def __init__(self, params: Argon2Params = PRODUCTION_PARAMS) -> None:
        self.params = params
        self._argon2 = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=Type.ID,
        )
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """Hash with a fresh random salt; the result is a PHC string."""
        return self._argon2.hash(normalise(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        """True only if the password matches; False for a wrong password or an unusable hash."""
        try:
            return self._argon2.verify(stored_hash, normalise(password))
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True if the hash was made with other parameters and should be replaced after login.

        A hash that cannot be parsed also reports True; it can never verify, so replacing it
        is the only way forward.
        """
        try:
            return self._argon2.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True

    def dummy_verify(self, password: str) -> None:
        """Spend the same time as a wrong-password check, for logins with an unknown username.

        The dummy hash is computed on first use; call this once at start-up so the first
        unknown-user login is not slower than the rest (AUTH-6).
        """
        if self._dummy_hash is None:
            # A random throwaway secret: nothing can match it, so the verify always runs
            # to completion. Two threads racing here just build two equivalent hashes.
            self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(32))
        self.verify(self._dummy_hash, password)
