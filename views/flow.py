"""Which window comes next: picker → unlock → (first-run wizard) → sign-in → main window.

Every step that touches the keyring, the database or key derivation is a job; this object
only reacts to their results. Heavy modules are imported inside the jobs so the picker
can appear before SQLAlchemy and the crypto stack are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication

from app.jobs import TaskRunner
from views.start.picker import WorkspacePicker
from views.start.recent import RecentWorkspaces

if TYPE_CHECKING:
    from app.context import AppContext
    from app.demo import DemoCredentials
    from app.keystore import KeyringStatus
    from app.workspace import Workspace
    from views.main_window import MainWindow
    from views.session import CurrentOperator
    from views.start.signin import SignInDialog
    from views.start.wizard import FirstRunWizard


@dataclass(frozen=True)
class Opened:
    ctx: AppContext
    needs_bootstrap: bool
    demo: DemoCredentials | None


def _open(folder: Path) -> Workspace:
    from app.demo import read_credentials
    from app.errors import PassphraseRequired
    from app.workspace import Workspace

    try:
        return Workspace.open(folder)
    except PassphraseRequired as exc:
        # A demo workspace publishes its passphrase (app.demo); read it here, off the GUI
        # thread, so the dialog can offer it. Real workspaces have no such file.
        creds = read_credentials(folder)
        exc.demo_passphrase = creds.recovery_passphrase if creds else None  # type: ignore[attr-defined]
        raise


def _context(ws: Workspace) -> Opened:
    from app.context import AppContext
    from app.demo import read_credentials
    from app.security.auth import AuthService

    ctx = AppContext.for_workspace(ws)
    return Opened(ctx, AuthService(ctx).needs_bootstrap(), read_credentials(ws.folder))


class AppFlow(QObject):
    def __init__(
        self, tasks: TaskRunner, recent: RecentWorkspaces | None = None, *, idle_tick_ms: int = 1000
    ) -> None:
        super().__init__()
        self.tasks = tasks
        self.recent = recent or RecentWorkspaces()
        self.idle_tick_ms = idle_tick_ms
        self.picker = WorkspacePicker(self.recent)
        self.picker.openRequested.connect(self.open_workspace)
        self.picker.createRequested.connect(self.create_workspace)
        self.ctx: AppContext | None = None
        self.window: MainWindow | None = None
        self.signed_in: CurrentOperator | None = None  # until sign-out, for the logout at exit
        self.dialog: Any = None  # the passphrase dialog, wizard or sign-in shown now
        self._folder: Path | None = None
        self.demo: DemoCredentials | None = None
        self._quitting = False

    def start(self, workspace: Path | None = None) -> None:
        self.picker.show()
        if workspace is not None:
            self.open_workspace(workspace)

    # ------------------------------------------------------------ open

    def open_workspace(self, folder: Path) -> None:
        self._folder = folder
        self.picker.banner.clear()
        self.picker.busy.start("Opening the workspace…")
        self.tasks.submit(
            lambda control: _open(folder), on_done=self._unlocked, on_error=self._open_failed
        )

    def _open_failed(self, exc: BaseException) -> None:
        from app.errors import PassphraseRequired
        from app.keystore import KeyringStatus
        from views.start.passphrase import PassphraseDialog

        self.picker.busy.stop()
        if (
            isinstance(exc, PassphraseRequired)
            and isinstance(exc.keyring_status, KeyringStatus)  # typed `object` in app.errors
            and self._folder is not None
        ):
            dialog = PassphraseDialog(
                self._folder,
                exc.keyring_status,
                self.tasks,
                parent=self.picker,
                demo_passphrase=getattr(exc, "demo_passphrase", None),
            )

            def accepted() -> None:
                unlocked = dialog.result_value
                if unlocked is None:  # accepted without an unlock result: nothing to open
                    return
                self._unlocked(unlocked.workspace, unlocked.keyring)

            dialog.accepted.connect(accepted)
            self._show_dialog(dialog)
            return
        self.picker.banner.show_error(exc, doing="opening the workspace")

    def _unlocked(self, ws: Workspace, enrolled: KeyringStatus | None = None) -> None:
        self.recent.remember(ws.folder)
        self.picker.reload()
        self.picker.busy.start("Preparing the workspace…")
        notice = ""
        if enrolled is not None:
            notice = (
                "The key is in the system keyring again."
                if enrolled.usable
                else f"The key was not stored: {enrolled.reason}."
            )
        self.tasks.submit(
            lambda control: _context(ws),
            on_done=lambda opened: self._prepared(opened, notice),
            on_error=self._open_failed,
        )

    def _prepared(self, opened: Opened, notice: str) -> None:
        self.picker.busy.stop()
        self.ctx = opened.ctx
        if opened.needs_bootstrap:
            self._wizard(ctx=opened.ctx)
        else:
            self.demo = opened.demo
            self.sign_in(notice)

    # ------------------------------------------------------------ create

    def create_workspace(self) -> None:
        self._wizard()

    def _wizard(self, ctx: AppContext | None = None) -> FirstRunWizard:
        from views.start.wizard import FirstRunWizard

        wizard = FirstRunWizard(self.tasks, ctx=ctx, parent=self.picker)
        wizard.accepted.connect(lambda: self._wizard_done(wizard))
        wizard.rejected.connect(lambda: self._wizard_cancelled(wizard))
        self._show_dialog(wizard)
        return wizard

    def _wizard_done(self, wizard: FirstRunWizard) -> None:
        if wizard.ctx is None:
            return
        self.ctx = wizard.ctx
        self.recent.remember(wizard.ctx.workspace.folder)
        self.picker.reload()
        self.sign_in("The workspace is ready. Sign in with your new account.")

    def _wizard_cancelled(self, wizard: FirstRunWizard) -> None:
        # A workspace created without its first administrator is finished on next open.
        if wizard.ctx is not None:
            self.ctx = wizard.ctx
            self._close_context()

    # ------------------------------------------------------------ sign-in / main window

    def sign_in(self, notice: str = "") -> SignInDialog:
        from views.start.signin import SignInDialog

        assert self.ctx is not None
        dialog = SignInDialog(self.ctx, self.tasks, notice=notice, demo=self.demo)
        dialog.signedIn.connect(self._signed_in)
        dialog.rejected.connect(self._sign_in_cancelled)
        dialog.activateRequested.connect(self.activate_account)
        self.picker.hide()
        self._show_dialog(dialog)
        return dialog

    def activate_account(self) -> None:
        from views.start.activate import ActivateWizard

        assert self.ctx is not None
        sign_in = self.dialog
        wizard = ActivateWizard(self.ctx, self.tasks)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.accepted.connect(
            lambda: sign_in.banner.show_message("Account activated. Sign in now.", "ok")
        )
        wizard.open()

    def _signed_in(self, result: Any) -> None:
        from views.main_window import MainWindow
        from views.session import CurrentOperator

        assert self.ctx is not None
        # What every pane reads from the context from now on.
        self.ctx.operator = CurrentOperator(result.principal)
        self.ctx.tasks = self.tasks
        window = MainWindow(self.ctx, idle_tick_ms=self.idle_tick_ms)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.signedOut.connect(self._signed_out)
        window.destroyed.connect(self._window_gone)
        self.window = window
        self.signed_in = window.session
        window.show()

    def _signed_out(self, notice: str) -> None:
        self.window = self.signed_in = None
        self.sign_in(notice)

    def _window_gone(self) -> None:
        # Closed without signing out (Quit or the close button): leave the application.
        if self.window is not None:
            self.window = None
            self.quit()

    def _sign_in_cancelled(self) -> None:
        if self.window is None and not self._quitting:
            self._close_context()
            self.picker.show()

    def _show_dialog(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    # ------------------------------------------------------------ shutdown

    def _close_context(self) -> None:
        ctx, self.ctx, self.demo = self.ctx, None, None
        if ctx is not None:
            self.tasks.submit(lambda control: ctx.close())

    def quit(self) -> None:
        self._quitting = True
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        """After the event loop ended: end the session and close the store (nothing to block)."""
        ctx, signed_in = self.ctx, self.signed_in
        self.ctx, self.window, self.signed_in = None, None, None
        if ctx is None:
            return
        if signed_in is not None:
            from app.security.auth import AuthService

            try:
                AuthService(ctx).logout(signed_in())
            except Exception as exc:  # a failed logout must not prevent closing the store
                import logging

                logging.getLogger(__name__).warning("logout at exit: %s", type(exc).__name__)
        ctx.close()
