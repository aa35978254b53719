"""DSAR dialogs: intake of a new request, the letter editor, the erasure certificate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.dsar.deadlines import DEFAULT_CALENDARS, REGIMES
from app.dsar.letters import TITLES
from app.dsar.records import NewRequest
from app.dsar.vocabulary import CHANNELS, REQUEST_TYPES
from views.common.widgets import MARGIN, Banner, hbox, heading, vbox


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class IntakeDialog(QDialog):
    """Collects a new request; `request()` builds the NewRequest the service validates."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New data-subject request")
        self.name = QLineEdit()
        self.emails = QLineEdit()
        self.emails.setPlaceholderText("comma-separated")
        self.phones = QLineEdit()
        self.phones.setPlaceholderText("comma-separated")
        self.ids = QLineEdit()
        self.ids.setPlaceholderText("customer or help-desk ids, comma-separated")
        self.kind = QComboBox()
        self.kind.addItems(REQUEST_TYPES)
        self.regime = QComboBox()
        self.regime.addItems(REGIMES)
        self.calendar = QLineEdit()
        self.regime.currentTextChanged.connect(self._default_calendar)
        self._default_calendar(self.regime.currentText())
        self.received = QDateTimeEdit(QDateTime.currentDateTime())
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.channel = QComboBox()
        self.channel.addItems(CHANNELS)
        self.agent = QLineEdit()
        self.agent.setPlaceholderText("only if someone acts for the requester")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(60)
        form = QFormLayout()
        for label, widget in (
            ("Requester name", self.name),
            ("Emails", self.emails),
            ("Phones", self.phones),
            ("Customer ids", self.ids),
            ("Request type", self.kind),
            ("Regime", self.regime),
            ("Holiday calendar", self.calendar),
            ("Received (local time)", self.received),
            ("Channel", self.channel),
            ("Authorised agent", self.agent),
            ("Notes", self.notes),
        ):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record request")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(heading("New request", size_delta=2), form, buttons, margin=MARGIN * 2))
        self.setMinimumWidth(460)

    def _default_calendar(self, regime: str) -> None:
        self.calendar.setText(DEFAULT_CALENDARS.get(regime) or "")
        self.calendar.setPlaceholderText("ISO code, e.g. DE, FR, GB-SCT (empty: weekends only)")

    def request(self) -> NewRequest:
        when = self.received.dateTime().toSecsSinceEpoch()
        return NewRequest(
            requester_name=self.name.text(),
            request_type=self.kind.currentText(),
            regime=self.regime.currentText(),
            received_at=datetime.fromtimestamp(when, UTC),
            emails=_split(self.emails.text()),
            phones=_split(self.phones.text()),
            ids=_split(self.ids.text()),
            calendar=self.calendar.text().strip() or None,
            channel=self.channel.currentText(),
            agent=self.agent.text().strip() or None,
            notes=self.notes.toPlainText(),
        )


class LetterDialog(QDialog):
    """Pick a letter, draft it from the request, edit it, save it on the timeline."""

    def __init__(
        self,
        draft: Callable[[str, str], None],
        save: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Letter to the requester")
        self._draft, self._save = draft, save
        self.kind = QComboBox()
        for key, title in TITLES.items():
            self.kind.addItem(title, key)
        self.reasons = QLineEdit()
        self.reasons.setPlaceholderText("reasons / details to fill in (optional)")
        draft_button = QPushButton("Draft from request")
        draft_button.clicked.connect(self.request_draft)
        self.text = QPlainTextEdit()
        self.text.setMinimumSize(520, 320)
        self.banner = Banner()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self.request_save)
        buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                hbox(self.kind, self.reasons, draft_button),
                self.banner,
                self.text,
                buttons,
                margin=MARGIN * 2,
            )
        )

    def key(self) -> str:
        return str(self.kind.currentData())

    def request_draft(self) -> None:
        self._draft(self.key(), self.reasons.text())

    def request_save(self) -> None:
        self._save(self.key(), self.text.toPlainText())


class CertificateDialog(QDialog):
    """Read-only view of a saved erasure certificate and the help-desk deletion plan."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setMinimumSize(620, 380)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.setLayout(vbox(heading(title, size_delta=2), self.text, buttons, margin=MARGIN * 2))
