"""What every tab of the drills pane shares: running service calls, talking to the pane.

A tab takes only the context (the signed-in operator and the task runner are on it) and
tells the pane what to show through signals: messages and errors for the pane's banner,
and ``changed`` when the run it shows was changed from inside (the run view reloads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from views.common.pane import needs_text
from views.tasks import while_alive

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import Job
    from app.security.auth import Principal
    from app.security.permissions import Permission

T = TypeVar("T")


def when(ts: str | None) -> str:
    """`2026-11-27 12:05` from a stored UTC timestamp (the UI says UTC in its headers)."""
    return ts[:16].replace("T", " ") if ts else "—"


class DrillsTab(QWidget):
    messageShown = Signal(str, str)  # text, banner kind ("error", "info", "ok")
    messageCleared = Signal()
    failed = Signal(object, str)  # the exception, what was being done: Pane.report
    changed = Signal()  # the run changed (a breach fact, a notice): reload the run view

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def principal(self) -> Principal:
        return self.ctx.operator()

    def enable_for(
        self, widgets: Iterable[QWidget], permission: Permission, *, closed: str = ""
    ) -> bool:
        """Enable ``widgets`` if the operator holds ``permission`` (and ``closed`` is empty);
        else disable them and say why in the tooltip — the role it needs, or ``closed``
        ("run #3 is closed"). A courtesy: the services check again and decide."""
        allowed = self.principal().can(permission)
        why = "" if allowed else needs_text(permission)
        why = why or closed
        for widget in widgets:
            own = widget.property("ownToolTip")
            if own is None:  # the widget's own help, shown again once it is enabled
                own = widget.toolTip()
                widget.setProperty("ownToolTip", own)
            widget.setEnabled(not why)
            widget.setToolTip(why or own)
        return not why

    def say(self, text: str, kind: str = "error") -> None:
        self.messageShown.emit(text, kind)

    def run(self, job: Job[T], done: Callable[[T], None], doing: str) -> None:
        """Clear the banner and run ``job``; an error goes to the pane's report."""

        def error(exc: BaseException) -> None:
            self.failed.emit(exc, doing)

        self.messageCleared.emit()
        self.ctx.tasks.submit(
            job, on_done=while_alive(self, done), on_error=while_alive(self, error)
        )

    def forward(self, inner: DrillsTab) -> None:
        """Pass on the messages of a tab shown inside this one (the run view's sub-tabs)."""
        inner.messageShown.connect(self.messageShown)
        inner.messageCleared.connect(self.messageCleared)
        inner.failed.connect(self.failed)
