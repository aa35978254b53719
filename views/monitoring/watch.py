"""The console's background run of the alert rules (issue 20: "a background job").

While an operator who works alerts (monitoring.manage) is signed in, the rules run every
`monitoring.run_every_minutes` (0: never) on a worker — never on the UI thread, one run at
a time, not while the window is locked. New alerts are announced in the status bar and,
for high severity, by a system-tray notification where the desktop has a tray.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from views.common.errors import is_session_problem

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl
    from app.monitoring.records import RunResult

MINUTE_MS = 60_000


class AlertWatch(QObject):
    ran = Signal(object)  # a RunResult that raised at least one alert
    sessionProblem = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window = parent
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.minutes = 0
        self.running = False  # a run is in flight
        self.paused = False
        self.tray: QSystemTrayIcon | None = None
        self.notified: list[str] = []  # what the tray was asked to show (tests read it)

    def start(self) -> None:
        """(Re)read the interval and arm the timer; 0 minutes leaves it stopped."""
        ctx, principal = self.ctx, self.ctx.operator()

        def job(_control: JobControl) -> int:
            from app.monitoring.service import AlertService

            return AlertService(ctx, principal).schedule()

        self.ctx.tasks.submit(job, on_done=self._arm, on_error=self._failed)

    def _arm(self, minutes: int) -> None:
        self.minutes = int(minutes)
        self.timer.stop()
        if self.minutes > 0:
            self.timer.start(self.minutes * MINUTE_MS)

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        if self.running or self.paused:
            return
        self.running = True
        ctx, principal = self.ctx, self.ctx.operator()

        def job(_control: JobControl) -> RunResult:
            from app.monitoring.service import AlertService

            return AlertService(ctx, principal).run()

        self.ctx.tasks.submit(job, on_done=self._done, on_error=self._failed)

    def _done(self, result: RunResult) -> None:
        self.running = False
        if not result.new:
            return
        self.ran.emit(result)
        high = [a for a in result.alerts if a.severity == "high"]
        if high:
            self.notify(f"{len(high)} new high-severity alert(s)", high[0].rule)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if is_session_problem(exc):
            self.sessionProblem.emit(exc)
        # Any other failure waits for the next tick; the pane's "Run rules now" says why.

    def notify(self, title: str, text: str) -> Any:
        self.notified.append(title)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window.windowIcon(), self)
            self.tray.show()
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning)
        return None
