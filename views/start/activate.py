"""A new operator's first visit: enrolment code + own password, then the authenticator."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget, QWizard

from app.jobs import JobControl, TaskRunner
from views.common.widgets import vbox, wrapped
from views.start.async_page import AsyncPage
from views.start.wizard_pages import PASSWORD_HINT, DonePage, TotpPage, password_field

if TYPE_CHECKING:
    from app.context import AppContext


class ActivateId(enum.IntEnum):
    CODE = 0
    TOTP = 1
    DONE = 2


class CodePage(AsyncPage):
    def __init__(self, wizard: ActivateWizard) -> None:
        super().__init__(wizard.tasks)
        self._wizard = wizard
        self.setTitle("Activate your account")
        self.setSubTitle(
            "Type the username and the one-time enrolment code your administrator gave you, "
            "and choose your password."
        )
        self.username = QLineEdit()
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX")
        self.password = password_field("Password")
        self.repeat = password_field("Repeat password")
        for field in (self.username, self.code, self.password, self.repeat):
            field.textChanged.connect(self.completeChanged)
        form = QFormLayout()
        form.addRow("Username", self.username)
        form.addRow("Enrolment code", self.code)
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.repeat)
        hint = wrapped(PASSWORD_HINT)
        self.setLayout(vbox(form, hint, self.banner, None))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Activate")

    def isComplete(self) -> bool:
        return all(f.text().strip() for f in (self.username, self.code, self.password))

    def start(self) -> None:
        if self.password.text() != self.repeat.text():
            self.banner.show_error("The two passwords do not match.")
            return
        ctx = self._wizard.ctx
        username, code, password = self.username.text(), self.code.text(), self.password.text()

        def job(control: JobControl) -> Any:
            from app.security.operators import activate

            return activate(ctx, username, code, password)

        self.run(job, self._activated, "Activating…")

    def _activated(self, enrolment: Any) -> None:
        self.password.clear()
        self.repeat.clear()
        self.code.clear()
        self._wizard.enrolment = enrolment


class ActivateWizard(QWizard):
    def __init__(self, ctx: AppContext, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PrivDesk — activate your account")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.ctx, self.tasks = ctx, tasks
        self.enrolment: Any = None
        self.pages = {
            ActivateId.CODE: CodePage(self),
            ActivateId.TOTP: TotpPage(self),  # type: ignore[arg-type]
            ActivateId.DONE: DonePage("Your account is active."),
        }
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.resize(640, 560)
