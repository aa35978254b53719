"""The form that adds a policy, or a new draft version of one (its document is hashed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from views.common.widgets import MARGIN, Banner, hbox, vbox


class PolicyDialog(QDialog):
    """Key, title, document and next review date; the pane saves it through the service."""

    def __init__(self, parent: QWidget | None = None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a policy or a new version")
        self.key = QLineEdit()
        self.key.setPlaceholderText("acceptable-use (the same key adds a new version)")
        self.title = QLineEdit()
        self.file = QLineEdit()
        self.file.setPlaceholderText("the policy document; only its SHA-256 and size are kept")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        start = today or date.today()
        self.next_review = QDateEdit(QDate(start.year + 1, start.month, min(start.day, 28)))
        self.next_review.setCalendarPopup(True)
        self.next_review.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout()
        form.addRow("Key", self.key)
        form.addRow("Title", self.title)
        form.addRow("Document", hbox(self.file, browse))
        form.addRow("Next review", self.next_review)
        self.banner = Banner()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.values: tuple[str, str, Path, date] | None = None
        self.setMinimumWidth(560)
        self.setLayout(vbox(form, self.banner, self.buttons, margin=MARGIN))

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Policy document")
        if name:
            self.file.setText(name)

    def submit(self) -> None:
        key, title, file = self.key.text().strip(), self.title.text().strip(), self.file.text()
        missing = [
            n for n, v in (("a key", key), ("a title", title), ("a document", file)) if not v
        ]
        if missing:
            self.banner.show_message("The policy needs " + ", ".join(missing) + ".", "error")
            return
        if not Path(file).is_file():
            self.banner.show_message(f"{file}: no such file.", "error")
            return
        d = self.next_review.date()
        self.values = (key, title, Path(file), date(d.year(), d.month(), d.day()))
        self.accept()
