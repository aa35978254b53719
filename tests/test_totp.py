"""TOTP wiring, drift window and replay protection: AUTH-7, AUTH-8."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest

from app.security.totp import TotpCheck, current_code, new_secret, provisioning_uri, verify_code

NOW = datetime(2026, 11, 27, 12, 0, 10, tzinfo=UTC)  # 10 s into a 30 s step
STEP = 30


def b32(seed: bytes) -> str:
    return base64.b32encode(seed).decode("ascii")


# RFC 6238 Appendix B: the seeds are the ASCII digits repeated to the digest's key length.
SEEDS: dict[str, tuple[Any, str]] = {
    "SHA1": (hashlib.sha1, b32(b"12345678901234567890")),
    "SHA256": (hashlib.sha256, b32(b"12345678901234567890123456789012")),
    "SHA512": (
        hashlib.sha512,
        b32(b"1234567890123456789012345678901234567890123456789012345678901234"),
    ),
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("unix_time", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_appendix_b_vectors(unix_time: int, sha1: str, sha256: str, sha512: str) -> None:
    """AUTH-8: pyotp reproduces RFC 6238 Appendix B (8 digits, T0=0, X=30)."""
    for name, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        digest, seed = SEEDS[name]
        totp = pyotp.TOTP(seed, digits=8, interval=30, digest=digest)
        assert totp.at(unix_time) == expected, name


def test_rfc6238_sha1_seed_matches_our_six_digit_codes() -> None:
    """AUTH-8: our 6-digit SHA1 codes are the low 6 digits of the RFC's SHA1 vectors."""
    seed = SEEDS["SHA1"][1]
    for unix_time, sha1, _, _ in VECTORS:
        assert current_code(seed, datetime.fromtimestamp(unix_time, UTC)) == sha1[-6:]


@pytest.fixture
def secret() -> str:
    return new_secret()


def code_at_offset(secret: str, steps: int) -> str:
    return current_code(secret, NOW + timedelta(seconds=steps * STEP))


def step_of(when: datetime) -> int:
    return int(when.timestamp()) // STEP


def test_new_secret_is_160_bits_and_unique() -> None:
    """AUTH-7: 32 base32 characters = 160 bits, different every time."""
    first, second = new_secret(), new_secret()
    assert len(base64.b32decode(first)) * 8 == 160
    assert first != second


def test_provisioning_uri_names_issuer_and_account(secret: str) -> None:
    """AUTH-7: the otpauth URI carries the issuer, account, secret and standard parameters."""
    uri = provisioning_uri(secret, "jsmith@example.org")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert unquote(parsed.path) == "/PrivDesk:jsmith@example.org"
    query = parse_qs(parsed.query)
    assert query["issuer"] == ["PrivDesk"]
    assert query["secret"] == [secret]
    assert query.get("digits", ["6"]) == ["6"]
    assert query.get("period", ["30"]) == ["30"]


def test_current_code_is_accepted(secret: str) -> None:
    """AUTH-8: the code the authenticator shows now is accepted and its step returned."""
    check = verify_code(secret, current_code(secret, NOW), now=NOW, last_step=None)
    assert check == TotpCheck(ok=True, step=step_of(NOW), replay=False)


def test_spaces_in_code_are_ignored(secret: str) -> None:
    """AUTH-8: "123 456" as some apps display it works."""
    code = current_code(secret, NOW)
    assert verify_code(secret, f" {code[:3]} {code[3:]} ", now=NOW, last_step=None).ok


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_window_accepts_adjacent_steps(secret: str, offset: int) -> None:
    """AUTH-8: with window 1, codes for steps t-1, t and t+1 are accepted."""
    check = verify_code(secret, code_at_offset(secret, offset), now=NOW, last_step=None)
    assert check.ok
    assert check.step == step_of(NOW) + offset


@pytest.mark.parametrize("offset", [-2, 2, -10])
def test_window_rejects_distant_steps(secret: str, offset: int) -> None:
    """AUTH-8: codes for steps t-2 and t+2 (and older) are rejected."""
    code = code_at_offset(secret, offset)
    # Skip the 1-in-a-million case where the distant code collides with one inside the window.
    if code in {code_at_offset(secret, k) for k in (-1, 0, 1)}:
        pytest.skip("code collision")
    check = verify_code(secret, code, now=NOW, last_step=None)
    assert check == TotpCheck(ok=False, step=None, replay=False)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "-12345"])
def test_malformed_codes_are_rejected_without_replay_flag(secret: str, code: str) -> None:
    """AUTH-8: wrong length or non-digits never verify."""
    assert verify_code(secret, code, now=NOW, last_step=None) == TotpCheck(False, None, False)


def test_wrong_code_is_rejected(secret: str) -> None:
    """AUTH-8: a code that matches no step in the window is refused."""
    window_codes = {code_at_offset(secret, k) for k in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in window_codes)
    assert not verify_code(secret, wrong, now=NOW, last_step=None).ok


def test_same_code_twice_is_a_replay(secret: str) -> None:
    """AUTH-8: a code is usable once; the second use is flagged as a replay."""
    code = current_code(secret, NOW)
    first = verify_code(secret, code, now=NOW, last_step=None)
    assert first.ok
    second = verify_code(secret, code, now=NOW + timedelta(seconds=5), last_step=first.step)
    assert second == TotpCheck(ok=False, step=first.step, replay=True)


def test_earlier_step_after_later_one_is_a_replay(secret: str) -> None:
    """AUTH-8: after the t+1 code was accepted, the still-in-window t code is refused."""
    later = verify_code(secret, code_at_offset(secret, 1), now=NOW, last_step=None)
    assert later.ok
    earlier = verify_code(secret, code_at_offset(secret, 0), now=NOW, last_step=later.step)
    assert earlier.replay
    assert not earlier.ok
    assert earlier.step == step_of(NOW)


def test_next_step_after_success_is_accepted(secret: str) -> None:
    """AUTH-8: replay protection does not block the next genuine code."""
    first = verify_code(secret, current_code(secret, NOW), now=NOW, last_step=None)
    later_time = NOW + timedelta(seconds=STEP)
    second = verify_code(
        secret, current_code(secret, later_time), now=later_time, last_step=first.step
    )
    assert second.ok
    assert second.step == step_of(later_time)


def test_errors_never_reveal_the_secret(secret: str) -> None:
    """AUTH-7: a broken secret or naive time raises without echoing the secret."""
    broken = "A1!" + secret
    with pytest.raises(ValueError) as info:
        verify_code(broken, "123456", now=NOW, last_step=None)
    assert secret not in str(info.value)
    assert info.value.__cause__ is None
    with pytest.raises(ValueError, match="timezone-aware"):
        verify_code(secret, "123456", now=NOW.replace(tzinfo=None), last_step=None)
