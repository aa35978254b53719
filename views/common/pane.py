"""The pane contract: who a pane is, what it needs, and how it runs a service call.

A pane declares who it is (NAME, TITLE, ICON, ORDER) and what it needs (PERMISSION); the
main window builds its navigation from :func:`views.navigation.panes_for`, and a pane an
operator may not use is never constructed for them. The services enforce the permission
again: hiding is a courtesy, not the control.

A pane takes only the context: ``ctx.operator`` is the signed-in operator and
``ctx.tasks`` the background runner. :meth:`Pane.run` submits a job there and sends every
error to :meth:`Pane.report`, one place for all of them.

Loading, empty and failed states (adopt them in a pane in three lines)::

    self.body = LoadView(self.table, "No campaigns yet — start one with New campaign…")
    ...                                          # place self.body where the table was
    self.load(job, self._loaded, "reading the campaigns", is_empty=lambda rows: not rows)

:meth:`Pane.load` is :meth:`run` for the job that fills the pane: ``body`` shows
"Loading…" from the moment the job is submitted until its result arrives (a reload keeps
the content already shown, so it does not flicker; ``load_state`` says it is loading), then the
content, or the empty text only when the load succeeded and ``is_empty(result)`` says
there is nothing (never while loading, never after a failed load: that shows "Could not
load" and the error in the message area). ``load_state`` says which ("loading", "loaded",
"failed"), for a pane's own labels and for tests.

The message area (``self.banner``) is reserved: it keeps its height while empty, so a
message never pushes the pane's buttons away under the mouse. Place it once, best in
the heading row (``hbox(heading(TITLE), self.banner, buttons…)``: it takes the free width
there and no height of its own), else above the content. A control the operator may not
use: :meth:`enable_for` disables it and says why in its tooltip ("Exporting the audit
log needs the Auditor role."), worded from ``app.security.permissions``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from views.common.errors import is_session_problem
from views.common.widgets import Banner, LoadView
from views.tasks import while_alive

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import Job, ProgressCallback, TaskHandle
    from app.security.auth import Principal
    from app.security.permissions import Permission
    from views.stepup import ActionFor

T = TypeVar("T")


class Pane(QWidget):
    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    ICON: ClassVar[str | None] = None  # freedesktop theme icon name
    ORDER: ClassVar[int] = 100
    PERMISSION: ClassVar[Permission | None] = None
    # Other permissions that also open the pane (it then shows what they allow).
    ALSO_PERMISSIONS: ClassVar[tuple[Permission, ...]] = ()

    @classmethod
    def visible_to(cls, principal: Any) -> bool:
        """Whether this operator may open the pane (the services decide what it shows)."""
        if cls.PERMISSION is None:
            return True
        return any(principal.can(p) for p in (cls.PERMISSION, *cls.ALSO_PERMISSIONS))

    sessionProblem = Signal(object)  # SessionLocked / SessionExpired: the window handles it
    settingsChanged = Signal()  # e.g. the idle timeout; the window re-reads what it uses

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.banner = Banner(reserve=True)  # where report() shows errors; each pane places it
        self.load_state = "idle"  # "loading" from load() until its result, then "loaded"/"failed"
        self.body: LoadView | None = None  # the pane's LoadView, if it has one

    def refresh(self) -> None:
        """Reload what the pane shows (called when it is first shown and on demand)."""

    def principal(self) -> Principal:
        """The signed-in operator now (step-up and unlock replace it in ``ctx.operator``)."""
        return self.ctx.operator()

    def can(self, permission: Permission) -> bool:
        """For enabling buttons only; the service checks again and decides."""
        return self.principal().can(permission)

    def needs(self, permission: Permission) -> str:
        """Why a control is unavailable: "Exporting the audit log needs the Auditor role."."""
        return needs_text(permission)

    def enable_for(self, widget: QWidget, permission: Permission) -> bool:
        """Enable ``widget`` if the operator holds ``permission``; else disable it and say why.

        A courtesy only: the service checks the permission again and decides.
        """
        allowed = self.can(permission)
        widget.setEnabled(allowed)
        widget.setToolTip("" if allowed else self.needs(permission))
        return allowed

    def report(self, exc: BaseException, doing: str, banner: Banner | None = None) -> None:
        """Show a service error; a locked or ended session goes to the window instead."""
        if is_session_problem(exc):
            self.sessionProblem.emit(exc)
        else:
            (banner or self.banner).show_error(exc, doing=doing)

    def run(
        self,
        job: Job[T],
        done: Callable[[T], None] | None,
        doing: str,
        *,
        banner: Banner | None = None,
        on_progress: ProgressCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Run ``job`` in the background; ``done`` gets its result on the GUI thread.

        An error goes to :meth:`report` (to ``banner``, default the pane's) worded with
        ``doing`` ("reading the log"). Nothing is delivered once the pane was deleted.
        """

        def failed(exc: BaseException) -> None:
            self.report(exc, doing, banner)

        return self.ctx.tasks.submit(
            job,
            on_done=None if done is None else while_alive(self, done),
            on_error=while_alive(self, failed),
            on_progress=None if on_progress is None else while_alive(self, on_progress),
            on_cancelled=None if on_cancelled is None else while_alive(self, on_cancelled),
        )

    def load(
        self,
        job: Job[T],
        done: Callable[[T], None] | None,
        doing: str,
        *,
        is_empty: Callable[[T], bool] | None = None,
        view: LoadView | None = None,
    ) -> TaskHandle:
        """:meth:`run` for the job that fills the pane, with loading / empty / failed states.

        ``view`` (default ``self.body``) shows "Loading…" until the result arrives; then
        ``done(result)`` runs and the view shows the empty text if ``is_empty(result)``,
        else the content. A failure shows "Could not load" and reports the error.
        """
        view = view or self.body
        self.load_state = "loading"
        if view is not None:
            view.show_loading()

        def finished(result: T) -> None:
            self.load_state = "loaded"
            if done is not None:
                done(result)
            if view is not None:
                if is_empty is not None and is_empty(result):
                    view.show_empty()
                else:
                    view.show_content()

        def failed(exc: BaseException) -> None:
            self.load_state = "failed"
            if view is not None:
                view.show_failed()
            self.report(exc, doing)

        return self.ctx.tasks.submit(
            job, on_done=while_alive(self, finished), on_error=while_alive(self, failed)
        )

    def run_guarded(self, action: ActionFor, done: Callable[[Any], None], doing: str) -> None:
        """:meth:`run` for a sensitive action: ask for a fresh code if the service wants one.

        ``action(principal)`` builds the job, so the retry after step-up runs as the
        refreshed principal.
        """
        from views.stepup import run_guarded

        def failed(exc: BaseException) -> None:
            self.report(exc, doing)

        run_guarded(
            self,
            self.ctx,
            action,
            on_done=while_alive(self, done),
            on_error=while_alive(self, failed),
        )


_GERUNDS = {"run": "running", "see": "seeing"}


def needs_text(permission: Permission) -> str:
    """ "Exporting the audit log needs the Auditor role." from the permission table."""
    from app.security.permissions import PERMISSION_PHRASES, ROLE_PERMISSIONS, ROLE_TITLES

    roles = [ROLE_TITLES[r] for r, granted in ROLE_PERMISSIONS.items() if permission in granted]
    action = PERMISSION_PHRASES.get(permission, permission.value)
    verb, _, rest = action.partition(" ")
    gerund = _GERUNDS.get(verb) or (verb[:-1] if verb.endswith("e") else verb) + "ing"
    doing = f"{gerund} {rest}".strip()
    doing = doing[0].upper() + doing[1:]
    if not roles:
        return f"{doing} is not granted to any role."
    who = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " or " + roles[-1]
    return f"{doing} needs the {who} role."
