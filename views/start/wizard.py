"""First run: folder → create → recovery passphrase (once) → first administrator → TOTP.

Opened on a workspace that has no operator yet (created with `privdesk init`), the
wizard starts at the administrator page.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget, QWizard

from app.jobs import TaskRunner
from views.start.wizard_pages import AdminPage, DonePage, FolderPage, RecoveryPage, TotpPage

if TYPE_CHECKING:
    from app.context import AppContext, NewWorkspace
    from app.security.auth import Enrolment
    from app.workspace import UnlockInfo


class PageId(enum.IntEnum):
    FOLDER = 0
    RECOVERY = 1
    ADMIN = 2
    TOTP = 3
    DONE = 4


def _default_create(folder: Path) -> NewWorkspace:
    from app.context import AppContext

    return AppContext.create(folder)


def keyring_note(unlock: UnlockInfo) -> str:
    if unlock.mode == "keyring":
        return (
            "The workspace key is also held by this computer's system keyring, so you will "
            "not need the passphrase here — but you will on another machine or after a "
            "restore."
        )
    return (
        f"The system keyring is not used ({unlock.keyring.reason}): you will need this "
        "passphrase every time you open the workspace."
    )


class FirstRunWizard(QWizard):
    def __init__(
        self,
        tasks: TaskRunner,
        *,
        ctx: AppContext | None = None,
        create_workspace: Callable[[Path], NewWorkspace] = _default_create,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("PrivDesk — set up a workspace")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.tasks = tasks
        self.create_workspace = create_workspace
        self.ctx: AppContext | None = ctx
        self.recovery_passphrase: str | None = None
        self.verifier_kit: dict[str, str] | None = None
        self.keyring_note = ""
        self.enrolment: Enrolment | None = None
        self.pages = {
            PageId.FOLDER: FolderPage(self),
            PageId.RECOVERY: RecoveryPage(self),
            PageId.ADMIN: AdminPage(self),
            PageId.TOTP: TotpPage(self),
            PageId.DONE: DonePage(
                "The workspace is set up.", "Add the other operators from the Operators pane."
            ),
        }
        for page_id, page in self.pages.items():
            self.setPage(page_id, page)
        self.setStartId(PageId.ADMIN if ctx is not None else PageId.FOLDER)
        self.resize(640, 560)

    def set_created(self, new: NewWorkspace) -> None:
        self.ctx = new.ctx
        self.recovery_passphrase = new.recovery_passphrase
        self.verifier_kit = new.verifier_kit
        self.keyring_note = keyring_note(new.ctx.workspace.unlock)

    def forget_secrets(self) -> None:
        """Drop the passphrase and the kit once their page is left; they are shown once."""
        self.recovery_passphrase = None
        self.verifier_kit = None
