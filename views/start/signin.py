"""Sign-in: username, password and a 6-digit code.

Every bad credential gets the service's one generic message, so the dialog reveals
nothing about which part was wrong. While the account is throttled the button counts
down the wait the service announced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QPushButton, QWidget

from app.jobs import JobControl, TaskRunner
from views.common.widgets import MARGIN, Banner, BusyOverlay, hbox, heading, vbox, wrapped
from views.start.wizard_pages import code_field, password_field

if TYPE_CHECKING:
    from app.context import AppContext
    from app.demo import DemoCredentials
    from app.security.auth import LoginResult


class SignInDialog(QDialog):
    signedIn = Signal(object)  # LoginResult
    activateRequested = Signal()

    def __init__(
        self,
        ctx: AppContext,
        tasks: TaskRunner,
        *,
        notice: str = "",
        demo: DemoCredentials | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("PrivDesk — sign in")
        self.ctx = ctx
        self.result_value: LoginResult | None = None
        self._tasks = tasks
        self._wait_left = 0
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.password = password_field("Password")
        self.code = code_field()
        for field in (self.username, self.password, self.code):
            field.textChanged.connect(self._update_button)
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)
        form.addRow("Authenticator code", self.code)
        self.banner = Banner()
        self._demo = demo
        self.demo_box = QComboBox()
        if demo is not None:
            # A demo workspace publishes its credentials on purpose (app.demo); offer them.
            self.demo_box.addItems(sorted(demo.operators))
            fill = QPushButton("Fill in")
            fill.clicked.connect(self.fill_demo)
            form.addRow("Demo operator", hbox(self.demo_box, fill))
        self.sign_in = QPushButton("Sign in")
        self.sign_in.setDefault(True)
        self.sign_in.setMinimumWidth(
            self.sign_in.fontMetrics().horizontalAdvance("Try again in 3600 s") + 24
        )
        self.sign_in.clicked.connect(self.submit)
        cancel = QPushButton("Close")
        cancel.clicked.connect(self.reject)
        self.activate = QPushButton("I have an enrolment code…")
        self.activate.setFlat(True)
        self.activate.clicked.connect(self.activateRequested)
        self.place = wrapped(f"Workspace “{ctx.workspace.folder.name}”")
        self.place.setToolTip(str(ctx.workspace.folder))
        self.setLayout(
            vbox(
                heading("Sign in to PrivDesk", size_delta=3),
                self.place,
                self.banner,
                form,
                hbox(self.activate, None, cancel, self.sign_in),
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        if notice:
            self.banner.show_message(notice, "info")
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self.busy = BusyOverlay(self)
        self.setMinimumWidth(420)
        self._update_button()

    def fill_demo(self) -> None:
        from app.demo import DEMO_PASSWORD

        if self._demo is None:
            return
        name = self.demo_box.currentText()
        self.username.setText(name)
        self.password.setText(DEMO_PASSWORD)
        self.code.setText(self._demo.code_for(name, self.ctx.clock))

    def _update_button(self) -> None:
        filled = bool(self.username.text().strip() and self.password.text())
        self.sign_in.setEnabled(filled and self.code.hasAcceptableInput() and self._wait_left <= 0)

    def submit(self) -> None:
        if not self.sign_in.isEnabled():
            return
        ctx = self.ctx
        username, password, code = self.username.text(), self.password.text(), self.code.text()

        def job(control: JobControl) -> LoginResult:
            from app.security.auth import AuthService

            return AuthService(ctx).login(username, password, code, kind="gui")

        self.banner.clear()
        self.busy.start("Signing in…")
        self._tasks.submit(job, on_done=self._done, on_error=self._failed)

    def _done(self, result: LoginResult) -> None:
        self.busy.stop()
        self.password.clear()
        self.code.clear()
        self.result_value = result
        self.signedIn.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self.password.clear()
        self.code.clear()
        self.banner.show_error(exc, doing="signing in")
        wait = float(getattr(exc, "retry_after", 0.0) or 0.0)
        if wait > 0:
            self._wait_left = int(wait) + 1  # rounded as the service's message rounds it
            self._countdown.start()
            self._tick(advance=False)
        self.password.setFocus()
        self._update_button()

    def _tick(self, advance: bool = True) -> None:
        if advance:
            self._wait_left -= 1
        if self._wait_left <= 0:
            self._countdown.stop()
            self.sign_in.setText("Sign in")
            self.banner.clear()
        else:
            self.sign_in.setText(f"Try again in {self._wait_left} s")
        self._update_button()
