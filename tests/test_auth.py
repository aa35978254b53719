"""Sign-in, throttling, TOTP replay, sessions and step-up (SECURITY.md §3, AUTH-5..AUTH-10).

Every timer runs on the FixedClock of the `admin` fixture; nothing sleeps.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.admin import AdminService
from app.context import AppContext
from app.keystore import KeyringStore
from app.security.auth import (
    GENERIC_FAILURE,
    AuthService,
    LoginFailed,
    SessionExpired,
    SessionLocked,
    StepUpRequired,
)
from app.security.operators import OperatorService
from app.security.throttle import HARD_LIMIT, SOFT_LIMIT
from app.workspace import Workspace
from models.security import OperatorSession
from tests.conftest import ADMIN_PASSWORD, SignedIn
from tests.helpers_auth import code_at, events, last_seq, operator_row, wrong_code

WRONG_PASSWORD = "not the right password at all"
LOCKED_MESSAGE = "locked after too many failed sign-ins"
RETRY = re.compile(r"try again in (\d+) s")


def _fail(auth: AuthService, username: str, password: str, code: str) -> LoginFailed:
    with pytest.raises(LoginFailed) as info:
        auth.login(username, password, code)
    return info.value


def _restart(admin: SignedIn) -> AuthService:
    """Close the workspace and open it again (keyring unlock), as a new process would."""
    folder = admin.ctx.workspace.folder
    admin.ctx.close()
    ws = Workspace.open(folder, keyring_store=KeyringStore(), clock=admin.clock)
    admin.ctx = AppContext.for_workspace(ws, admin.clock)  # the fixture closes this one
    return AuthService(admin.ctx)


# ---------------------------------------------------------------- AUTH-5 throttling


def test_delay_after_five_failures_refuses_correct_password_until_it_passes(
    admin: SignedIn,
) -> None:
    """AUTH-5: failures 1-4 cost nothing; after the 5th even the right password and a fresh
    code are refused with "try again in N s" until the delay passes; success resets."""
    auth = AuthService(admin.ctx)
    admin.clock.advance(30)  # a step newer than the one used at sign-in
    for n in range(1, SOFT_LIMIT + 1):
        err = _fail(auth, "admin", WRONG_PASSWORD, code_at(admin.secret, admin.clock))
        assert str(err) == GENERIC_FAILURE, f"failure {n} must not mention a delay"
        assert operator_row(admin.ctx, "admin")["failed_logins"] == n

    before = last_seq(admin.ctx)
    fresh = code_at(admin.secret, admin.clock)
    err = _fail(auth, "admin", ADMIN_PASSWORD, fresh)
    match = RETRY.search(str(err))
    assert match, str(err)
    assert 25 <= int(match.group(1)) <= 31
    assert err.retry_after == pytest.approx(30.0)
    throttled = events(admin.ctx, "auth.throttled", after=before)
    assert [(e.actor, e.outcome) for e in throttled] == [("admin", "denied")]
    # Refused attempts are not checked, so they neither add failures nor burn the code.
    assert operator_row(admin.ctx, "admin")["failed_logins"] == SOFT_LIMIT

    admin.clock.advance(29)
    err = _fail(auth, "admin", ADMIN_PASSWORD, fresh)
    assert RETRY.search(str(err)) and int(RETRY.search(str(err)).group(1)) <= 2

    admin.clock.advance(2)  # 31 s after the 5th failure
    result = auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    assert result.principal.username == "admin"
    assert operator_row(admin.ctx, "admin")["failed_logins"] == 0

    # The counter really restarted: four more failures and the right password works at once.
    admin.clock.advance(30)
    for _ in range(SOFT_LIMIT - 1):
        assert str(_fail(auth, "admin", WRONG_PASSWORD, "000000")) == GENERIC_FAILURE
    auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))


def test_delay_survives_restart_and_clock_set_back(admin: SignedIn) -> None:
    """AUTH-5: the counters live in the encrypted DB; restarting the app or setting the wall
    clock back 2 h does not shorten the wait."""
    auth = AuthService(admin.ctx)
    admin.clock.advance(30)
    for _ in range(SOFT_LIMIT):
        _fail(auth, "admin", WRONG_PASSWORD, "000000")
    failed_at = admin.clock.now()

    auth = _restart(admin)
    err = _fail(auth, "admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    assert RETRY.search(str(err)), str(err)

    admin.clock.set_wall(failed_at - timedelta(hours=2))
    err = _fail(auth, "admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    assert RETRY.search(str(err)), "setting the clock back must not lift the delay"
    assert int(RETRY.search(str(err)).group(1)) >= 30

    admin.clock.set_wall(failed_at + timedelta(seconds=31))
    auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))


def test_hard_lock_at_twenty_survives_restart_and_clock_back_until_admin_unlocks(
    admin: SignedIn,
) -> None:
    """AUTH-5: 20 consecutive failures lock the account until an administrator unlocks it;
    the lock survives a restart and a clock set back 2 h; OperatorService.unlock lifts it."""
    _, secret = admin.add_operator("victim", ["auditor"], "lantern orchard quietly 9")
    auth = AuthService(admin.ctx)
    for n in range(1, HARD_LIMIT + 1):
        admin.clock.advance(3601)  # longer than the longest soft delay
        err = _fail(auth, "victim", WRONG_PASSWORD, "000000")
        assert str(err) == GENERIC_FAILURE, n
    row = operator_row(admin.ctx, "victim")
    assert row["hard_locked"] and row["failed_logins"] == HARD_LIMIT
    locked = events(admin.ctx, "auth.locked")
    assert [(e.actor, e.object_id) for e in locked] == [("victim", str(row["id"]))]

    admin.clock.advance(7200)
    err = _fail(auth, "victim", "lantern orchard quietly 9", code_at(secret, admin.clock))
    assert LOCKED_MESSAGE in str(err) and "administrator" in str(err)

    auth = _restart(admin)
    admin.clock.advance(24 * 3600)
    err = _fail(auth, "victim", "lantern orchard quietly 9", code_at(secret, admin.clock))
    assert LOCKED_MESSAGE in str(err)
    now = admin.clock.now()
    admin.clock.set_wall(now - timedelta(hours=2))
    err = _fail(auth, "victim", "lantern orchard quietly 9", code_at(secret, admin.clock))
    assert LOCKED_MESSAGE in str(err)
    admin.clock.set_wall(now + timedelta(minutes=1))

    # The administrator's own session hit the 12 h limit long ago: sign in again, then unlock.
    fresh_admin = auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    OperatorService(admin.ctx, fresh_admin.principal).unlock("victim")
    assert events(admin.ctx, "operator.unlock")[-1].actor == "admin"
    assert operator_row(admin.ctx, "victim")["failed_logins"] == 0
    ok = auth.login("victim", "lantern orchard quietly 9", code_at(secret, admin.clock))
    assert ok.principal.username == "victim"


# ---------------------------------------------------------------- AUTH-6 enumeration


def test_unknown_user_and_wrong_password_look_the_same(
    admin: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AUTH-6: same exception, message and retry hint for an unknown user and a wrong
    password; the unknown-user path still pays for an argon2 verify (its cost against a
    wrong password is measured in tests/bench/bench_passwords.py); the typed username
    (which may be a mistyped password) is not written to the audit log in clear."""
    auth = AuthService(admin.ctx)
    admin.clock.advance(30)
    hasher = admin.ctx.passwords
    verified: list[str] = []
    real_verify = hasher.verify

    def spy(stored_hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(stored_hash, password)

    monkeypatch.setattr(hasher, "verify", spy)  # dummy_verify goes through verify too

    unknown = _fail(auth, "zz-nobody-typed-this", WRONG_PASSWORD, "123456")
    assert verified == [WRONG_PASSWORD]
    wrong = _fail(auth, "admin", WRONG_PASSWORD, code_at(admin.secret, admin.clock))
    assert verified == [WRONG_PASSWORD, WRONG_PASSWORD]

    assert str(unknown) == str(wrong) == GENERIC_FAILURE
    assert type(unknown) is type(wrong)
    assert unknown.retry_after == wrong.retry_after == 0.0
    assert not any("zz-nobody-typed-this" in e.raw for e in events(admin.ctx))
    denied = events(admin.ctx, "auth.login")[-2]
    assert (
        denied.details["username_sha256"]
        == (hashlib.sha256(b"zz-nobody-typed-this").hexdigest()[:16])
    )


# ---------------------------------------------------------------- AUTH-8 TOTP


def test_same_code_twice_is_a_replay_and_audited(admin: SignedIn) -> None:
    """AUTH-8: a code accepted once is refused inside the same 30 s step (after logout), as
    is the previous step's code; both produce `auth.totp_replay` and count as failures."""
    auth = AuthService(admin.ctx)
    code = admin.code()
    first = auth.login("admin", ADMIN_PASSWORD, code)
    auth.logout(first.principal)
    before = last_seq(admin.ctx)

    admin.clock.advance(5)  # still the same step
    assert str(_fail(auth, "admin", ADMIN_PASSWORD, code)) == GENERIC_FAILURE
    replays = events(admin.ctx, "auth.totp_replay", after=before)
    assert [(e.actor, e.outcome) for e in replays] == [("admin", "denied")]
    assert operator_row(admin.ctx, "admin")["failed_logins"] == 1
    denied = events(admin.ctx, "auth.login", after=before)
    assert denied[-1].details["factor"] == "totp"

    # The previous step is inside the drift window but not newer than the accepted one.
    _fail(auth, "admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock, -1))
    assert len(events(admin.ctx, "auth.totp_replay", after=before)) == 2


def test_previous_step_accepted_when_unused_two_steps_back_refused(admin: SignedIn) -> None:
    """AUTH-8: drift of one step: the t-1 code works when no later step was used; the t-2
    code is refused as out of window (not as a replay)."""
    auth = AuthService(admin.ctx)
    admin.clock.advance(90)
    assert auth.login("admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock, -1))

    admin.clock.advance(120)  # t-2 is now newer than the last accepted step
    before = last_seq(admin.ctx)
    old = code_at(admin.secret, admin.clock, -2)
    assert old not in {code_at(admin.secret, admin.clock, k) for k in (-1, 0, 1)}
    _fail(auth, "admin", ADMIN_PASSWORD, old)
    assert events(admin.ctx, "auth.totp_replay", after=before) == []
    assert events(admin.ctx, "auth.login", after=before)[-1].outcome == "denied"


def test_five_wrong_codes_count_toward_lockout(admin: SignedIn) -> None:
    """AUTH-8/AUTH-5: wrong TOTP codes with the right password count as failures; after 5
    the right password and code are refused with a delay."""
    auth = AuthService(admin.ctx)
    admin.clock.advance(30)
    for n in range(1, SOFT_LIMIT + 1):
        _fail(auth, "admin", ADMIN_PASSWORD, wrong_code(admin.secret, admin.clock))
        assert operator_row(admin.ctx, "admin")["failed_logins"] == n
    factors = [e.details.get("factor") for e in events(admin.ctx, "auth.login")[-SOFT_LIMIT:]]
    assert factors == ["totp"] * SOFT_LIMIT
    err = _fail(auth, "admin", ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    assert RETRY.search(str(err)), str(err)


# ---------------------------------------------------------------- AUTH-9 sessions


def test_idle_gui_session_locks_and_password_plus_code_unlocks(admin: SignedIn) -> None:
    """AUTH-9: after idle_timeout without activity any service call raises SessionLocked
    (audited as access.denied); activity keeps it alive; a wrong code does not unlock;
    password + fresh code unlock the same session."""
    svc = OperatorService(admin.ctx, admin.principal)
    idle = AdminService(admin.ctx, admin.principal).idle_timeout_s()
    assert idle == 15 * 60
    admin.clock.advance(idle - 1)
    svc.list()
    admin.clock.advance(idle - 1)
    svc.list()  # activity, not time since sign-in, counts

    admin.clock.advance(idle)
    before = last_seq(admin.ctx)
    with pytest.raises(SessionLocked):
        svc.list()
    denied = events(admin.ctx, "access.denied", after=before)
    assert [(e.details["reason"], e.outcome) for e in denied] == [("SessionLocked", "denied")]

    auth = AuthService(admin.ctx)
    with pytest.raises(LoginFailed):
        auth.unlock(admin.principal, ADMIN_PASSWORD, wrong_code(admin.secret, admin.clock))
    with pytest.raises(SessionLocked):
        svc.list()
    with pytest.raises(LoginFailed):
        auth.unlock(admin.principal, WRONG_PASSWORD, code_at(admin.secret, admin.clock))

    back = auth.unlock(admin.principal, ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    assert back.session_id == admin.principal.session_id
    assert [v.username for v in svc.list()] == ["admin"]
    assert events(admin.ctx, "auth.unlock")[-1].session_id == admin.principal.session_id


def test_absolute_limit_ends_session_and_unlock_cannot_revive_it(admin: SignedIn) -> None:
    """AUTH-9: 12 h after sign-in the session ends however active it was; unlock with the
    right password and code cannot bring it back."""
    auth = AuthService(admin.ctx)
    other = auth.login("admin", ADMIN_PASSWORD, admin.code()).principal  # left idle
    svc = OperatorService(admin.ctx, admin.principal)
    signed_in = admin.principal.signed_in_at
    while admin.clock.now() + timedelta(minutes=14) < signed_in + timedelta(hours=12):
        admin.clock.advance(14 * 60)
        svc.list()
    admin.clock.set_wall(signed_in + timedelta(hours=12))
    admin.clock.advance(1)
    with pytest.raises(SessionExpired, match="12-hour"):
        svc.list()
    with pytest.raises(SessionExpired):
        auth.unlock(admin.principal, ADMIN_PASSWORD, code_at(admin.secret, admin.clock))
    with pytest.raises(SessionExpired):
        svc.list()
    # A session that went idle first is not revived by unlock past the limit either.
    with pytest.raises(SessionExpired):
        auth.unlock(other, ADMIN_PASSWORD, admin.code())
    with admin.ctx.read_session() as s:
        rows = {r.id: r for r in s.scalars(select(OperatorSession))}
        assert rows[admin.principal.session_id].end_reason == "absolute-limit"
        assert rows[other.session_id].ended_at is not None


def test_cli_token_resume_idle_expiry_logout_and_only_hash_stored(admin: SignedIn) -> None:
    """AUTH-9 / ASVS 16.2.5: a CLI login returns a token that resumes the session; the
    workspace's idle limit (15 min) ends it for good; logout makes the token useless; the
    DB keeps only SHA-256."""
    auth = AuthService(admin.ctx)
    gui = auth.login("admin", ADMIN_PASSWORD, admin.code())
    assert gui.token is None
    cli = auth.login("admin", ADMIN_PASSWORD, admin.code(), kind="cli")
    assert cli.token and len(cli.token) >= 32
    with admin.ctx.read_session() as s:
        rows = s.scalars(select(OperatorSession)).all()
        stored = {r.id: r.token_hash for r in rows}
        dump = repr([(r.id, r.token_hash, r.kind, r.created_at) for r in rows])
    assert stored[cli.principal.session_id] == hashlib.sha256(cli.token.encode()).hexdigest()
    assert cli.token not in dump

    resumed = auth.resume(cli.token)
    assert (resumed.session_id, resumed.kind) == (cli.principal.session_id, "cli")
    admin.clock.advance(14 * 60)
    OperatorService(admin.ctx, auth.resume(cli.token)).list()
    admin.clock.advance(15 * 60)
    with pytest.raises(SessionExpired):
        auth.resume(cli.token)
    with pytest.raises(SessionExpired):  # ended, not merely locked
        auth.resume(cli.token)

    second = auth.login("admin", ADMIN_PASSWORD, admin.code(), kind="cli")
    assert second.token and second.token != cli.token
    principal = auth.resume(second.token)
    auth.logout(principal)
    with pytest.raises(SessionExpired):
        auth.resume(second.token)
    with pytest.raises(SessionExpired):
        OperatorService(admin.ctx, principal).list()
    with admin.ctx.read_session() as s:
        assert s.get(OperatorSession, principal.session_id).token_hash is None


# ---------------------------------------------------------------- AUTH-10 step-up


def _sensitive_actions() -> dict[str, Callable[[SignedIn, str], object]]:
    return {
        "add": lambda a, tag: OperatorService(a.ctx, a.principal).add(
            f"new-{tag}", "N", ["auditor"]
        ),
        "set_roles": lambda a, tag: OperatorService(a.ctx, a.principal).set_roles(
            f"target-{tag}", ["incident_lead"]
        ),
        "reset_mfa": lambda a, tag: OperatorService(a.ctx, a.principal).reset_mfa(f"target-{tag}"),
        "disable": lambda a, tag: OperatorService(a.ctx, a.principal).disable(f"target-{tag}"),
        "rekey": lambda a, tag: AdminService(a.ctx, a.principal).rekey(),
    }


@pytest.mark.parametrize("action", sorted(_sensitive_actions()))
def test_sensitive_action_needs_step_up_within_five_minutes(admin: SignedIn, action: str) -> None:
    """AUTH-10: fine within 5 min of sign-in; StepUpRequired (audited) after; fine again
    after AuthService.step_up with a fresh code."""
    run = _sensitive_actions()[action]
    ops = OperatorService(admin.ctx, admin.principal)
    for tag in ("1", "2", "3"):
        ops.add(f"target-{tag}", "Target", ["auditor"])

    admin.clock.advance(4 * 60)
    run(admin, "1")

    admin.clock.advance(61)  # 5 min 1 s after sign-in
    before = last_seq(admin.ctx)
    with pytest.raises(StepUpRequired):
        run(admin, "2")
    denied = events(admin.ctx, "access.denied", after=before)
    assert [e.details["reason"] for e in denied] == ["StepUpRequired"]
    assert [e.action for e in events(admin.ctx, after=before)] == ["access.denied"]

    stepped = AuthService(admin.ctx).step_up(admin.principal, admin.code())
    assert stepped.step_up_at == admin.clock.now()
    run(admin, "3")  # the service re-reads step-up time from the DB, not the old principal


def test_reused_code_does_not_step_up(admin: SignedIn) -> None:
    """AUTH-10/AUTH-8: a code already accepted (by a login, or by a step-up) cannot be used
    for a step-up; the refusal is audited with replay=True and the action stays blocked."""
    auth = AuthService(admin.ctx)
    ops = OperatorService(admin.ctx, admin.principal)
    admin.clock.advance(301)
    code = admin.code()
    auth.login("admin", ADMIN_PASSWORD, code, kind="cli")  # another session uses the code
    with pytest.raises(StepUpRequired):
        auth.step_up(admin.principal, code)
    refused = events(admin.ctx, "auth.step_up")[-1]
    assert (refused.outcome, refused.details) == ("denied", {"replay": True})
    with pytest.raises(StepUpRequired):
        ops.add("nobody-new", "N", ["auditor"])

    fresh = admin.code()
    auth.step_up(admin.principal, fresh)
    admin.clock.advance(301)
    with pytest.raises(StepUpRequired):
        auth.step_up(admin.principal, fresh)
    with pytest.raises(StepUpRequired):
        ops.add("nobody-new", "N", ["auditor"])
    assert operator_row(admin.ctx, "admin")["failed_logins"] == 2
