"""Sign-in (password + TOTP), sessions, idle lock, step-up, CLI session tokens.

Rules (SECURITY.md §3, AUTH-5..10):
- one generic failure message, and a dummy hash for unknown users, so nothing reveals
  which usernames exist;
- a TOTP step is accepted once: a code whose step is <= the last accepted one is a replay,
  refused and audited;
- after 5 consecutive failures growing delays, at 20 a hard lock until an administrator
  unlocks; the counters live in the encrypted DB and survive restarts and clock changes.
  Sign-in, idle-unlock, step-up and enrolment confirmation share that one counter (AUTH-5,
  AUTH-10): each is refused unchecked while a delay runs, each wrong code counts, and the
  failure that hard-locks the account ends every open session of the operator at once.
  Only a sign-in or unlock (password + code) resets the counter; a step-up does not;
- sessions lock after `idle_timeout_s` without use (default 15 min; a CLI session then
  ends instead of locking) and end after 12 h; sensitive actions need a TOTP entered in
  the last 5 minutes (step-up).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.context import AppContext
from app.errors import PrivDeskError
from app.security import passwords, throttle, totp
from app.security.permissions import Permission, Role, permissions_for
from models.security import LoginThrottle, Operator, OperatorRole, OperatorSession

GENERIC_FAILURE = "Sign-in failed: check your username, password and code."
USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-"


class LoginFailed(PrivDeskError):
    def __init__(self, message: str = GENERIC_FAILURE, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SessionExpired(PrivDeskError):
    """The session ended (absolute limit, logout, account disabled): sign in again."""


class SessionLocked(PrivDeskError):
    """Idle too long: password + code unlock the same session."""


class StepUpRequired(PrivDeskError):
    """A sensitive action needs a TOTP code entered within the last few minutes."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EnrolmentError(PrivDeskError):
    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """A signed-in operator as services see them. Roles are re-read from the DB per action."""

    operator_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    session_id: str
    kind: str
    signed_in_at: datetime
    step_up_at: datetime | None

    def can(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)


@dataclass(frozen=True)
class Enrolment:
    """TOTP enrolment shown once: the secret (text and QR) and the otpauth URI."""

    username: str
    secret: str
    uri: str


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    token: str | None  # CLI sessions only; its hash is what the DB keeps


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_username(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or any(c not in USERNAME_CHARS for c in name):
        raise EnrolmentError(
            "username must be 2–64 characters: lowercase letters, digits, '.', '_' or '-'"
        )
    return name


LOCKED = "This account is locked after too many failed {what}; an administrator must unlock it."


def _throttled(state: throttle.LockoutState, wait: float) -> LoginFailed:
    if state.hard_locked:
        return LoginFailed(LOCKED.format(what="sign-ins"))
    return LoginFailed(
        f"Too many failed sign-ins: try again in {math.ceil(wait)} s.", retry_after=wait
    )


def _wait_message(what: str, wait: float) -> str:
    return f"Too many failed {what}: try again in {math.ceil(wait)} s."


def consume_totp(
    ctx: AppContext, s: Session, op: Operator, code: str, now: datetime, *, use: str
) -> totp.TotpCheck:
    """Check `code` against the operator's one last-used step, shared by every use.

    Sign-in, unlock, step-up and enrolment confirmation all come here, so a code accepted
    for any of them is a replay for every other (AUTH-8). A success stores the step; a
    replay is audited as ``auth.totp_replay`` naming the use.
    """
    if not op.totp_secret:
        return totp.TotpCheck(ok=False, step=None, replay=False)
    check = totp.verify_code(op.totp_secret, code, now=now, last_step=op.totp_last_step)
    if check.ok:
        op.totp_last_step = check.step
    elif check.replay:
        ctx.audit.record(
            s,
            action="auth.totp_replay",
            actor=op.username,
            outcome="denied",
            object_type="operator",
            object_id=str(op.id),
            details={"use": use},
        )
    return check


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


# last_seen_at is written at most this often (a read must not write on every call).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionVerdict:
    """What validating a session found, and what (if anything) should be written."""

    result: Principal | PrivDeskError
    session_id: str
    now: datetime
    end_reason: str | None = None  # end the session for this reason
    touch: bool = False  # last_seen_at is TOUCH_EVERY or more behind

    @property
    def needs_write(self) -> bool:
        return self.end_reason is not None or self.touch


class AuthService:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------ first administrator

    def needs_bootstrap(self) -> bool:
        """True while the workspace has no active operator (first-run wizard / init)."""
        with self.ctx.read_session() as s:
            active = s.scalar(select(Operator.id).where(Operator.status == "active").limit(1))
        return active is None

    def bootstrap_admin(
        self, username: str, display_name: str, password: str, email: str | None = None
    ) -> Enrolment:
        """Create the first administrator (only while there is no active operator)."""
        name = validate_username(username)
        passwords.check_password(password, username=name, context_words=[display_name])
        pw_hash = self.ctx.passwords.hash(password)
        secret = totp.new_secret()
        with self.ctx.session() as s:
            if s.scalar(select(Operator.id).where(Operator.status == "active").limit(1)):
                raise EnrolmentError("this workspace already has an administrator")
            stale = s.scalar(select(Operator).where(Operator.username == name))
            if stale is not None:
                s.delete(stale)
                s.flush()
            op = Operator(
                username=name,
                display_name=display_name.strip() or name,
                email=email,
                status="pending",
                password_hash=pw_hash,
                totp_secret=secret,
                failed_logins=0,
                hard_locked=False,
                created_at=utc_iso(self.ctx.clock.now()),
                roles=[OperatorRole(role=Role.ADMINISTRATOR.value)],
            )
            s.add(op)
            s.flush()
            self.ctx.audit.record(
                s,
                action="operator.bootstrap",
                actor=name,
                object_type="operator",
                object_id=str(op.id),
                details={"roles": [Role.ADMINISTRATOR.value]},
            )
        return Enrolment(name, secret, totp.provisioning_uri(secret, name))

    def confirm_enrolment(self, username: str, code: str) -> None:
        """Activate a pending account once one valid code proves the authenticator works."""
        name = username.strip().lower()
        with self.ctx.session() as s:
            op = s.scalar(select(Operator).where(Operator.username == name))
            if op is None or op.status != "pending" or not op.totp_secret or not op.password_hash:
                raise EnrolmentError("no enrolment is waiting for confirmation for this account")
            now = self.ctx.clock.now()
            wait = self._gate(s, op, now, use="enrolment")
            if wait > 0:
                failure = EnrolmentError(
                    LOCKED.format(what="codes") if op.hard_locked else _wait_message("codes", wait),
                    retry_after=0.0 if op.hard_locked else wait,
                )
            else:
                check = consume_totp(self.ctx, s, op, code, now, use="enrolment")
                if check.ok:
                    op.status = "active"
                    op.enrolment_code_hash = None
                    op.enrolment_expires_at = None
                self.ctx.audit.record(
                    s,
                    action="operator.enrolment_confirmed",
                    actor=name,
                    object_type="operator",
                    object_id=str(op.id),
                    outcome="ok" if check.ok else "denied",
                )
                failure = None
                if not check.ok:
                    locked = self._record_failure(s, op, now, use="enrolment")
                    failure = EnrolmentError(
                        LOCKED.format(what="codes")
                        if locked
                        else "that code is not valid; check the authenticator's clock"
                    )
        if failure is not None:
            raise failure

    # ------------------------------------------------------------ sign-in

    def login(self, username: str, password: str, code: str, *, kind: str = "gui") -> LoginResult:
        now = self.ctx.clock.now()
        name = username.strip().lower()
        with self.ctx.session() as s:
            op = s.scalar(select(Operator).where(Operator.username == name))
            failure = self._check_credentials(s, op, name, password, code, now)
            if failure is None:
                assert op is not None
                token = secrets.token_urlsafe(32) if kind == "cli" else None
                row = OperatorSession(
                    id=str(uuid.uuid4()),
                    operator_id=op.id,
                    kind=kind,
                    token_hash=token_hash(token) if token else None,
                    created_at=utc_iso(now),
                    last_seen_at=utc_iso(now),
                    step_up_at=utc_iso(now),
                )
                s.add(row)
                op.last_login_at = utc_iso(now)
                self.ctx.audit.record(
                    s,
                    action="auth.login",
                    actor=op.username,
                    session_id=row.id,
                    details={"factors": ["password", "totp"], "kind": kind},
                )
                result = LoginResult(self._principal(op, row), token)
        if failure is not None:
            raise failure
        return result

    def _check_credentials(
        self,
        s: Session,
        op: Operator | None,
        name: str,
        password: str,
        code: str,
        now: datetime,
        *,
        use: str = "sign-in",
    ) -> LoginFailed | None:
        """Both factors, throttling and their audit events; None means both were right."""
        audit = self.ctx.audit
        if op is None or op.status != "active" or op.password_hash is None or not op.totp_secret:
            return self._unknown_account(s, name, password, now)
        state = throttle.LockoutState(op.failed_logins, _ts(op.last_failure_at), op.hard_locked)
        wait = self._gate(s, op, now, use=use)
        if wait > 0:
            return _throttled(state, wait)
        pw_ok = self.ctx.passwords.verify(op.password_hash, password)
        # The code is only consumed (and a replay only reported) once the password is right,
        # so a wrong password never burns the operator's current code.
        check = (
            consume_totp(self.ctx, s, op, code, now, use=use)
            if pw_ok
            else totp.TotpCheck(ok=False, step=None, replay=False)
        )
        if not (pw_ok and check.ok):
            audit.record(
                s,
                action="auth.login",
                actor=op.username,
                outcome="denied",
                details={
                    "factor": "password" if not pw_ok else "totp",
                    "failures": op.failed_logins + 1,
                },
            )
            self._record_failure(s, op, now, use=use)
            return LoginFailed()
        op.failed_logins = 0
        op.last_failure_at = None
        if self.ctx.passwords.needs_rehash(op.password_hash):
            op.password_hash = self.ctx.passwords.hash(password)
        return None

    def _gate(self, s: Session, op: Operator, now: datetime, *, use: str) -> float:
        """Seconds the operator must still wait (inf: hard-locked); a refusal is audited.

        Every way of presenting a factor (sign-in, unlock, step-up, enrolment) asks here
        first, so none of them can be used to keep guessing while another is throttled.
        """
        state = throttle.LockoutState(op.failed_logins, _ts(op.last_failure_at), op.hard_locked)
        wait = throttle.retry_after(state, now)
        if wait > 0:
            self.ctx.audit.record(
                s,
                action="auth.throttled",
                actor=op.username,
                outcome="denied",
                details={"failures": op.failed_logins, "hard_locked": op.hard_locked, "use": use},
            )
        return wait

    def _record_failure(self, s: Session, op: Operator, now: datetime, *, use: str) -> bool:
        """Count one wrong factor; True if it hard-locked the account.

        The failure that hard-locks the account ends every open session of the operator
        in the same transaction (AUTH-5, AUTH-10): whoever was guessing keeps nothing.
        """
        was_locked = op.hard_locked
        state = throttle.record_failure(
            throttle.LockoutState(op.failed_logins, _ts(op.last_failure_at), op.hard_locked), now
        )
        op.failed_logins, op.hard_locked = state.failures, state.hard_locked
        op.last_failure_at = utc_iso(now)
        if not state.hard_locked or was_locked:
            return False
        rows = s.scalars(
            select(OperatorSession).where(
                OperatorSession.operator_id == op.id, OperatorSession.ended_at.is_(None)
            )
        ).all()
        self.ctx.audit.record(
            s,
            action="auth.locked",
            actor=op.username,
            outcome="denied",
            object_type="operator",
            object_id=str(op.id),
            details={"use": use, "sessions_ended": len(rows)},
        )
        for row in rows:
            self._end(s, row, "hard-lock", now)
        return True

    def _unknown_account(self, s: Session, name: str, password: str, now: datetime) -> LoginFailed:
        """Same work, same messages, same throttling as a real account with a wrong password."""
        name_hash = hashlib.sha256(name.encode("utf-8")).hexdigest()
        row = s.get(LoginThrottle, name_hash)
        if row is None:
            row = LoginThrottle(name_hash=name_hash, failures=0, hard_locked=False)
            s.add(row)
        state = throttle.LockoutState(row.failures, _ts(row.last_failure_at), row.hard_locked)
        wait = throttle.retry_after(state, now)
        details = {"reason": "unknown-or-inactive-account", "username_sha256": name_hash[:16]}
        if wait > 0:
            self.ctx.audit.record(s, action="auth.throttled", outcome="denied", details=details)
            return _throttled(state, wait)
        self.ctx.passwords.dummy_verify(password)
        state = throttle.record_failure(state, now)
        row.failures, row.hard_locked = state.failures, state.hard_locked
        row.last_failure_at = utc_iso(now)
        self.ctx.audit.record(s, action="auth.login", outcome="denied", details=details)
        return LoginFailed()

    def _principal(self, op: Operator, row: OperatorSession) -> Principal:
        return Principal(
            operator_id=op.id,
            username=op.username,
            display_name=op.display_name,
            roles=frozenset(r.role for r in op.roles),
            session_id=row.id,
            kind=row.kind,
            signed_in_at=_ts(row.created_at) or self.ctx.clock.now(),
            step_up_at=_ts(row.step_up_at),
        )

    def resume(self, token: str) -> Principal:
        """A CLI session from its token (`PRIVDESK_SESSION`); reads only (see `check`)."""
        with self.ctx.read_session() as s:
            row = s.scalar(
                select(OperatorSession).where(OperatorSession.token_hash == token_hash(token))
            )
            if row is None or row.ended_at is not None:
                raise SessionExpired("session expired or unknown: run `privdesk login` again")
            op = s.get(Operator, row.operator_id)
            assert op is not None
            principal = self._principal(op, row)
        return self.check(principal)

    # ------------------------------------------------------------ session state

    def check(self, principal: Principal) -> Principal:
        """Refresh from the DB; raises SessionLocked / SessionExpired.

        A read: it never waits for a writer. Ending the session or touching last-seen is
        written afterwards if the write lock is free, and skipped if it is not."""
        with self.ctx.read_session() as s:
            verdict = self.inspect(s, principal)
        if verdict.needs_write:
            self.ctx.defer([], lambda s: self.settle(s, verdict))
        if isinstance(verdict.result, PrivDeskError):
            raise verdict.result
        return verdict.result

    def validate(self, s: Session, principal: Principal) -> Principal | PrivDeskError:
        """Validate and touch the session inside the caller's write transaction.

        Returns the error rather than raising it, so that ending an expired session is
        committed by the caller.
        """
        verdict = self.inspect(s, principal)
        self.settle(s, verdict)
        return verdict.result

    def inspect(self, s: Session, principal: Principal) -> SessionVerdict:
        """Validate the session without writing (a read transaction is enough).

        Idle time runs from the later of this process's own last sight of the session
        (exact) and the stored `last_seen_at`, which is written at most every TOUCH_EVERY
        (60 s) and so lags the operator's last action elsewhere by less than that: a
        session used from several processes locks (GUI) or ends (CLI) between 60 s before
        and exactly at its idle limit, never after it.
        """
        now = self.ctx.clock.now()
        row = s.get(OperatorSession, principal.session_id)
        op = s.get(Operator, principal.operator_id)
        sid = principal.session_id

        def ended(message: str, reason: str | None = None) -> SessionVerdict:
            return SessionVerdict(SessionExpired(message), sid, now, end_reason=reason)

        if row is None or op is None or row.ended_at is not None or row.operator_id != op.id:
            return ended("your session has ended: sign in again")
        if op.status != "active":
            return ended("your account is no longer active: sign in again", "account-disabled")
        if op.hard_locked:  # normally ended at the lock already; this is the backstop
            return ended(LOCKED.format(what="codes or sign-ins"), "hard-lock")
        created = _ts(row.created_at) or now
        stored = _ts(row.last_seen_at) or now
        last_seen = max(stored, self.ctx.last_seen.get(sid, stored))
        absolute = timedelta(seconds=self.ctx.settings.get(s, "absolute_session_s"))
        # One idle limit for every kind of session: the GUI locks, a CLI session ends.
        idle = timedelta(seconds=self.ctx.settings.get(s, "idle_timeout_s"))
        if now - created >= absolute:
            return ended("your session reached its 12-hour limit: sign in again", "absolute-limit")
        if now - last_seen >= idle or now < last_seen - timedelta(seconds=5):
            if row.kind == "cli":
                return ended("session expired after inactivity: run `privdesk login`", "idle")
            return SessionVerdict(
                SessionLocked("locked after inactivity: enter your password and code"), sid, now
            )
        self.ctx.last_seen[sid] = max(now, last_seen)
        touch = now - stored >= TOUCH_EVERY
        return SessionVerdict(self._principal(op, row), sid, now, touch=touch)

    def settle(self, s: Session, verdict: SessionVerdict) -> None:
        """Write what `inspect` found: end the session, or touch its last-seen time."""
        if not verdict.needs_write:
            return
        row = s.get(OperatorSession, verdict.session_id)
        if row is None or row.ended_at is not None:
            return
        if verdict.end_reason is not None:
            self._end(s, row, verdict.end_reason, verdict.now)
        elif (stored := _ts(row.last_seen_at)) is None or stored < verdict.now:
            row.last_seen_at = utc_iso(verdict.now)

    def _end(self, s: Session, row: OperatorSession, reason: str, now: datetime) -> None:
        row.ended_at = utc_iso(now)
        row.end_reason = reason
        row.token_hash = None
        self.ctx.audit.record(
            s, action="auth.session_end", session_id=row.id, details={"reason": reason}
        )

    def unlock(self, principal: Principal, password: str, code: str) -> Principal:
        """Leave the idle lock screen: password + TOTP for the same operator and session."""
        now = self.ctx.clock.now()
        failure: PrivDeskError | None = None
        with self.ctx.session() as s:
            row = s.get(OperatorSession, principal.session_id)
            op = s.get(Operator, principal.operator_id)
            if row is None or op is None or row.ended_at is not None:
                failure = SessionExpired("your session has ended: sign in again")
            elif now - (_ts(row.created_at) or now) >= timedelta(
                seconds=self.ctx.settings.get(s, "absolute_session_s")
            ):
                self._end(s, row, "absolute-limit", now)
                failure = SessionExpired("your session reached its 12-hour limit: sign in again")
            else:
                failure = self._check_credentials(
                    s, op, op.username, password, code, now, use="unlock"
                )
                if op.hard_locked:  # this failure (or an earlier one) locked the account
                    if row.ended_at is None:
                        self._end(s, row, "hard-lock", now)
                    failure = SessionExpired(LOCKED.format(what="codes or sign-ins"))
                elif failure is None:
                    row.last_seen_at = utc_iso(now)
                    row.step_up_at = utc_iso(now)
                    self.ctx.audit.record(
                        s, action="auth.unlock", actor=op.username, session_id=row.id
                    )
                    principal = self._principal(op, row)
        if failure is not None:
            raise failure
        return principal

    def step_up(self, principal: Principal, code: str) -> Principal:
        """A fresh TOTP code for a sensitive action (AUTH-10); same replay rules as sign-in.

        Throttled like sign-in (AUTH-5): while a delay runs the code is not even checked,
        each wrong or replayed code counts, and the 20th ends all the operator's sessions.
        """
        now = self.ctx.clock.now()
        failure: PrivDeskError | None = None
        with self.ctx.session() as s:
            op = s.get(Operator, principal.operator_id)
            row = s.get(OperatorSession, principal.session_id)
            if op is None or row is None or row.ended_at is not None or not op.totp_secret:
                failure = SessionExpired("your session has ended: sign in again")
            elif op.hard_locked:
                self._gate(s, op, now, use="step-up")
                self._end(s, row, "hard-lock", now)
                failure = SessionExpired(LOCKED.format(what="codes or sign-ins"))
            elif (wait := self._gate(s, op, now, use="step-up")) > 0:
                failure = StepUpRequired(_wait_message("codes", wait), retry_after=wait)
            else:
                check = consume_totp(self.ctx, s, op, code, now, use="step-up")
                self.ctx.audit.record(
                    s,
                    action="auth.step_up",
                    actor=op.username,
                    session_id=row.id,
                    outcome="ok" if check.ok else "denied",
                    details={"replay": check.replay} if not check.ok else {},
                )
                if check.ok:
                    row.step_up_at = utc_iso(now)
                    row.last_seen_at = utc_iso(now)
                    principal = replace(principal, step_up_at=now)
                elif self._record_failure(s, op, now, use="step-up"):
                    failure = SessionExpired(LOCKED.format(what="codes or sign-ins"))
                else:
                    failure = StepUpRequired(
                        "that code is not valid (or was already used); try the next one"
                    )
        if failure is not None:
            raise failure
        return principal

    def logout(self, principal: Principal) -> None:
        with self.ctx.session() as s:
            row = s.get(OperatorSession, principal.session_id)
            if row is not None and row.ended_at is None:
                row.ended_at = utc_iso(self.ctx.clock.now())
                row.end_reason = "logout"
                row.token_hash = None
                self.ctx.audit.record(
                    s, action="auth.logout", actor=principal.username, session_id=row.id
                )
