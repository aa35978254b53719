"""The pane contract: who a pane is, what it needs, and how it runs a service call.

A pane declares who it is (NAME, TITLE, ICON, ORDER) and what it needs (PERMISSION); the
main window builds its navigation from :func:`views.navigation.panes_for`, and a pane an
operator may not use is never constructed for them. The services enforce the permission
again: hiding is a courtesy, not the control.

A pane takes only the context: ``ctx.operator`` is the signed-in operator and
``ctx.tasks`` the background runner. :meth:`Pane.run` submits a job there and sends every
error to :meth:`Pane.report`, one place for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from views.common.errors import is_session_problem
from views.common.widgets import Banner
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

    sessionProblem = Signal(object)  # SessionLocked / SessionExpired: the window handles it
    settingsChanged = Signal()  # e.g. the idle timeout; the window re-reads what it uses

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.banner = Banner()  # where report() shows errors; each pane places it

    def refresh(self) -> None:
        """Reload what the pane shows (called when it is first shown and on demand)."""

    def principal(self) -> Principal:
        """The signed-in operator now (step-up and unlock replace it in ``ctx.operator``)."""
        return self.ctx.operator()

    def can(self, permission: Permission) -> bool:
        """For enabling buttons only; the service checks again and decides."""
        return self.principal().can(permission)

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
