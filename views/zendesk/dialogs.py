"""Connect to Zendesk (administrator, step-up) and Sync now (privacy officer, a job).

Both dialogs only call the services of :mod:`app.zendesk`; the token typed here is handed
to ``ConnectionService.connect`` and cleared from the field at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from app.jobs import JobControl
from views.common.errors import is_session_problem
from views.common.widgets import MARGIN, Banner, heading, vbox, wrapped
from views.stepup import run_guarded

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import TaskHandle
    from app.monitoring.after_import import AfterImport
    from app.security.auth import Principal
    from app.zendesk.connection import ConnectionStatus
    from app.zendesk.sync import SyncResult


class ConnectDialog(QDialog):
    connected = Signal(object)  # ConnectionStatus
    sessionProblem = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Connect to Zendesk")
        self.subdomain = QLineEdit()
        self.subdomain.setPlaceholderText("acme (for acme.zendesk.com)")
        self.email = QLineEdit()
        self.email.setPlaceholderText("the Zendesk admin the token belongs to")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("optional: a sandbox or proxy (https://…)")
        self.oauth = QCheckBox("The token is an OAuth access token")
        form = QFormLayout()
        form.addRow("Subdomain", self.subdomain)
        form.addRow("Email", self.email)
        form.addRow("API token", self.token)
        form.addRow("Base URL", self.base_url)
        form.addRow("", self.oauth)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.connect_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.connect_button.setText("Connect")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        note = wrapped(
            "PrivDesk tests the token with GET /api/v2/users/me and keeps it only inside "
            "this encrypted workspace. Use an admin's token (README: Connect to Zendesk)."
        )
        self.setLayout(vbox(heading("Connect to Zendesk"), note, form, self.banner,
                            self.buttons, margin=MARGIN))  # fmt: skip
        self.setMinimumWidth(460)
        self.status: ConnectionStatus | None = None

    def submit(self) -> None:
        subdomain, token = self.subdomain.text().strip(), self.token.text()
        if not subdomain or not token:
            self.banner.show_error("Type the subdomain and the API token.")
            return
        email, base = self.email.text().strip() or None, self.base_url.text().strip() or None
        oauth = self.oauth.isChecked()
        self.token.clear()  # the secret does not stay in the widget
        ctx = self.ctx

        def action(principal: Principal) -> Any:
            def job(control: JobControl) -> ConnectionStatus:
                from app.zendesk.connection import ConnectionService

                return ConnectionService(ctx, principal).connect(
                    subdomain=subdomain, email=email, token=token, base_url=base, oauth=oauth
                )

            return job

        self.banner.clear()
        self.connect_button.setEnabled(False)
        run_guarded(self, ctx, action, on_done=self._done, on_error=self._failed)

    def _done(self, status: ConnectionStatus) -> None:
        self.connect_button.setEnabled(True)
        self.status = status
        self.connected.emit(status)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.connect_button.setEnabled(True)
        if is_session_problem(exc):
            self.reject()
            self.sessionProblem.emit(exc)
            return
        self.banner.show_error(exc, doing="connecting to Zendesk")


class SyncDialog(QDialog):
    """The sync as a job: progress (pages, objects), Cancel, the summary at the end."""

    synced = Signal(object)  # SyncResult
    sessionProblem = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Sync from Zendesk")
        self.text = wrapped("Starting…")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.banner = Banner()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.accept)
        self.close_button.setEnabled(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.setLayout(vbox(heading("Sync from Zendesk"), self.text, self.bar, self.banner,
                            buttons, margin=MARGIN))  # fmt: skip
        self.setMinimumWidth(440)
        self.handle: TaskHandle | None = None
        self.result_: SyncResult | None = None

    def start(self) -> None:
        ctx, principal = self.ctx, self.ctx.operator()

        def job(control: JobControl) -> tuple[SyncResult, AfterImport | None]:
            from app.monitoring.after_import import evaluate_after_import
            from app.zendesk.sync import SyncService

            result = SyncService(ctx, principal).sync(None, control)
            return result, evaluate_after_import(ctx, principal, result.counts)

        self.handle = ctx.tasks.submit(
            job,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progress,
            on_cancelled=self._cancelled,
        )

    def _progress(self, done: int, _total: int | None, message: str) -> None:
        self.text.setText(f"Syncing… {message}")

    def cancel(self) -> None:
        if self.handle is not None and not self.handle.done:
            self.cancel_button.setEnabled(False)
            self.text.setText("Cancelling after the page in flight…")
            self.handle.cancel()
        else:
            self.reject()

    def _finish(self) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)

    def _done(self, outcome: tuple[SyncResult, AfterImport | None]) -> None:
        result, after = outcome
        self._finish()
        self.result_ = result
        self.text.setText(f"{result.summary()}\n{after.summary()}" if after else result.summary())
        self.synced.emit(result)

    def _cancelled(self) -> None:
        self._finish()
        self.text.setText(
            "Sync cancelled. The pages fetched so far are kept; Sync now resumes after them."
        )

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        if is_session_problem(exc):
            self.reject()
            self.sessionProblem.emit(exc)
            return
        self.text.setText("The sync stopped.")
        self.banner.show_error(exc, doing="syncing from Zendesk")
