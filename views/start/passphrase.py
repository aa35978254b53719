"""Unlock with the recovery passphrase, saying why the keyring could not do it.

The dialog runs the unlock itself (scrypt is slow on purpose, so it goes through the task
runner) and, if the user agrees, stores the key in the system keyring again afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QWidget,
)

from app.jobs import JobControl, TaskRunner
from views.common.widgets import MARGIN, Banner, BusyOverlay, heading, vbox, wrapped

if TYPE_CHECKING:
    from app.keystore import KeyringStatus
    from app.workspace import Workspace

# Keyring states where trying again can help; elsewhere there is no keyring to store into.
_CAN_ENROL = {"locked", "entry-missing", "error"}

Opener = Callable[[Path, str], "Workspace"]


@dataclass(frozen=True)
class Unlocked:
    workspace: Workspace
    keyring: KeyringStatus | None  # the result of re-enrolling, if the user asked for it


def _default_opener(folder: Path, passphrase: str) -> Workspace:
    from app.workspace import Workspace

    return Workspace.open(folder, passphrase=passphrase)


class PassphraseDialog(QDialog):
    def __init__(
        self,
        folder: Path,
        keyring_status: KeyringStatus,
        tasks: TaskRunner,
        *,
        opener: Opener = _default_opener,
        parent: QWidget | None = None,
        demo_passphrase: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock workspace")
        self.folder = folder
        self.result_value: Unlocked | None = None
        self._tasks = tasks
        self._opener = opener
        self.reason = wrapped(
            f"The system keyring could not supply this workspace's key:\n"
            f"{keyring_status.reason}.\n\n"
            "Enter the recovery passphrase you stored when the workspace was created."
        )
        self.reason.setObjectName("reason")
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText("Recovery passphrase")
        self.passphrase.setAccessibleName("Recovery passphrase")
        if demo_passphrase:
            self.passphrase.setText(demo_passphrase)
            self.reason.setText(
                self.reason.text() + "\n\nDemo workspace: the passphrase from "
                "demo-credentials.json is filled in."
            )
        self.enrol = QCheckBox("After unlocking, store the key in the system keyring again")
        self.enrol.setVisible(keyring_status.state.value in _CAN_ENROL)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                heading("Recovery passphrase needed", size_delta=2),
                wrapped(str(folder), selectable=True),
                self.reason,
                self.banner,
                self.passphrase,
                self.enrol,
                self.buttons,
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.busy = BusyOverlay(self)
        self.setMinimumWidth(480)

    def submit(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase.strip():
            self.banner.show_error("Enter the recovery passphrase.")
            return
        self.banner.clear()
        self.busy.start("Unlocking…")
        enrol = self.enrol.isVisible() and self.enrol.isChecked()
        folder, opener = self.folder, self._opener

        def job(control: JobControl) -> Unlocked:
            ws = opener(folder, passphrase)
            return Unlocked(ws, ws.enrol_keyring() if enrol else None)

        self._tasks.submit(job, on_done=self._done, on_error=self._failed)

    def _done(self, result: Unlocked) -> None:
        self.busy.stop()
        self.passphrase.clear()
        self.result_value = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.stop()
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        self.banner.show_error(exc, doing="unlocking the workspace")
