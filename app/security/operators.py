"""Operator administration: add, activate, disable/enable, roles, MFA reset, unlock.

An administrator never chooses or learns another operator's password (ASVS 6.4.6): adding
an operator (or resetting their MFA) issues a single-use enrolment code, valid 72 hours,
with which the operator sets their own password and enrols their authenticator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.context import AppContext
from app.security import passwords, totp
from app.security.auth import Enrolment, EnrolmentError, Principal, validate_username
from app.security.guard import AllowedActions, Service, decide_all
from app.security.permissions import Permission, Role, duty_conflicts, needs_role, parse_roles
from models.security import Operator, OperatorRole, OperatorSession

ENROLMENT_VALIDITY = timedelta(hours=72)


@dataclass(frozen=True)
class OperatorView:
    id: int
    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    status: str
    locked: bool
    failed_logins: int
    last_login_at: str | None
    created_at: str
    # Separation-of-duties warnings for this role set (e.g. administrator + auditor).
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewOperator:
    """Shown once to the administrator, who hands the code to the new operator."""

    username: str
    enrolment_code: str
    expires_at: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def _new_code() -> str:
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(20))  # ~99 bits
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def _view(op: Operator) -> OperatorView:
    return OperatorView(
        id=op.id,
        username=op.username,
        display_name=op.display_name,
        email=op.email,
        roles=tuple(sorted(r.role for r in op.roles)),
        status=op.status,
        locked=op.hard_locked,
        failed_logins=op.failed_logins,
        last_login_at=op.last_login_at,
        created_at=op.created_at,
        conflicts=duty_conflicts(r.role for r in op.roles),
    )


# What can be done to one operator (the Operators pane's buttons), all `operators.manage`.
OPERATOR_ACTIONS = ("roles", "disable", "enable", "reset_mfa", "unlock")


def _last_admin(s: Session, op: Operator) -> bool:
    if Role.ADMINISTRATOR.value not in {r.role for r in op.roles}:
        return False
    admins = s.scalars(
        select(Operator.id)
        .join(OperatorRole)
        .where(OperatorRole.role == Role.ADMINISTRATOR.value, Operator.status == "active")
    ).all()
    return list(admins) == [op.id]


def operator_refusal(s: Session, principal: Principal, action: str, op: Operator) -> str | None:
    """None if `principal` may do `action` to `op` now, else why not (the one rule for the
    guard path and `allowed_actions`)."""
    if not principal.can(Permission.OPERATORS_MANAGE):
        return f"Managing operators needs {needs_role(Permission.OPERATORS_MANAGE)}"
    if action == "disable":
        if op.status == "disabled":
            return f"{op.username} is already disabled"
        if _last_admin(s, op):
            return "this is the last active administrator; add another first"
    if action == "enable" and op.status != "disabled":
        return f"{op.username} is not disabled"
    if action == "reset_mfa" and op.id == principal.operator_id:
        return "ask another administrator to reset your own MFA"
    if action == "unlock" and not (op.hard_locked or op.failed_logins):
        return f"{op.username} is not locked and has no failed sign-ins"
    return None


class OperatorService(Service):
    def allowed_actions(self, username: str) -> AllowedActions:
        """What the signed-in administrator may do to this operator now."""
        with self.authorized(Permission.OPERATORS_VIEW, action="operator.actions") as (s, a):
            op = self._get(s, username)
            return decide_all(
                OPERATOR_ACTIONS, lambda name: operator_refusal(s, a.principal, name, op)
            )

    def _require(self, s: Session, action: str, op: Operator) -> None:
        why = operator_refusal(s, self.principal, action, op)
        if why is not None:
            raise EnrolmentError(why)

    def list(self) -> list[OperatorView]:
        with self.authorized(Permission.OPERATORS_VIEW, action="operator.list") as (s, _):
            ops = s.scalars(select(Operator).order_by(Operator.username)).all()
            return [_view(op) for op in ops]

    def add(
        self,
        username: str,
        display_name: str,
        roles: Iterable[str],
        email: str | None = None,
    ) -> NewOperator:
        name = validate_username(username)
        try:
            role_set = parse_roles(roles)
        except ValueError as exc:
            raise EnrolmentError(str(exc)) from None
        if not role_set:
            raise EnrolmentError("give the operator at least one role")
        with self.authorized(Permission.OPERATORS_MANAGE, action="operator.add", step_up=True) as (
            s,
            _,
        ):
            if s.scalar(select(Operator.id).where(Operator.username == name)):
                raise EnrolmentError(f"an operator named {name!r} already exists")
            code = _new_code()
            expires = self.ctx.clock.now() + ENROLMENT_VALIDITY
            op = Operator(
                username=name,
                display_name=display_name.strip() or name,
                email=email,
                status="pending",
                enrolment_code_hash=_code_hash(code),
                enrolment_expires_at=utc_iso(expires),
                failed_logins=0,
                hard_locked=False,
                created_at=utc_iso(self.ctx.clock.now()),
                roles=[OperatorRole(role=r.value) for r in sorted(role_set)],
            )
            s.add(op)
            s.flush()
            self.audit(
                s,
                "operator.add",
                object_type="operator",
                object_id=str(op.id),
                details={"roles": sorted(r.value for r in role_set)},
            )
        return NewOperator(name, code, utc_iso(expires))

    def disable(self, username: str) -> None:
        with self.authorized(
            Permission.OPERATORS_MANAGE, action="operator.disable", step_up=True
        ) as (s, _):
            op = self._get(s, username)
            self._require(s, "disable", op)
            op.status = "disabled"
            ended = _end_sessions(s, op.id, "account-disabled", self.ctx.clock.now())
            self.audit(
                s,
                "operator.disable",
                object_type="operator",
                object_id=str(op.id),
                details={"sessions_ended": ended},
            )

    def enable(self, username: str) -> None:
        with self.authorized(
            Permission.OPERATORS_MANAGE, action="operator.enable", step_up=True
        ) as (s, _):
            op = self._get(s, username)
            self._require(s, "enable", op)
            op.status = "active" if op.password_hash and op.totp_secret else "pending"
            self.audit(s, "operator.enable", object_type="operator", object_id=str(op.id))

    def set_roles(self, username: str, roles: Iterable[str]) -> tuple[str, ...]:
        try:
            role_set = parse_roles(roles)
        except ValueError as exc:
            raise EnrolmentError(str(exc)) from None
        if not role_set:
            raise EnrolmentError("give the operator at least one role (or disable the account)")
        with self.authorized(
            Permission.OPERATORS_MANAGE, action="operator.roles", step_up=True
        ) as (s, _):
            op = self._get(s, username)
            before = sorted(r.role for r in op.roles)
            self._keep_an_admin(s, op, removing_admin=Role.ADMINISTRATOR not in role_set)
            op.roles = [OperatorRole(role=r.value) for r in sorted(role_set)]
            after = sorted(r.value for r in role_set)
            details: dict[str, object] = {
                "before": before,
                "after": after,
                "added": sorted(set(after) - set(before)),
                "removed": sorted(set(before) - set(after)),
                # An administrator changing their own roles is shown as such (self-grant).
                "self": op.id == self.principal.operator_id,
            }
            if duty_conflicts(after):
                details["duty_conflict"] = True
            self.audit(
                s, "operator.roles", object_type="operator", object_id=str(op.id), details=details
            )
        return tuple(after)

    def reset_mfa(self, username: str) -> NewOperator:
        """New authenticator and password through a fresh enrolment code; sessions end."""
        with self.authorized(
            Permission.OPERATORS_MANAGE, action="operator.reset_mfa", step_up=True
        ) as (s, _):
            op = self._get(s, username)
            self._require(s, "reset_mfa", op)
            code = _new_code()
            expires = self.ctx.clock.now() + ENROLMENT_VALIDITY
            op.status = "pending"
            op.totp_secret = None
            op.totp_last_step = None
            op.password_hash = None
            op.enrolment_code_hash = _code_hash(code)
            op.enrolment_expires_at = utc_iso(expires)
            ended = _end_sessions(s, op.id, "mfa-reset", self.ctx.clock.now())
            self.audit(
                s,
                "operator.reset_mfa",
                object_type="operator",
                object_id=str(op.id),
                details={"sessions_ended": ended},
            )
        return NewOperator(op.username, code, utc_iso(expires))

    def unlock(self, username: str) -> None:
        with self.authorized(Permission.OPERATORS_MANAGE, action="operator.unlock") as (s, _):
            op = self._get(s, username)
            self._require(s, "unlock", op)
            op.hard_locked = False
            op.failed_logins = 0
            op.last_failure_at = None
            self.audit(s, "operator.unlock", object_type="operator", object_id=str(op.id))

    def _get(self, s: Session, username: str) -> Operator:
        op = s.scalar(select(Operator).where(Operator.username == username.strip().lower()))
        if op is None:
            raise EnrolmentError(f"no operator named {username.strip()!r}")
        return op

    def _keep_an_admin(self, s: Session, op: Operator, *, removing_admin: bool) -> None:
        if not removing_admin or Role.ADMINISTRATOR.value not in {r.role for r in op.roles}:
            return
        admins = s.scalars(
            select(Operator)
            .join(OperatorRole)
            .where(OperatorRole.role == Role.ADMINISTRATOR.value, Operator.status == "active")
        ).all()
        if [a.id for a in admins] == [op.id]:
            raise EnrolmentError("this is the last active administrator; add another first")


def _end_sessions(s: Session, operator_id: int, reason: str, now: datetime) -> int:
    rows = s.scalars(
        select(OperatorSession).where(
            OperatorSession.operator_id == operator_id, OperatorSession.ended_at.is_(None)
        )
    ).all()
    for row in rows:
        row.ended_at = utc_iso(now)
        row.end_reason = reason
        row.token_hash = None
    return len(rows)


def activate(ctx: AppContext, username: str, enrolment_code: str, password: str) -> Enrolment:
    """The new operator sets their password with the code; returns the TOTP to enrol.

    The account stays pending until `AuthService.confirm_enrolment` sees one valid code.
    """
    name = username.strip().lower()
    passwords.check_password(password, username=name)
    with ctx.session() as s:
        op = s.scalar(select(Operator).where(Operator.username == name))
        now = ctx.clock.now()
        valid = (
            op is not None
            and op.status == "pending"
            and op.enrolment_code_hash is not None
            and op.enrolment_expires_at is not None
            and hmac.compare_digest(op.enrolment_code_hash, _code_hash(enrolment_code))
            and now < datetime.fromisoformat(op.enrolment_expires_at.replace("Z", "+00:00"))
        )
        if not valid or op is None:
            ctx.audit.record(
                s,
                action="operator.activate",
                outcome="denied",
                details={"reason": "bad-or-expired-code"},
            )
            secret = None
        else:
            secret = totp.new_secret()
            op.password_hash = ctx.passwords.hash(password)
            op.totp_secret = secret
            op.totp_last_step = None
            # Single use: a second activation with the same code could replace the password
            # and authenticator before the operator confirms (ASVS 6.4.1).
            op.enrolment_code_hash = None
            op.enrolment_expires_at = None
            ctx.audit.record(
                s,
                action="operator.activate",
                actor=op.username,
                object_type="operator",
                object_id=str(op.id),
            )
    if secret is None:
        raise EnrolmentError("that enrolment code is not valid or has expired; ask for a new one")
    return Enrolment(name, secret, totp.provisioning_uri(secret, name))
