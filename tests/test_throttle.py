"""Lockout policy: AUTH-5 (and AUTH-8's "wrong TOTPs count" is the caller's job)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from app.clock import FixedClock
from app.security.throttle import (
    HARD_LIMIT,
    SOFT_LIMIT,
    LockoutState,
    admin_unlock,
    record_failure,
    record_success,
    retry_after,
)


def fail(times: int, clock: FixedClock, state: LockoutState | None = None) -> LockoutState:
    state = state or LockoutState()
    for _ in range(times):
        state = record_failure(state, clock.now())
    return state


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


def test_first_four_failures_have_no_delay(clock: FixedClock) -> None:
    """AUTH-5: a few typos cost nothing."""
    state = fail(4, clock)
    assert state.failures == 4
    assert retry_after(state, clock.now()) == 0
    assert SOFT_LIMIT == 5


@pytest.mark.parametrize(
    ("failures", "delay"),
    [(5, 30), (6, 60), (7, 120), (8, 240), (11, 1920), (12, 3600), (13, 3600), (19, 3600)],
)
def test_delay_starts_at_30s_doubles_and_caps_at_one_hour(
    clock: FixedClock, failures: int, delay: float
) -> None:
    """AUTH-5: 5th failure -> 30 s, doubling per failure, capped at 3600 s."""
    assert retry_after(fail(failures, clock), clock.now()) == delay


def test_wait_counts_down_and_then_allows_a_try(clock: FixedClock) -> None:
    """AUTH-5: after the 5th failure even the correct password must wait out the 30 s."""
    state = fail(5, clock)
    clock.advance(10)
    assert retry_after(state, clock.now()) == 20
    clock.advance(20)
    assert retry_after(state, clock.now()) == 0


def test_twenty_failures_hard_lock_until_admin_unlock(clock: FixedClock) -> None:
    """AUTH-5: the 20th consecutive failure locks the account with no time limit."""
    state = fail(HARD_LIMIT - 1, clock)
    assert not state.hard_locked
    state = record_failure(state, clock.now())
    assert state.hard_locked
    assert retry_after(state, clock.now()) == math.inf
    clock.advance(365 * 24 * 3600)
    assert retry_after(state, clock.now()) == math.inf
    unlocked = admin_unlock(state)
    assert retry_after(unlocked, clock.now()) == 0
    assert unlocked == LockoutState()


def test_success_resets_counter(clock: FixedClock) -> None:
    """AUTH-5: after a successful login earlier failures are forgotten."""
    state = fail(6, clock)
    clock.advance(3600)
    state = record_success(state)
    assert state == LockoutState()
    assert retry_after(fail(4, clock, state), clock.now()) == 0


def test_success_does_not_lift_a_hard_lock(clock: FixedClock) -> None:
    """AUTH-5: only an administrator clears a hard lock."""
    state = record_success(fail(HARD_LIMIT, clock))
    assert retry_after(state, clock.now()) == math.inf


def test_clock_set_back_two_hours_keeps_the_lock(clock: FixedClock) -> None:
    """AUTH-5: moving the OS clock back 2 h does not shorten the wait."""
    state = fail(8, clock)  # 240 s
    clock.advance(100)
    before = retry_after(state, clock.now())
    assert before == 140
    clock.set_wall(clock.now() - timedelta(hours=2))
    after = retry_after(state, clock.now())
    assert after >= before
    assert after > 0


def test_state_survives_a_restart_as_plain_values(clock: FixedClock) -> None:
    """AUTH-5: state rebuilt from stored values after a restart still enforces the wait."""
    state = fail(6, clock)
    assert state.last_failure_at is not None
    restored = LockoutState(
        failures=state.failures,
        last_failure_at=datetime.fromisoformat(state.last_failure_at.isoformat()),
        hard_locked=state.hard_locked,
    )
    clock.advance(20)  # the app was closed and reopened 20 s later
    assert retry_after(restored, clock.now()) == 40
