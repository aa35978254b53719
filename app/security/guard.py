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

from app.audit.spool import PendingEvent
from app.context import AppContext
from app.errors import PrivDeskError
from app.security.auth import AuthService, Principal, StepUpRequired
from app.security.permissions import Permission, permissions_for, phrase

# Session.info key: the audit events of a read_only transaction, written after it.
_DEFERRED = "privdesk_deferred_audit"

# The actions that only read (their writes are audit events): they run read_only, so a
# long import in another process never blocks a search, a list or a pane's load. The
# transaction is query_only, so a write slipped into one of these fails loudly.
READ_ACTIONS = frozenset(
    {
        "search",
        *("helpdesk.status", "helpdesk.snapshots", "helpdesk.directory"),
        "zendesk.status",
        *("dsar.list", "dsar.view", "dsar.settings.view", "dsar.dashboard", "dsar.actions"),
        *("dsar.letter.draft", "dsar.items", "dsar.erase.preview", "dsar.certificate"),
        "dsar.holds",
        *("review.permissions", "review.who_can", "review.diff", "review.export"),
        *("review.settings.view", "review.choices", "review.list", "review.show"),
        *("review.items", "review.item", "review.findings", "review.progress"),
        # not audit.view: the page it shows includes its own event
        *("audit.verify", "audit.export"),
        # not redaction.engine/impact/cases: building an engine may create the pseudonym key
        *("redaction.history.runs", "redaction.rules", "redaction.versions"),
        "redaction.rules.export",
        # not workspace.verify: on a damaged file its report must not hang on a later write
        *("backup.list", "keyring.status", "settings.view"),
        *("operator.actions", "operator.list"),
        # not drills.playbooks.list/view/export: they install the built-in playbooks
        *("drills.run.list", "drills.run.view", "drills.playbooks.history"),
        *("drills.roster.view", "drills.aar.view", "drills.aar.export"),
        *("drills.improvement.list", "drills.trends", "drills.metrics"),
        *("drills.breach.actions", "drills.notice.view", "drills.notice.export"),
        *("monitoring.list", "monitoring.show", "monitoring.rules.list"),
        *("monitoring.rules.view", "monitoring.rules.export"),
        *("monitoring.review.status", "monitoring.review.view", "monitoring.review.export"),
        "monitoring.timeline",
        "monitoring.schedule",
        # not inventory.view/export: they install the built-in starting inventory
        *("inventory.scan.view", "retention.list", "retention.view", "retention.holds"),
        *("policies.list", "policies.due", "policies.in_force", "policies.acknowledgements"),
        "trust.preview",
        *("vendors.list", "vendors.show", "vendors.reviews", "vendors.integrations.list"),
        *("vendors.findings", "vendors.export", "vendors.questionnaire.view"),
        *("training.list", "training.status", "training.phishing", "training.quizzes"),
        "training.evidence",
    }
)


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
        self,
        permission: Permission,
        *,
        action: str,
        step_up: bool = False,
        read_only: bool = False,
    ) -> Iterator[tuple[Session, Actor]]:
        """The action's transaction, once the session and the permission are checked.

        `read_only` (searches, lists, detail views; every action in READ_ACTIONS): a
        deferred, query_only read transaction that
        takes no write lock and never waits for a writer. Its audit events (`self.audit`)
        and the session's last-seen touch are written after it, if the write lock is free
        at once; otherwise the events are spooled (app.audit.spool) and the touch skipped.
        """
        if read_only or action in READ_ACTIONS:
            with self._authorized_read(permission, action, step_up) as pair:
                yield pair
            return
        denial: PrivDeskError | None = None
        with self.ctx.session() as s:
            current = AuthService(self.ctx).validate(s, self.principal)
            denial = self._refusal(current, permission, step_up, s)
            if denial is None:
                assert isinstance(current, Principal)
                self.principal = current
                yield s, Actor(current)
        if denial is not None:
            self._record_denial(permission, action, denial)
            raise denial

    @contextlib.contextmanager
    def _authorized_read(
        self, permission: Permission, action: str, step_up: bool
    ) -> Iterator[tuple[Session, Actor]]:
        auth = AuthService(self.ctx)
        events: list[PendingEvent] = []
        with self.ctx.read_session() as s:
            verdict = auth.inspect(s, self.principal)
            denial = self._refusal(verdict.result, permission, step_up, s)
            if denial is None:
                assert isinstance(verdict.result, Principal)
                self.principal = verdict.result
                s.info[_DEFERRED] = events
                yield s, Actor(verdict.result)
        settle = (lambda s: auth.settle(s, verdict)) if verdict.needs_write else None
        if denial is not None:
            events.append(self._denial_event(permission, action, denial))
        self.ctx.defer(events, settle)
        if denial is not None:
            raise denial

    def _refusal(
        self, current: Principal | PrivDeskError, permission: Permission, step_up: bool, s: Session
    ) -> PrivDeskError | None:
        if isinstance(current, PrivDeskError):
            return current
        if permission not in permissions_for(current.roles):
            return PermissionDenied(
                f"You don't have permission to {phrase(permission)}.", permission
            )
        if step_up and not _fresh(current.step_up_at, self.ctx, s):
            return StepUpRequired("This action needs your authenticator code again (step-up).")
        return None

    def _denial_event(
        self, permission: Permission, action: str, denial: PrivDeskError
    ) -> PendingEvent:
        return self.ctx.pending(
            "access.denied",
            actor=self.principal.username,
            session_id=self.principal.session_id,
            outcome="denied",
            details={
                "attempted": action,
                "permission": permission.value,
                "reason": type(denial).__name__,
            },
        )

    def _record_denial(self, permission: Permission, action: str, denial: PrivDeskError) -> None:
        """Audit a refusal in its own transaction (spooled if another process writes)."""
        self.ctx.defer([self._denial_event(permission, action, denial)])

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
        """Seal an event in the action's transaction (after it, for a read_only one:
        then the seq is not known yet and 0 is returned)."""
        deferred = s.info.get(_DEFERRED)
        if deferred is not None:
            deferred.append(
                self.ctx.pending(
                    action,
                    actor=self.principal.username,
                    session_id=self.principal.session_id,
                    object_type=object_type,
                    object_id=object_id,
                    outcome=outcome,
                    details=details,
                )
            )
            return 0
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
