"""Security pane: keyring state and why, backups, key rotation, idle timeout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.jobs import JobControl
from app.security.permissions import Permission
from app.settings import SETTINGS
from views.common.pane import Pane
from views.common.table_model import SORT_ROLE, Column, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox, wrapped

if TYPE_CHECKING:
    from app.admin import AdminService, BackupInfo
    from app.context import AppContext
    from app.keystore import KeyringStatus
    from app.security.auth import Principal
    from app.workspace_backup import BackupResult


NO_BACKUPS = "No backups yet. “Backup now” writes one verified file."


def backup_columns() -> list[Column[BackupInfo]]:
    return [
        Column("Backup file", lambda b: b.path.name, tooltip=lambda b: str(b.path)),
        Column(
            "Written (UTC)",
            lambda b: b.modified_utc.strftime("%Y-%m-%d %H:%M"),
            lambda b: b.modified_utc.timestamp(),
        ),
        Column("Size", lambda b: f"{b.size / 1e6:.1f} MB", lambda b: b.size, align_right=True),
    ]


@dataclass(frozen=True)
class Overview:
    keyring: KeyringStatus
    backups: list[BackupInfo]
    idle_timeout_s: int


class SecurityPane(Pane):
    NAME = "security"
    TITLE = "Security & backups"
    ICON = "security-high"
    ORDER = 90
    PERMISSION = Permission.BACKUP_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # Keyring
        self.unlock_mode = wrapped(self.ctx.workspace.unlock.describe().capitalize() + ".")
        self.keyring_state = wrapped("…")
        self.enrol_button = QPushButton("Store key in keyring")
        self.enrol_button.clicked.connect(self.enrol_keyring)
        self.enable_for(self.enrol_button, Permission.KEYS_MANAGE)
        self.rekey_button = QPushButton("Rotate database key…")
        self.rekey_button.clicked.connect(self.rekey)
        self.enable_for(self.rekey_button, Permission.KEYS_MANAGE)
        keys = QGroupBox("Keys")
        keys.setLayout(
            vbox(
                self.unlock_mode,
                self.keyring_state,
                hbox(self.enrol_button, self.rekey_button, None),
                margin=MARGIN,
            )
        )
        # Backups
        self.model: RowTableModel[BackupInfo] = RowTableModel(backup_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=1, descending=True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.no_backups = QLabel()  # the count, once read
        self.body = LoadView(self.table, NO_BACKUPS)
        self.backup_button = QPushButton("Backup now")
        self.backup_button.clicked.connect(self.backup)
        self.enable_for(self.backup_button, Permission.BACKUP_CREATE)
        backups = QGroupBox("Backups")
        backups.setLayout(
            vbox(hbox(self.no_backups, None, self.backup_button), self.body, margin=MARGIN)
        )
        # Idle lock
        self.idle = QSpinBox()
        spec = SETTINGS.spec("idle_timeout_s")  # bounds from the one registry
        self.idle.setRange((spec.minimum or 60) // 60, (spec.maximum or 4 * 3600) // 60)
        self.idle.setSuffix(" min")
        self.idle_save = QPushButton("Apply")
        self.idle_save.clicked.connect(self.save_idle_timeout)
        self.enable_for(self.idle, Permission.SETTINGS_MANAGE)
        self.enable_for(self.idle_save, Permission.SETTINGS_MANAGE)
        session = QGroupBox("Session")
        session.setLayout(
            hbox(
                QLabel("Lock the screen after"),
                self.idle,
                QLabel("without input"),
                self.idle_save,
                None,
                margin=MARGIN,
            )
        )
        self.setLayout(
            vbox(
                hbox(heading("Security & backups"), self.banner),
                keys,
                backups,
                session,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )

    def _service(self, principal: Principal | None = None) -> AdminService:
        from app.admin import AdminService

        return AdminService(self.ctx, principal or self.principal())

    def refresh(self) -> None:
        service = self._service()

        def job(control: JobControl) -> Overview:
            return Overview(
                service.keyring_status(), service.list_backups(), service.idle_timeout_s()
            )

        self.load(job, self._loaded, "reading backups and keys", is_empty=lambda o: not o.backups)

    def _loaded(self, overview: Overview) -> None:
        self._show_keyring(overview.keyring)
        self.model.set_rows(overview.backups)
        count = len(overview.backups)
        self.no_backups.setText(
            f"{count} backup{'s' if count != 1 else ''} in the workspace's backups folder"
            if overview.backups
            else ""
        )
        self.no_backups.setToolTip(str(self.ctx.workspace.backups_dir))
        self.idle.setValue(max(1, round(overview.idle_timeout_s / 60)))

    def _show_keyring(self, status: KeyringStatus) -> None:
        backend = status.backend.rsplit(".", 2)[-2] if "." in status.backend else status.backend
        self.keyring_state.setText(
            f"System keyring: {status.state.value.replace('-', ' ')} ({backend}) — {status.reason}."
        )

    def enrol_keyring(self) -> None:
        service = self._service()
        self.run(
            lambda control: service.enrol_keyring(),
            self._show_keyring,
            "storing the key in the keyring",
        )

    def backup(self) -> None:
        service = self._service()
        self.backup_button.setEnabled(False)

        def done(result: BackupResult) -> None:
            self.backup_button.setEnabled(True)
            self.banner.show_message(f"Backup written: {result.path.name}.", "ok")
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.backup_button.setEnabled(True)
            self.report(exc, "backing up")

        self.ctx.tasks.submit(lambda control: service.backup(), on_done=done, on_error=failed)

    def rekey(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Rotate database key",
            "Re-encrypt the whole database with a new key? PrivDesk keeps working on a "
            "verified copy and swaps it in; this can take a while on a large workspace.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes = box.button(QMessageBox.StandardButton.Yes)

        def answered(button: QAbstractButton) -> None:
            if button is yes:
                self.rekey_confirmed()

        box.buttonClicked.connect(answered)
        box.open()

    def rekey_confirmed(self) -> None:
        def action(principal: Principal) -> Callable[[JobControl], int]:
            service = self._service(principal)
            return lambda control: service.rekey()

        self.run_guarded(
            action,
            lambda gen: self.banner.show_message(f"Database key rotated (generation {gen}).", "ok"),
            "rotating the key",
        )

    def save_idle_timeout(self) -> None:
        service, seconds = self._service(), self.idle.value() * 60

        def done(_: object) -> None:
            self.banner.show_message(f"Idle lock set to {self.idle.value()} min.", "ok")
            self.settingsChanged.emit()

        self.run(
            lambda control: service.set_idle_timeout_s(seconds), done, "changing the idle timeout"
        )
