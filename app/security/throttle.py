"""Lockout policy for consecutive failed logins (AUTH-5); pure, the caller persists the state.

Policy (NIST 800-63B allows up to 100 consecutive failures; we stop far earlier):

* failures 1-4: no delay;
* failure 5: wait 30 s, doubling with each further failure (60, 120, ...), capped at 1 h;
* failure 20: hard lock until an administrator unlocks the account.

Wrong passwords and wrong TOTP codes both count. While ``retry_after`` is above zero the caller
refuses the attempt without checking credentials and without recording another failure.

The state lives in the encrypted database so it survives restarts. Wall time is all that
survives a restart, so if the clock reads earlier than the last failure (the OS clock was set
back) no time is treated as having passed: moving the clock back never shortens a wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

SOFT_LIMIT = 5
HARD_LIMIT = 20
BASE_DELAY_SECONDS = 30.0
MAX_DELAY_SECONDS = 3600.0


@dataclass(frozen=True)
class LockoutState:
    """Consecutive-failure record for one account."""

    failures: int = 0
    last_failure_at: datetime | None = None
    hard_locked: bool = False


def lockout_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` consecutive failures (ignoring the hard lock)."""
    if failures < SOFT_LIMIT:
        return 0.0
    # Exponent capped so a huge counter cannot overflow before min() applies.
    exponent = min(failures - SOFT_LIMIT, 16)
    return min(BASE_DELAY_SECONDS * (1 << exponent), MAX_DELAY_SECONDS)


def record_failure(state: LockoutState, now: datetime) -> LockoutState:
    """State after one more failed attempt at ``now``."""
    failures = state.failures + 1
    return LockoutState(
        failures=failures,
        last_failure_at=now,
        hard_locked=state.hard_locked or failures >= HARD_LIMIT,
    )


def record_success(state: LockoutState) -> LockoutState:
    """State after a successful login: the counter resets.

    A hard lock is kept; only ``admin_unlock`` clears it, so a caller that verified
    credentials by mistake while locked cannot lift the lock.
    """
    if state.hard_locked:
        return state
    return LockoutState()


def admin_unlock(state: LockoutState) -> LockoutState:
    """State after an administrator unlocks the account: everything cleared."""
    del state  # taken for symmetry with the other transitions; nothing carries over
    return LockoutState()


def retry_after(state: LockoutState, now: datetime) -> float:
    """Seconds until another attempt is allowed: 0 means now, ``math.inf`` means hard locked."""
    if state.hard_locked:
        return math.inf
    delay = lockout_delay(state.failures)
    if delay == 0.0:
        return 0.0
    if state.last_failure_at is None:
        return delay
    # A negative elapsed time means the clock went back; count it as no time passed.
    elapsed = max((now - state.last_failure_at).total_seconds(), 0.0)
    return max(delay - elapsed, 0.0)
