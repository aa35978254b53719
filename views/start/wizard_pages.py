"""The pages of the first-run wizard. Each collects input and calls one service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWizardPage,
)

from app.jobs import JobControl
from views.common.widgets import Banner, hbox, vbox, wrapped
from views.start.async_page import AsyncPage
from views.start.qr import qr_pixmap

if TYPE_CHECKING:
    from app.security.auth import Enrolment
    from views.start.wizard import FirstRunWizard

NO_WORKSPACE = "No workspace is open yet; go back and create or open one."

CODE_PATTERN = r"\d{3} ?\d{3}"


def code_field() -> QLineEdit:
    field = QLineEdit()
    field.setPlaceholderText("6-digit code")
    field.setAccessibleName("Authenticator code")
    field.setValidator(QRegularExpressionValidator(CODE_PATTERN, field))
    field.setMaxLength(7)
    return field


# The policy in words (app/security/passwords.py); shared by every page that sets one.
PASSWORD_HINT = (
    "At least 8 characters. Several unrelated words make a strong passphrase; "
    "common passwords and keyboard runs are refused."
)


def password_field(placeholder: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setAccessibleName(placeholder)
    return field


def _mono(size_delta: int = 0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(font.pointSize() + size_delta)
    return font


class FolderPage(AsyncPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard.tasks)
        self._wizard = wizard
        self.setTitle("Create a workspace")
        self.setSubTitle(
            "A workspace is one folder holding the encrypted database and its keys. "
            "Choose an empty folder (it is created if it does not exist)."
        )
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("Folder for the new workspace")
        self.folder.textChanged.connect(self.completeChanged)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.setLayout(vbox(hbox(self.folder, browse), self.banner, None))
        self.setCommitPage(True)
        self.setButtonText(wizard.WizardButton.CommitButton, "Create")

    def isComplete(self) -> bool:
        return bool(self.folder.text().strip())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the new workspace")
        if folder:
            self.folder.setText(folder)

    def start(self) -> None:
        folder = Path(self.folder.text().strip()).expanduser()
        create = self._wizard.create_workspace
        self.run(lambda control: create(folder), self._wizard.set_created, "Creating…")


class RecoveryPage(QWizardPage):
    """Shows the recovery passphrase once; Next stays disabled until the box is ticked."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Store the recovery passphrase")
        self.setSubTitle(
            "This passphrase opens the workspace when the system keyring cannot. It is shown "
            "only now: write it down or put it in your password manager."
        )
        self.passphrase = QLabel()
        self.passphrase.setFont(_mono(4))
        self.passphrase.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.passphrase.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.passphrase.setStyleSheet(
            "QLabel { background: palette(base); border: 1px solid palette(mid); padding: 12px; }"
        )
        self.keyring = wrapped()
        self.stored = QCheckBox("I have stored the recovery passphrase somewhere safe")
        self.stored.toggled.connect(self.completeChanged)
        self.kit_button = QPushButton("Save audit verifier kit…")
        self.kit_button.clicked.connect(self._save_kit)
        self.kit_note = wrapped(
            "The verifier kit lets an auditor check the whole audit log independently. "
            "Keep it apart from the workspace; it is offered only now."
        )
        self.banner = Banner()
        self.setLayout(
            vbox(
                self.passphrase,
                self.keyring,
                self.stored,
                12,
                self.kit_note,
                hbox(self.kit_button, None),
                self.banner,
                None,
            )
        )
        self.setCommitPage(True)
        self.setButtonText(wizard.WizardButton.CommitButton, "Next")

    def initializePage(self) -> None:
        self.passphrase.setText(self._wizard.recovery_passphrase or "")
        self.keyring.setText(self._wizard.keyring_note)

    def isComplete(self) -> bool:
        return self.stored.isChecked()

    def validatePage(self) -> bool:
        if not self.stored.isChecked():
            return False
        # Shown once: forget it as soon as the user moves on.
        self.passphrase.clear()
        self._wizard.forget_secrets()
        return True

    def _save_kit(self) -> None:
        kit = self._wizard.verifier_kit
        if kit is None:
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Save audit verifier kit", "privdesk-verifier-kit.json", "JSON (*.json)"
        )
        if not name:
            return

        def job(control: JobControl) -> None:
            from app.audit.anchors import save_kit

            save_kit(Path(name), kit)

        self._wizard.tasks.submit(
            job,
            on_done=lambda _: self.banner.show_message(f"Verifier kit saved to {name}.", "ok"),
            on_error=lambda exc: self.banner.show_error(exc, doing="saving the kit"),
        )


class AdminPage(AsyncPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard.tasks)
        self._wizard = wizard
        self.setTitle("First administrator")
        self.setSubTitle(
            "This account manages operators, keys and backups. Every sign-in needs the "
            "password and a code from an authenticator app."
        )
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. ada")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("e.g. Ada Lovelace")
        self.password = password_field("Password")
        self.repeat = password_field("Repeat password")
        for field in (self.username, self.display_name, self.password, self.repeat):
            field.textChanged.connect(self.completeChanged)
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Display name", self.display_name)
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.repeat)
        hint = wrapped(PASSWORD_HINT)
        self.setLayout(vbox(form, hint, self.banner, None))
        self.setCommitPage(True)
        self.setButtonText(wizard.WizardButton.CommitButton, "Create administrator")

    def isComplete(self) -> bool:
        fields = (self.username, self.display_name, self.password, self.repeat)
        return all(f.text().strip() for f in fields) and not self.busy.busy

    def start(self) -> None:
        if self.password.text() != self.repeat.text():
            self.banner.show_error("The two passwords do not match.")
            return
        ctx = self._wizard.ctx
        if ctx is None:
            self.banner.show_error(NO_WORKSPACE)
            return
        username, name = self.username.text().strip(), self.display_name.text().strip()
        password = self.password.text()

        def job(control: JobControl) -> Enrolment:
            from app.security.auth import AuthService

            return AuthService(ctx).bootstrap_admin(username, name, password)

        self.run(job, self._created, "Creating the administrator…")

    def _created(self, enrolment: Enrolment) -> None:
        self.password.clear()
        self.repeat.clear()
        self._wizard.enrolment = enrolment


class TotpPage(AsyncPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard.tasks)
        self._wizard = wizard
        self.setTitle("Set up the authenticator")
        self.setSubTitle(
            "Scan the code with an authenticator app (Aegis, Google Authenticator, "
            "1Password…), then type the 6-digit code it shows."
        )
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setAccessibleName("QR code for the authenticator app")
        self.secret = QLabel()
        self.secret.setFont(_mono(1))
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code = code_field()
        self.code.textChanged.connect(self.completeChanged)
        form = QFormLayout()
        form.addRow("Secret (type it if you cannot scan)", self.secret)
        form.addRow("Code from the app", self.code)
        self.setLayout(vbox(self.qr, form, self.banner, None))
        self.setCommitPage(True)
        self.setButtonText(wizard.WizardButton.CommitButton, "Confirm")

    def initializePage(self) -> None:
        enrolment = self._wizard.enrolment
        if enrolment is None:
            return
        self.qr.setPixmap(qr_pixmap(enrolment.uri))
        secret = enrolment.secret
        self.secret.setText(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))

    def isComplete(self) -> bool:
        return self.code.hasAcceptableInput()

    def start(self) -> None:
        ctx, enrolment = self._wizard.ctx, self._wizard.enrolment
        if ctx is None:
            self.banner.show_error(NO_WORKSPACE)
            return
        if enrolment is None:
            self.banner.show_error(
                "There is no enrolment to confirm; create the administrator first."
            )
            return
        code = self.code.text()

        def job(control: JobControl) -> None:
            from app.security.auth import AuthService

            AuthService(ctx).confirm_enrolment(enrolment.username, code)

        self.run(job, self._confirmed, "Checking the code…")

    def failed(self, exc: BaseException) -> None:
        self.code.clear()
        super().failed(exc)

    def _confirmed(self, _: object) -> None:
        self.qr.clear()
        self.secret.clear()
        self._wizard.enrolment = None


class DonePage(QWizardPage):
    def __init__(self, subtitle: str, more: str = "") -> None:
        super().__init__()
        self.setTitle("Ready")
        self.setSubTitle(subtitle)
        text = "Sign in with your username, password and a fresh code from the authenticator app."
        self.setLayout(vbox(wrapped(f"{text} {more}".strip()), None))
