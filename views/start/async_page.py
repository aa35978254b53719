"""A wizard page whose Next runs a background job and advances only when it succeeds.

QWizardPage.validatePage must answer at once, so the page answers "not yet", starts the
job through the task runner, and calls ``wizard().next()`` itself when the job is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWizard, QWizardPage

from app.jobs import Job, TaskRunner
from views.common.widgets import Banner, BusyOverlay


class AsyncPage(QWizardPage):
    def __init__(self, tasks: TaskRunner) -> None:
        super().__init__()
        self.tasks = tasks
        self.banner = Banner()
        self.busy = BusyOverlay(self)
        self._passed = False

    def validatePage(self) -> bool:
        if self._passed:
            self._passed = False
            return True
        if not self.busy.busy:
            self.banner.clear()
            self.start()
        return False

    def start(self) -> None:
        """Collect the input and call :meth:`run`; show problems on ``self.banner``."""
        raise NotImplementedError

    def run(self, job: Job[Any], on_done: Callable[[Any], None], message: str) -> None:
        self.busy.start(message)
        self._set_buttons(False)

        def done(result: Any) -> None:
            self._finish()
            on_done(result)
            self._passed = True
            # Deferred: with a synchronous runner we are still inside QWizard.next().
            QTimer.singleShot(0, self.wizard().next)

        self.tasks.submit(job, on_done=done, on_error=self.failed)

    def failed(self, exc: BaseException) -> None:
        self._finish()
        self.banner.show_error(exc, doing=self.title().lower() or "working")

    def _finish(self) -> None:
        self.busy.stop()
        self._set_buttons(True)

    def _set_buttons(self, enabled: bool) -> None:
        # The stubs say QWizard, but Qt returns None for a page not (yet) in a wizard.
        wizard: QWizard | None = self.wizard()
        if wizard is None:
            return
        for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.CancelButton):
            button = wizard.button(which)
            if button is not None:
                button.setEnabled(enabled)
