"""Help → About: what this build is made of (for bug reports) and its licence.

The SQLCipher version comes from opening an in-memory database, so it is asked for in a
job the first time and remembered for the rest of the process.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from views.common.widgets import MARGIN, hbox, heading, vbox, wrapped
from views.theme import app_icon

if TYPE_CHECKING:
    from app.jobs import JobControl, TaskRunner

LICENCE = "GPL-3.0-or-later"
LICENCE_TEXT = (
    "PrivDesk is free software: you can redistribute it and/or modify it under the terms of "
    "the GNU General Public License as published by the Free Software Foundation, either "
    "version 3 of the License, or (at your option) any later version. It is distributed in "
    "the hope that it will be useful, but WITHOUT ANY WARRANTY; see the "
    "<a href='https://www.gnu.org/licenses/gpl-3.0.html'>GNU General Public License</a>."
)

_cipher_version: str | None = None


def _sqlcipher_version(control: JobControl) -> str:
    from app.store import cipher_version

    return cipher_version()


class AboutDialog(QDialog):
    def __init__(
        self, tasks: TaskRunner, *, workspace: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from app import APP_ID, APP_NAME, __version__

        self.setWindowTitle(f"About {APP_NAME}")
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        logo.setFixedWidth(72)
        title = heading(f"{APP_NAME} {__version__}")
        summary = wrapped(
            "Help-desk privacy office console: access reviews, redaction, the DSAR queue "
            "and breach drills. Everything runs locally; personal data stays in one "
            "encrypted workspace."
        )
        self.sqlcipher = QLabel("checking…")
        self.versions: dict[str, QLabel] = {}
        form = QFormLayout()
        rows = [
            ("Version", __version__),
            ("Application id", APP_ID),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
            ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
            ("Platform", f"{platform.system()} {platform.machine()}, {_platform_name()}"),
        ]
        for name, value in rows:
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.versions[name] = label
            form.addRow(f"{name}:", label)
        self.versions["SQLCipher"] = self.sqlcipher
        form.insertRow(4, "SQLCipher:", self.sqlcipher)
        if workspace is not None:
            form.addRow("Workspace:", wrapped(str(workspace), selectable=True))
        form.addRow("Licence:", QLabel(LICENCE))
        licence = wrapped(LICENCE_TEXT)
        licence.setTextFormat(Qt.TextFormat.RichText)
        licence.setOpenExternalLinks(True)
        self.licence = licence

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy_button = QPushButton("Copy versions")
        self.copy_button.setToolTip("For a bug report: versions only, nothing from the workspace")
        self.copy_button.clicked.connect(self.copy_versions)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)

        self.setLayout(
            vbox(
                hbox(logo, vbox(title, summary), spacing=MARGIN * 2),
                form,
                licence,
                buttons,
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.resize(560, self.sizeHint().height())
        self._load_sqlcipher(tasks)

    def _load_sqlcipher(self, tasks: TaskRunner) -> None:
        if _cipher_version is not None:
            self.sqlcipher.setText(_cipher_version)
            return
        tasks.submit(_sqlcipher_version, on_done=self._show_cipher, on_error=self._cipher_failed)

    def _show_cipher(self, version: str) -> None:
        global _cipher_version
        _cipher_version = version
        self.sqlcipher.setText(version)

    def _cipher_failed(self, exc: BaseException) -> None:
        self.sqlcipher.setText(f"not available ({type(exc).__name__})")

    def versions_text(self) -> str:
        return "\n".join(f"{name}: {label.text()}" for name, label in self.versions.items())

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(self.versions_text())


def _platform_name() -> str:
    app = QGuiApplication.instance()
    name = app.platformName() if isinstance(app, QGuiApplication) else "no display"
    frozen = " (frozen build)" if getattr(sys, "frozen", False) else ""
    return f"Qt platform {name}{frozen}"
