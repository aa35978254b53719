"""Issue 14: step-up, idle-unlock and enrolment confirmation share sign-in's throttle.

The attack: an attacker holding an open session (or a pending account) guesses TOTP codes
through the step-up, unlock or enrolment-confirmation door instead of the sign-in one.
Every door must back off after 5 failures and hard-lock at 20, and the failure that locks
the account must end every open session of the operator at once (AUTH-5, AUTH-10).
Timers run on the fixture's FixedClock; nothing sleeps.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.security import operators
from app.security.auth import (
    AuthService,
    EnrolmentError,
    LoginFailed,
    SessionExpired,
    SessionLocked,
    StepUpRequired,
)
from app.security.operators import OperatorService
from app.security.throttle import HARD_LIMIT, SOFT_LIMIT
from models.security import OperatorSession
from tests.conftest import ADMIN_PASSWORD, SignedIn
from tests.drills_helpers import long_sessions
from tests.helpers_auth import (
    OPERATOR_PASSWORD,
    code_at,
    events,
    last_seq,
    operator_row,
    wrong_code,
)

RETRY = re.compile(r"try again in (\d+) s")
LOCKED = "locked after too many failed"


def _end_reason(signed: SignedIn, session_id: str) -> str | None:
    with signed.ctx.read_session() as s:
        row = s.get(OperatorSession, session_id)
        assert row is not None
        return row.end_reason


def _open_sessions(signed: SignedIn, operator_id: int) -> int:
    with signed.ctx.read_session() as s:
        rows = s.scalars(
            select(OperatorSession).where(
                OperatorSession.operator_id == operator_id, OperatorSession.ended_at.is_(None)
            )
        ).all()
    return len(rows)


def _victim(admin: SignedIn) -> tuple[str, str]:
    """A second administrator (so the first can unlock them), signed in in the GUI."""
    long_sessions(admin)  # the back-off waits add up to hours; idle/12 h are not under test
    principal, secret = admin.add_operator("mallory-target", ["administrator"])
    admin.principal = principal  # `admin.principal` is now the victim's GUI session
    admin.secret = secret
    return principal.username, secret


def test_step_up_guessing_backs_off_hard_locks_and_ends_every_session(admin: SignedIn) -> None:
    """AUTH-5, AUTH-10: 60 wrong step-up codes in a burst: only 5 are checked, the rest are
    refused with "try again in N s" (even the right code); pressing on past each wait, the
    20th failure hard-locks the account, ends the session and the operator's CLI session,
    and the right code afterwards is refused; the step-up action stays refused."""
    auth = AuthService(admin.ctx)
    first_admin = auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock, 1))
    admin.clock.advance(60)
    name, secret = _victim(admin)
    gui = admin.principal
    cli = auth.login(name, OPERATOR_PASSWORD, admin.code(), kind="cli")
    assert cli.token
    admin.clock.advance(301)  # the step-up from sign-in is stale: the action needs a code
    with pytest.raises(StepUpRequired):
        OperatorService(admin.ctx, gui).add("intruder", "I", ["administrator"])

    before = last_seq(admin.ctx)
    refusals = []
    for _ in range(60):
        with pytest.raises(StepUpRequired) as info:
            auth.step_up(gui, wrong_code(secret, admin.clock))
        refusals.append(info.value)
    checked = events(admin.ctx, "auth.step_up", after=before)
    assert len(checked) == SOFT_LIMIT, "only the first 5 codes may be checked"
    assert all(RETRY.search(str(e)) for e in refusals[SOFT_LIMIT:])
    assert operator_row(admin.ctx, name)["failed_logins"] == SOFT_LIMIT

    right = code_at(secret, admin.clock)
    with pytest.raises(StepUpRequired) as info:
        auth.step_up(gui, right)
    assert RETRY.search(str(info.value)) and info.value.retry_after == pytest.approx(30.0)
    with pytest.raises(StepUpRequired):  # the right code did not step the session up
        OperatorService(admin.ctx, gui).add("intruder", "I", ["administrator"])

    # Pressing on, one guess after each wait, until the hard lock.
    while operator_row(admin.ctx, name)["failed_logins"] < HARD_LIMIT - 1:
        admin.clock.advance(3601)
        with pytest.raises(StepUpRequired, match="not valid"):
            auth.step_up(gui, wrong_code(secret, admin.clock))
    admin.clock.advance(3601)
    with pytest.raises(SessionExpired, match=LOCKED):
        auth.step_up(gui, wrong_code(secret, admin.clock))
    row = operator_row(admin.ctx, name)
    assert row["hard_locked"] and row["failed_logins"] == HARD_LIMIT

    locked = events(admin.ctx, "auth.locked")
    assert [(e.actor, e.details["use"], e.details["sessions_ended"]) for e in locked] == [
        (name, "step-up", 2)
    ]
    assert _open_sessions(admin, row["id"]) == 0
    assert _end_reason(admin, gui.session_id) == "hard-lock"
    assert _end_reason(admin, cli.principal.session_id) == "hard-lock"

    # The right code afterwards is refused, and nothing the sessions did survives.
    with pytest.raises(SessionExpired):
        auth.step_up(gui, admin.code())
    with pytest.raises(SessionExpired):
        OperatorService(admin.ctx, gui).add("intruder", "I", ["administrator"])
    with pytest.raises(SessionExpired):
        auth.resume(cli.token)
    with pytest.raises(LoginFailed, match=LOCKED):
        auth.login(name, OPERATOR_PASSWORD, admin.code())
    admins = OperatorService(admin.ctx, first_admin.principal)
    assert "intruder" not in [v.username for v in admins.list()]

    # Only an administrator lifts the lock; then the victim signs in afresh.
    admins.unlock(name)
    assert auth.login(name, OPERATOR_PASSWORD, admin.code()).principal.username == name


def test_idle_unlock_guessing_backs_off_hard_locks_and_ends_the_other_session(
    admin: SignedIn,
) -> None:
    """AUTH-5, AUTH-9: from an idle-locked session, wrong codes (right password) back off
    after 5 and hard-lock at 20; the lock ends this session and the operator's other one
    (which could otherwise be unlocked), and the right password and code are refused."""
    auth = AuthService(admin.ctx)
    name, secret = _victim(admin)
    locked_gui = admin.principal
    other = auth.login(name, OPERATOR_PASSWORD, admin.code()).principal
    with admin.ctx.session() as s:
        admin.ctx.settings.set(s, "idle_timeout_s", 60)
    admin.clock.advance(61)
    for p in (locked_gui, other):
        with pytest.raises(SessionLocked):
            OperatorService(admin.ctx, p).list()

    for n in range(1, SOFT_LIMIT + 1):
        with pytest.raises(LoginFailed) as info:
            auth.unlock(locked_gui, OPERATOR_PASSWORD, wrong_code(secret, admin.clock))
        assert not RETRY.search(str(info.value)), n
    with pytest.raises(LoginFailed) as info:
        auth.unlock(locked_gui, OPERATOR_PASSWORD, code_at(secret, admin.clock))
    assert RETRY.search(str(info.value)), "the right code must wait out the delay"
    assert operator_row(admin.ctx, name)["failed_logins"] == SOFT_LIMIT

    while operator_row(admin.ctx, name)["failed_logins"] < HARD_LIMIT - 1:
        admin.clock.advance(3601)
        with pytest.raises(LoginFailed):
            auth.unlock(locked_gui, OPERATOR_PASSWORD, wrong_code(secret, admin.clock))
    admin.clock.advance(3601)
    with pytest.raises(SessionExpired, match=LOCKED):
        auth.unlock(locked_gui, OPERATOR_PASSWORD, wrong_code(secret, admin.clock))
    assert operator_row(admin.ctx, name)["hard_locked"]
    assert _end_reason(admin, locked_gui.session_id) == "hard-lock"
    assert _end_reason(admin, other.session_id) == "hard-lock"

    with pytest.raises(SessionExpired):
        auth.unlock(locked_gui, OPERATOR_PASSWORD, admin.code())
    with pytest.raises(SessionExpired):  # ended, no longer merely locked
        auth.unlock(other, OPERATOR_PASSWORD, admin.code())
    with pytest.raises(SessionExpired):
        OperatorService(admin.ctx, other).list()


def test_enrolment_confirmation_guessing_backs_off_and_hard_locks(admin: SignedIn) -> None:
    """AUTH-5, AUTH-7: a pending account's confirmation codes are throttled like sign-in:
    a burst of 60 wrong codes gets 5 checked; the right code waits out the delay; at 20
    failures the account is locked and the right code refused until an administrator
    unlocks it."""
    long_sessions(admin)
    ops = OperatorService(admin.ctx, admin.principal)
    new = ops.add("pending-pat", "Pat", ["auditor"])
    enrol = operators.activate(admin.ctx, "pending-pat", new.enrolment_code, OPERATOR_PASSWORD)
    auth = AuthService(admin.ctx)

    before = last_seq(admin.ctx)
    refusals = []
    for _ in range(60):
        with pytest.raises(EnrolmentError) as info:
            auth.confirm_enrolment("pending-pat", wrong_code(enrol.secret, admin.clock))
        refusals.append(info.value)
    assert len(events(admin.ctx, "operator.enrolment_confirmed", after=before)) == SOFT_LIMIT
    assert all(RETRY.search(str(e)) for e in refusals[SOFT_LIMIT:])
    with pytest.raises(EnrolmentError, match=RETRY):
        auth.confirm_enrolment("pending-pat", code_at(enrol.secret, admin.clock))
    assert operator_row(admin.ctx, "pending-pat")["status"] == "pending"

    while operator_row(admin.ctx, "pending-pat")["failed_logins"] < HARD_LIMIT - 1:
        admin.clock.advance(3601)
        with pytest.raises(EnrolmentError, match="not valid"):
            auth.confirm_enrolment("pending-pat", wrong_code(enrol.secret, admin.clock))
    admin.clock.advance(3601)
    with pytest.raises(EnrolmentError, match=LOCKED):
        auth.confirm_enrolment("pending-pat", wrong_code(enrol.secret, admin.clock))
    with pytest.raises(EnrolmentError, match=LOCKED):
        auth.confirm_enrolment("pending-pat", code_at(enrol.secret, admin.clock, 1))
    row = operator_row(admin.ctx, "pending-pat")
    assert (row["status"], row["hard_locked"]) == ("pending", True)
    assert [e.details["use"] for e in events(admin.ctx, "auth.locked")] == ["enrolment"]

    admin.principal = auth.login("admin", ADMIN_PASSWORD, admin.code()).principal
    OperatorService(admin.ctx, admin.principal).unlock("pending-pat")
    auth.confirm_enrolment("pending-pat", code_at(enrol.secret, admin.clock))
    assert operator_row(admin.ctx, "pending-pat")["status"] == "active"


def test_a_sign_in_hard_lock_ends_the_operators_open_sessions(admin: SignedIn) -> None:
    """AUTH-5: 20 wrong sign-ins (someone guessing the password) lock the account and end
    the operator's open GUI and CLI sessions at once; their next call is refused."""
    long_sessions(admin)
    auth = AuthService(admin.ctx)
    name, _secret = _victim(admin)
    gui = admin.principal
    cli = auth.login(name, OPERATOR_PASSWORD, admin.code(), kind="cli")
    for _ in range(HARD_LIMIT):
        admin.clock.advance(3601)
        with pytest.raises(LoginFailed):
            auth.login(name, "not the password at all!", "000000")
    assert operator_row(admin.ctx, name)["hard_locked"]
    with pytest.raises(SessionExpired):
        OperatorService(admin.ctx, gui).list()
    with pytest.raises(SessionExpired):
        auth.resume(cli.token or "")
    assert _end_reason(admin, gui.session_id) == "hard-lock"


# ---------------------------------------------------------------- one idle limit (AUTH-9)


@pytest.mark.parametrize("idle", [15 * 60, 600])
def test_cli_session_ends_after_the_workspace_idle_limit(admin: SignedIn, idle: int) -> None:
    """AUTH-9: a `privdesk login` session obeys `idle_timeout_s` (the default 15 min, or
    what the administrator set), not a separate 30-minute CLI limit: unused for
    idle_timeout_s - 1 s it resumes, unused for idle_timeout_s + 1 s it is refused. A
    `cli_idle_timeout_s` row left by an older version is ignored and no longer a setting."""
    from app.settings import SettingError
    from models.workspace import Setting

    with admin.ctx.session() as s:
        if idle != 15 * 60:
            admin.ctx.settings.set(s, "idle_timeout_s", idle)
        s.merge(Setting(key="cli_idle_timeout_s", value_json="14400"))  # stale: 4 h
    with pytest.raises(SettingError):
        admin.ctx.settings.spec("cli_idle_timeout_s")
    assert "cli_idle_timeout_s" not in [spec.key for spec in admin.ctx.settings]

    auth = AuthService(admin.ctx)
    cli = auth.login("admin", ADMIN_PASSWORD, admin.code(), kind="cli")
    assert cli.token
    admin.clock.advance(idle - 1)
    auth.resume(cli.token)  # used: the idle time starts again
    admin.clock.advance(idle + 1)
    with pytest.raises(SessionExpired, match="inactivity"):
        auth.resume(cli.token)
    assert _end_reason(admin, cli.principal.session_id) == "idle"
