"""TOTP second factor (RFC 6238): enrolment secrets, URIs and replay-safe verification.

Codes are 6 digits over a 30 s step with HMAC-SHA1, which is what every mainstream
authenticator app assumes. Verification accepts one step of clock drift either way
(RFC 6238 §5.2) and refuses any step at or before the last accepted one, so a code can be
used once only (800-63B; ASVS 6.5.1). The caller stores ``TotpCheck.step`` after a success
and passes it back as ``last_step`` next time.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp

ISSUER = "PrivDesk"
DIGITS = 6
INTERVAL = 30
DEFAULT_WINDOW = 1


@dataclass(frozen=True)
class TotpCheck:
    """Outcome of one code check; ``step`` is the matched time step, if any."""

    ok: bool
    step: int | None
    replay: bool


def _totp(secret: str) -> pyotp.TOTP:
    try:
        return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL, digest=hashlib.sha1)
    except ValueError:
        # Raised fresh so no traceback frame or message carries the secret.
        raise ValueError("TOTP secret is not a valid base32 key of at least 112 bits") from None


def _step(now: datetime) -> int:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return int(now.timestamp()) // INTERVAL


def new_secret() -> str:
    """A fresh 160-bit secret from a CSPRNG, base32-encoded (32 characters)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app scans during enrolment, issuer PrivDesk."""
    return _totp(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def current_code(secret: str, now: datetime) -> str:
    """The code an authenticator app would show at ``now``."""
    return _totp(secret).generate_otp(_step(now))


def verify_code(
    secret: str,
    code: str,
    *,
    now: datetime,
    last_step: int | None,
    window: int = DEFAULT_WINDOW,
) -> TotpCheck:
    """Check a user-typed code against steps ``t - window .. t + window``.

    Spaces are ignored ("123 456"). A code matching a step at or before ``last_step`` is
    reported as ``ok=False, replay=True`` with that step, so the caller can audit it.
    """
    if window < 0:
        raise ValueError("window must not be negative")
    totp = _totp(secret)
    current = _step(now)
    candidate = "".join(code.split())
    if len(candidate) != DIGITS or not (candidate.isascii() and candidate.isdigit()):
        return TotpCheck(ok=False, step=None, replay=False)

    matched: list[int] = []
    # Every step is compared, with no early exit, so timing does not reveal which one matched.
    for step in range(max(current - window, 0), current + window + 1):
        if hmac.compare_digest(totp.generate_otp(step), candidate):
            matched.append(step)
    if not matched:
        return TotpCheck(ok=False, step=None, replay=False)

    fresh = [step for step in matched if last_step is None or step > last_step]
    if fresh:
        # The earliest fresh step keeps later codes usable if two steps share a code.
        return TotpCheck(ok=True, step=min(fresh), replay=False)
    return TotpCheck(ok=False, step=max(matched), replay=True)
