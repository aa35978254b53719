"""Authorization for every service call, in the service layer.

`Service.authorized(permission)` opens the action's transaction, re-validates the session
(idle lock, 12 h limit, disabled account), re-reads the operator's roles, checks the
permission and, for sensitive actions, a step-up within the last 5 minutes. A denial is
audited in its own transaction (the action's is rolled back) and raised as a typed error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.context import AppContext
from app.errors import PrivDeskError
from app.security.auth import AuthService, Principal, StepUpRequired
from app.security.permissions import Permission, permissions_for, phrase


class AllowedActions(frozenset[str]):
    """The action names an operator may do to one object now, with why the others are not.

    Computed by the same per-service rule that guards each action, so a pane that enables
    its buttons from it cannot drift from what the service will accept.
    """

    reasons: Mapping[str, str]

    def __new__(cls, allowed: Iterable[str], reasons: Mapping[str, str]) -> AllowedActions:
        self = super().__new__(cls, allowed)
        self.reasons = dict(reasons)
        return self

    def why_not(self, action: str) -> str:
        """Why `action` is not possible ("" when it is)."""
        return "" if action in self else self.reasons.get(action, "Not possible now.")


def decide_all(names: Iterable[str], refusal: Callable[[str], str | None]) -> AllowedActions:
    """Ask one rule about every action name; the answer for a pane's buttons."""
    reasons = {name: why for name in names if (why := refusal(name)) is not None}
    return AllowedActions((n for n in names if n not in reasons), reasons)


class PermissionDenied(PrivDeskError):
    def __init__(self, message: str, permission: Permission) -> None:
        super().__init__(message)
        self.permission = permission


@dataclass(frozen=True)
class Actor:
    """Who is acting, for audit records within one authorized transaction."""

    principal: Principal

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def session_id(self) -> str:
        return self.principal.session_id


class Service:
    """Base for services acting on behalf of a signed-in operator."""

    def __init__(self, ctx: AppContext, principal: Principal) -> None:
        self.ctx = ctx
        self.principal = principal

    @contextlib.contextmanager
    def authorized(
        self, permission: Permission, *, action: str, step_up: bool = False
    ) -> Iterator[tuple[Session, Actor]]:
        denial: PrivDeskError | None = None
        with self.ctx.session() as s:
            current = AuthService(self.ctx).validate(s, self.principal)
            if isinstance(current, PrivDeskError):
                denial = current
            elif permission not in permissions_for(current.roles):
                denial = PermissionDenied(
                    f"You don't have permission to {phrase(permission)}.", permission
                )
            elif step_up and not _fresh(current.step_up_at, self.ctx, s):
                denial = StepUpRequired(
                    "This action needs your authenticator code again (step-up)."
                )
            else:
                self.principal = current
                yield s, Actor(current)
        if denial is not None:
            self._record_denial(permission, action, denial)
            raise denial

    def _record_denial(self, permission: Permission, action: str, denial: PrivDeskError) -> None:
        with self.ctx.session() as s:
            self.ctx.audit.record(
                s,
                action="access.denied",
                actor=self.principal.username,
                session_id=self.principal.session_id,
                outcome="denied",
                details={
                    "attempted": action,
                    "permission": permission.value,
                    "reason": type(denial).__name__,
                },
            )

    def audit(
        self,
        s: Session,
        action: str,
        *,
        object_type: str | None = None,
        object_id: str | None = None,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> int:
        return self.ctx.audit.record(
            s,
            action=action,
            actor=self.principal.username,
            session_id=self.principal.session_id,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            details=details,
        )


def _fresh(step_up_at: datetime | None, ctx: AppContext, s: Session) -> bool:
    if step_up_at is None:
        return False
    window = timedelta(seconds=ctx.settings.get(s, "step_up_window_s"))
    now = ctx.clock.now()
    return step_up_at <= now + timedelta(seconds=5) and now - step_up_at <= window
