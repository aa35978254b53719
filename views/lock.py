"""Idle lock: an application-wide input watcher and the lock screen that replaces the window.

The watcher measures idleness on an injectable clock and ticks on a QTimer whose interval
tests can shorten, so a test moves a FixedClock instead of waiting minutes. Unlocking is
the service's decision (password + code, and the 12-hour limit, which forces a full
sign-in by raising SessionExpired).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFormLayout, QPushButton, QWidget

from app.jobs import JobControl
from views.common.widgets import MARGIN, Banner, BusyOverlay, hbox, heading, vbox, wrapped
from views.start.wizard_pages import code_field, password_field

if TYPE_CHECKING:
    from app.clock import Clock
    from app.context import AppContext
    from app.security.auth import Principal

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Emits ``timedOut`` after ``timeout_s`` without user input anywhere in the app."""

    remainingChanged = Signal(int)  # whole seconds left, for the status bar
    timedOut = Signal()
    active = Signal()  # user input, at most once per ``touch_every_s`` (keeps the session alive)

    def __init__(
        self,
        clock: Clock,
        timeout_s: float,
        *,
        tick_ms: int = 1000,
        touch_every_s: float = 60.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.timeout_s = timeout_s
        self._touch_every = touch_every_s
        self._last_input = clock.monotonic()
        self._last_touch = self._last_input
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self._tick)
        self._installed = False

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.reset()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def reset(self) -> None:
        self._last_input = self._clock.monotonic()

    def set_timeout(self, seconds: float) -> None:
        self.timeout_s = seconds
        self._tick()

    def remaining(self) -> float:
        return self.timeout_s - (self._clock.monotonic() - self._last_input)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._timer.isActive() and event.type() in _INPUT_EVENTS:
            now = self._clock.monotonic()
            self._last_input = now
            if now - self._last_touch >= self._touch_every:
                self._last_touch = now
                self.active.emit()
        return False

    def _tick(self) -> None:
        if not self._timer.isActive():
            return
        left = self.remaining()
        self.remainingChanged.emit(max(int(left + 0.999), 0))
        if left <= 0:
            self._timer.stop()
            self.timedOut.emit()


class LockScreen(QWidget):
    """Shown instead of the window content; password + code unlock the same session."""

    unlocked = Signal()
    signOutRequested = Signal(str)  # a notice for the sign-in dialog

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.who = wrapped()
        self.password = password_field("Password")
        self.code = code_field()
        form = QFormLayout()
        form.addRow("Password", self.password)
        form.addRow("Authenticator code", self.code)
        self.banner = Banner()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.code.returnPressed.connect(self.submit)
        sign_out = QPushButton("Sign out")
        sign_out.clicked.connect(lambda: self.signOutRequested.emit(""))
        panel = QWidget()
        panel.setFixedWidth(440)
        panel.setLayout(
            vbox(
                heading("PrivDesk is locked", size_delta=5),
                self.who,
                self.banner,
                form,
                hbox(sign_out, None, self.unlock_button),
                spacing=MARGIN,
            )
        )
        self.setLayout(vbox(None, hbox(None, panel, None), None, margin=MARGIN * 2))
        self.busy = BusyOverlay(self)

    def prepare(self) -> None:
        p = self._ctx.operator()
        self.who.setText(
            f"Locked after inactivity. {p.display_name} ({p.username}): enter your password "
            "and a fresh authenticator code to continue."
        )
        self.banner.clear()
        self.password.clear()
        self.code.clear()
        self.password.setFocus()

    def submit(self) -> None:
        if not (self.password.text() and self.code.hasAcceptableInput()):
            self.banner.show_error("Enter your password and the 6-digit code.")
            return
        ctx, principal = self._ctx, self._ctx.operator()
        password, code = self.password.text(), self.code.text()

        def job(control: JobControl) -> Principal:
            from app.security.auth import AuthService

            return AuthService(ctx).unlock(principal, password, code)

        self.busy.start("Unlocking…")
        ctx.tasks.submit(job, on_done=self._done, on_error=self._failed)

    def _done(self, principal: Principal) -> None:
        self.busy.stop()
        self.password.clear()
        self.code.clear()
        self._ctx.operator.replace(principal)
        self.unlocked.emit()

    def _failed(self, exc: BaseException) -> None:
        from app.security.auth import SessionExpired

        self.busy.stop()
        self.password.clear()
        self.code.clear()
        if isinstance(exc, SessionExpired):
            self.signOutRequested.emit(exc.message)
            return
        self.banner.show_error(exc, doing="unlocking")
