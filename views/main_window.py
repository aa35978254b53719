"""The main window: navigation from the pane list (views.navigation), status bar, lock screen.

It hosts and nothing else: each pane talks to its own services; the window only reacts to
the session (idle lock, 12-hour limit, sign-out) and offers a few workspace-wide commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QWidget,
)

from app.jobs import JobControl
from app.security.permissions import Permission
from views.common.errors import is_session_problem
from views.common.pane import Pane, needs_text
from views.common.widgets import hbox, scrolled
from views.lock import IdleWatcher, LockScreen
from views.navigation import panes_for
from views.session import CurrentOperator
from views.workspace_actions import WorkspaceActions

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal
    from views.about import AboutDialog
    from views.help import ShortcutsDialog
    from views.imports import ImportDialog
    from views.monitoring.watch import AlertWatch
    from views.zendesk.dialogs import ConnectDialog, SyncDialog


DEFAULT_SIZE = (1100, 700)


def _roles_text(principal: Principal) -> str:
    from app.security.permissions import ROLE_TITLES, Role

    titles = []
    for name in sorted(principal.roles):
        try:
            titles.append(ROLE_TITLES[Role(name)])
        except ValueError:
            titles.append(name)
    return ", ".join(titles) or "no role"


class MainWindow(QMainWindow):
    signedOut = Signal(str)  # a notice for the sign-in dialog, "" for a plain sign-out

    def __init__(
        self, ctx: AppContext, *, idle_tick_ms: int = 1000, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        session = ctx.operator
        # The window follows step-up and unlock through the Qt holder's `changed` signal.
        if not isinstance(session, CurrentOperator):
            raise TypeError("ctx.operator must be a views.session.CurrentOperator")
        self.ctx, self.session, self.tasks = ctx, session, ctx.tasks
        self.setWindowTitle(f"PrivDesk — {ctx.workspace.folder.name}")
        self.nav = QListWidget()
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(190)
        self.nav.setAccessibleName("Navigation")
        self.nav.setStyleSheet("QListWidget { border: none; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        # A pane is built the first time it is shown (the window opens at once, whatever the
        # number of panes); until then its page in the stack is an empty placeholder.
        self.panes: dict[str, Pane] = {}
        self._classes: dict[str, type[Pane]] = {}
        self._refreshed: set[str] = set()
        for cls in panes_for(session()):
            self._classes[cls.NAME] = cls
            self.stack.addWidget(QWidget())
            icon = QIcon.fromTheme(cls.ICON) if cls.ICON else QIcon()
            item = QListWidgetItem(icon, cls.TITLE)
            item.setData(Qt.ItemDataRole.UserRole, cls.NAME)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._show_row)

        self.content = QWidget()
        self.content.setLayout(hbox(self.nav, self.stack, margin=0, spacing=0))
        self.lock_screen = LockScreen(ctx)
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.signOutRequested.connect(self.sign_out)
        self.outer = QStackedWidget()
        self.outer.addWidget(self.content)
        self.outer.addWidget(self.lock_screen)
        self.setCentralWidget(self.outer)

        self.actions_ = WorkspaceActions(self, ctx)
        self.actions_.sessionProblem.connect(self.handle_session_problem)
        self._build_menus()
        self._build_status_bar()
        session.changed.connect(self._show_principal)

        self.idle = IdleWatcher(
            ctx.clock,
            ctx.settings.spec("idle_timeout_s").default,
            tick_ms=idle_tick_ms,
            parent=self,
        )
        self.idle.timedOut.connect(self.lock)
        self.idle.remainingChanged.connect(self._show_remaining)
        self.idle.active.connect(self._check_session)
        self.idle.start()
        self._load_idle_timeout()
        self.alert_watch: AlertWatch | None = None
        if session().can(Permission.MONITORING_MANAGE):
            from views.monitoring.watch import AlertWatch

            self.alert_watch = AlertWatch(ctx, self)
            self.alert_watch.ran.connect(self._alerts_raised)
            self.alert_watch.sessionProblem.connect(self.handle_session_problem)
            self.alert_watch.start()
        self._show_principal()
        if self.nav.count():
            self.nav.setCurrentRow(0)
        self.resize(self.default_size())

    def default_size(self) -> QSize:
        """1100×700, or less on a smaller screen: the whole window stays on it."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = DEFAULT_SIZE
        if screen is not None and screen.width() > 0 and screen.height() > 0:
            width, height = min(width, screen.width() - 40), min(height, screen.height() - 60)
        return QSize(width, height)

    # ------------------------------------------------------------ chrome

    def _build_menus(self) -> None:
        workspace = self.menuBar().addMenu("&Workspace")
        self.lock_action = QAction("&Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        workspace.addAction(self.lock_action)
        workspace.addSeparator()
        self.import_action = QAction("&Import help-desk data…", self)
        self.import_action.triggered.connect(self.import_helpdesk)
        # A courtesy only: the service refuses an operator without the permission anyway.
        self.import_action.setEnabled(self.session().can(Permission.HELPDESK_IMPORT))
        if not self.import_action.isEnabled():
            why = needs_text(Permission.HELPDESK_IMPORT)
            self.import_action.setToolTip(why)
            self.import_action.setStatusTip(why)  # a disabled menu item shows its status tip
        workspace.addAction(self.import_action)
        self.zendesk_connect_action = self._permitted(
            "Connect to &Zendesk…", self.connect_zendesk, Permission.ZENDESK_CONNECT
        )
        workspace.addAction(self.zendesk_connect_action)
        self.zendesk_sync_action = self._permitted(
            "&Sync now (Zendesk)", self.sync_zendesk, Permission.ZENDESK_SYNC
        )
        workspace.addAction(self.zendesk_sync_action)
        workspace.addSeparator()
        workspace.addAction(self.actions_.backup)
        workspace.addAction(self.actions_.verify)
        workspace.addSeparator()
        sign_out = QAction("Sign &out", self)
        sign_out.triggered.connect(lambda: self.sign_out(""))
        workspace.addAction(sign_out)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        workspace.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcut(QKeySequence("F1"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        about = QAction("&About PrivDesk", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        for row in range(min(self.nav.count(), 9)):  # Alt+1…9 (Ctrl+digits are pane tabs)
            title = self.nav.item(row).text().replace("&", "&&")  # not a mnemonic
            go = QAction(f"Show {title}", self)
            go.setShortcut(QKeySequence(f"Alt+{row + 1}"))
            go.triggered.connect(lambda _=False, r=row: self.nav.setCurrentRow(r))
            self.addAction(go)
        self._locked_out = [self.lock_action, self.actions_.backup, self.actions_.verify]

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.who_label = QLabel()
        self.keyring_label = QLabel(self.ctx.workspace.unlock.describe())
        self.keyring_label.setToolTip(
            f"{self.ctx.workspace.unlock.describe()}\n{self.ctx.workspace.unlock.keyring.reason}"
        )
        # A long keyring reason must not set the window's minimum width: it may be cut.
        self.keyring_label.setMinimumWidth(1)
        self.keyring_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.idle_label = QLabel()
        self.idle_label.setMinimumWidth(120)
        bar.addWidget(self.who_label)
        bar.addWidget(self.keyring_label, 1)
        bar.addPermanentWidget(self.actions_.progress)
        bar.addPermanentWidget(self.idle_label)

    def _show_principal(self) -> None:
        p = self.session()
        self.who_label.setText(f"{p.display_name} ({p.username}) · {_roles_text(p)}")

    def _show_remaining(self, seconds: int) -> None:
        minutes, secs = divmod(seconds, 60)
        self.idle_label.setText(f"Locks in {minutes}:{secs:02d}")

    def _row_of(self, name: str) -> int:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == name:
                return row
        raise KeyError(name)

    def pane(self, name: str) -> Pane:
        """The pane called `name`, built (not loaded) now if it has not been shown yet."""
        if name not in self.panes:
            pane = self._classes[name](self.ctx)
            pane.sessionProblem.connect(self.handle_session_problem)
            pane.settingsChanged.connect(self._settings_changed)
            self.panes[name] = pane
            row = self._row_of(name)
            placeholder = self.stack.widget(row)
            assert placeholder is not None, f"no placeholder for pane {name}"
            self.stack.insertWidget(row, scrolled(pane))
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
        return self.panes[name]

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        name = self.nav.item(row).data(Qt.ItemDataRole.UserRole)
        pane = self.pane(name)
        self.stack.setCurrentIndex(row)
        if name not in self._refreshed:
            self._refreshed.add(name)
            pane.refresh()

    def show_pane(self, name: str) -> Pane:
        self.nav.setCurrentRow(self._row_of(name))
        return self.pane(name)

    def import_helpdesk(self) -> ImportDialog:
        from views.imports import ImportDialog  # loaded on first use, like the services

        dialog = ImportDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._data_changed)
        dialog.sessionProblem.connect(self.handle_session_problem)
        dialog.open()
        return dialog

    def _permitted(self, text: str, slot: Any, permission: Permission) -> QAction:
        """A menu action, disabled (saying why) for an operator without `permission`."""
        action = QAction(text, self)
        action.triggered.connect(slot)
        action.setEnabled(self.session().can(permission))
        if not action.isEnabled():
            action.setToolTip(needs_text(permission))
            action.setStatusTip(needs_text(permission))
        return action

    def connect_zendesk(self) -> ConnectDialog:
        from views.zendesk.dialogs import ConnectDialog

        dialog = ConnectDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.connected.connect(self._data_changed)
        dialog.sessionProblem.connect(self.handle_session_problem)
        dialog.open()
        return dialog

    def sync_zendesk(self) -> SyncDialog:
        from views.zendesk.dialogs import SyncDialog

        dialog = SyncDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.synced.connect(self._data_changed)
        dialog.sessionProblem.connect(self.handle_session_problem)
        dialog.open()
        dialog.start()
        return dialog

    def _data_changed(self, _result: object = None) -> None:
        """New help-desk data: panes already shown reload; the others load when opened."""
        for name in self._refreshed:
            self.panes[name].refresh()

    def show_about(self) -> AboutDialog:
        from views.about import AboutDialog

        dialog = AboutDialog(self.tasks, workspace=self.ctx.workspace.folder, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        from views.help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ------------------------------------------------------------ session

    @property
    def locked(self) -> bool:
        return self.outer.currentWidget() is self.lock_screen

    def lock(self) -> None:
        if self.locked:
            return
        self.idle.stop()
        if self.alert_watch is not None:
            self.alert_watch.pause()
        self.idle_label.setText("Locked")
        self.lock_screen.prepare()
        self.outer.setCurrentWidget(self.lock_screen)
        self.menuBar().setEnabled(False)
        for action in self._locked_out:
            action.setEnabled(False)

    def unlock(self) -> None:
        self.outer.setCurrentWidget(self.content)
        self.menuBar().setEnabled(True)
        for action in self._locked_out:
            action.setEnabled(True)
        self.idle.start()
        if self.alert_watch is not None:
            self.alert_watch.resume()

    def handle_session_problem(self, exc: BaseException) -> None:
        from app.security.auth import SessionExpired

        if isinstance(exc, SessionExpired):
            self.sign_out(exc.message, end_session=False)
        else:
            self.lock()

    def _check_session(self) -> None:
        """Activity keeps the server-side session alive and notices the 12-hour limit."""
        ctx, principal = self.ctx, self.session()

        def job(control: JobControl) -> Principal:
            from app.security.auth import AuthService

            return AuthService(ctx).check(principal)

        self.tasks.submit(job, on_done=self.session.replace, on_error=self._check_failed)

    def _check_failed(self, exc: BaseException) -> None:
        if is_session_problem(exc):
            self.handle_session_problem(exc)

    def _settings_changed(self) -> None:
        self._load_idle_timeout()
        if self.alert_watch is not None:
            self.alert_watch.start()  # the interval may have changed

    def _alerts_raised(self, result: Any) -> None:
        """A background rule run found new alerts: say so, and refresh an open Monitoring."""
        high = sum(1 for a in result.alerts if a.severity == "high")
        n = result.new
        self.statusBar().showMessage(
            f"Background rule run: {n} new alert{'s' if n != 1 else ''}"
            + (f" ({high} high)" if high else "")
            + " — see Monitoring."
        )
        if "monitoring" in self.panes:
            self.panes["monitoring"].refresh()

    def _load_idle_timeout(self) -> None:
        ctx, principal = self.ctx, self.session()

        def job(control: JobControl) -> int:
            from app.admin import AdminService

            return AdminService(ctx, principal).idle_timeout_s()

        self.tasks.submit(job, on_done=self.idle.set_timeout, on_error=self._check_failed)

    def sign_out(self, notice: str = "", *, end_session: bool = True) -> None:
        self.idle.stop()
        if self.alert_watch is not None:
            self.alert_watch.stop()
        if end_session:
            ctx, principal = self.ctx, self.session()

            def job(control: JobControl) -> None:
                from app.security.auth import AuthService

                AuthService(ctx).logout(principal)

            self.tasks.submit(job)
        self._signing_out = True
        self.close()
        self.signedOut.emit(notice)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle.stop()
        if self.alert_watch is not None:
            self.alert_watch.stop()
        super().closeEvent(event)
