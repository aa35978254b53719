"""Step-up: when a service says an action needs a fresh code, ask for it and try again.

Panes call :meth:`Pane.run_guarded <views.common.pane.Pane.run_guarded>` (which uses
:func:`run_guarded`) instead of ``run`` for sensitive actions. The
service decides what is sensitive (it raises StepUpRequired); the GUI only reacts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from app.jobs import JobControl
from views.common.errors import is_session_problem
from views.common.widgets import MARGIN, Banner, BusyOverlay, heading, vbox, wrapped
from views.start.wizard_pages import code_field

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal

ActionFor = Callable[["Principal"], Callable[[JobControl], Any]]


class StepUpDialog(QDialog):
    """Asks for one fresh authenticator code and calls AuthService.step_up."""

    def __init__(
        self,
        ctx: AppContext,
        reason: str,
        parent: QWidget | None = None,
        on_session_problem: Callable[[BaseException], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_session_problem = on_session_problem
        self.setWindowTitle("Confirm with your authenticator")
        self._ctx = ctx
        self.code = code_field()
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Confirm")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                heading("Confirm it is you", size_delta=2),
                wrapped(reason),
                self.banner,
                self.code,
                self.buttons,
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.busy = BusyOverlay(self)
        self.setMinimumWidth(380)

    def submit(self) -> None:
        if not self.code.hasAcceptableInput():
            self.banner.show_error("Type the 6-digit code from your authenticator app.")
            return
        ctx, principal, code = self._ctx, self._ctx.operator(), self.code.text()

        def job(control: JobControl) -> Principal:
            from app.security.auth import AuthService

            return AuthService(ctx).step_up(principal, code)

        self.busy.start("Checking the code…")
        ctx.tasks.submit(job, on_done=self._done, on_error=self._failed)

    def _done(self, principal: Principal) -> None:
        self.busy.stop()
        self._ctx.operator.replace(principal)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self.code.clear()
        if self._on_session_problem is not None and is_session_problem(exc):
            # Too many wrong codes hard-locked the account and ended the session: the
            # window signs out rather than leave a dialog asking for codes it will refuse.
            self.reject()
            self._on_session_problem(exc)
            return
        self.banner.show_error(exc, doing="checking the code")


def run_guarded(
    parent: QWidget,
    ctx: AppContext,
    action: ActionFor,
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> None:
    """Run ``action(principal)`` as a job; on StepUpRequired ask for a code, then retry once."""
    tasks, session = ctx.tasks, ctx.operator

    def failed(exc: BaseException) -> None:
        from app.security.auth import StepUpRequired

        if not isinstance(exc, StepUpRequired):
            on_error(exc)
            return
        dialog = StepUpDialog(ctx, exc.message, parent, on_session_problem=on_error)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # open(), not exec(): no nested event loop, and tests can reach the dialog.
        dialog.accepted.connect(
            lambda: tasks.submit(action(session()), on_done=on_done, on_error=on_error)
        )
        dialog.open()

    tasks.submit(action(session()), on_done=on_done, on_error=failed)
