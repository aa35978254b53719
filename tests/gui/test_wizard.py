"""First-run wizard: what a new administrator sees, page by page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot

from app.clock import FixedClock
from app.context import AppContext, NewWorkspace
from app.keystore import KeyringStore
from app.security import totp
from app.security.auth import AuthService
from tests.conftest import ADMIN_PASSWORD, FAST_SCRYPT, FakeKeyring, SignedIn
from tests.gui.conftest import shoot
from views.start.activate import ActivateId, ActivateWizard
from views.start.wizard import FirstRunWizard, PageId
from views.tasks import SyncTaskRunner

COMMIT = QWizard.WizardButton.CommitButton


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def wizard(
    qtbot: QtBot, tmp_path: Path, fake_keyring: FakeKeyring, clock: FixedClock
) -> FirstRunWizard:
    def create(folder: Path) -> NewWorkspace:
        return AppContext.create(
            folder, keyring_store=KeyringStore(), scrypt_params=FAST_SCRYPT, clock=clock
        )

    wiz = FirstRunWizard(SyncTaskRunner(), create_workspace=create)
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    if wiz.ctx is not None:
        wiz.ctx.close()


def advance(qtbot: QtBot, wizard: FirstRunWizard, to: PageId) -> None:
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == to, timeout=3000)


def to_admin_page(qtbot: QtBot, wizard: FirstRunWizard, folder: Path) -> None:
    page = wizard.pages[PageId.FOLDER]
    page.folder.setText(str(folder))  # type: ignore[attr-defined]
    shoot(wizard, "wizard-1-folder")
    advance(qtbot, wizard, PageId.RECOVERY)
    wizard.pages[PageId.RECOVERY].stored.setChecked(True)  # type: ignore[attr-defined]
    advance(qtbot, wizard, PageId.ADMIN)


def fill_admin(wizard: FirstRunWizard, password: str, repeat: str | None = None) -> None:
    page = wizard.pages[PageId.ADMIN]
    page.username.setText("ada")  # type: ignore[attr-defined]
    page.display_name.setText("Ada Lovelace")  # type: ignore[attr-defined]
    page.password.setText(password)  # type: ignore[attr-defined]
    page.repeat.setText(password if repeat is None else repeat)  # type: ignore[attr-defined]


def test_recovery_passphrase_page_gates_next_until_ticked(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path
) -> None:
    wizard.pages[PageId.FOLDER].folder.setText(str(tmp_path / "new"))  # type: ignore[attr-defined]
    advance(qtbot, wizard, PageId.RECOVERY)
    page = wizard.pages[PageId.RECOVERY]
    shown = page.passphrase.text()  # type: ignore[attr-defined]
    assert len(shown.split("-")) >= 4 or len(shown) >= 20  # the passphrase is on screen
    assert (tmp_path / "new" / "keys.json").exists()
    shoot(wizard, "wizard-2-recovery")

    assert not wizard.button(COMMIT).isEnabled()
    qtbot.mouseClick(wizard.button(COMMIT), Qt.MouseButton.LeftButton)
    wizard.next()  # even a programmatic Next is refused
    assert wizard.currentId() == PageId.RECOVERY

    page.stored.setChecked(True)  # type: ignore[attr-defined]
    assert wizard.button(COMMIT).isEnabled()
    advance(qtbot, wizard, PageId.ADMIN)
    assert page.passphrase.text() == ""  # type: ignore[attr-defined]  # shown once
    assert wizard.recovery_passphrase is None


def test_weak_password_shows_the_policy_reason(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path
) -> None:
    to_admin_page(qtbot, wizard, tmp_path / "new")
    fill_admin(wizard, "password123")
    wizard.next()
    qtbot.wait(20)
    banner = wizard.pages[PageId.ADMIN].banner
    assert wizard.currentId() == PageId.ADMIN
    assert "commonly used passwords" in banner.text()
    shoot(wizard, "wizard-3-admin-rejected")

    fill_admin(wizard, "violet tractor morning", repeat="violet tractor evening")
    wizard.next()
    assert "do not match" in banner.text()
    assert wizard.currentId() == PageId.ADMIN


def test_totp_page_refuses_a_wrong_code_and_confirms_the_right_one(
    qtbot: QtBot, wizard: FirstRunWizard, tmp_path: Path, clock: FixedClock
) -> None:
    to_admin_page(qtbot, wizard, tmp_path / "new")
    fill_admin(wizard, ADMIN_PASSWORD)
    advance(qtbot, wizard, PageId.TOTP)
    page = wizard.pages[PageId.TOTP]
    assert not page.qr.pixmap().isNull()  # type: ignore[attr-defined]
    secret = wizard.enrolment.secret
    assert page.secret.text().replace(" ", "") == secret  # type: ignore[attr-defined]
    shoot(wizard, "wizard-4-totp")

    right = totp.current_code(secret, clock.now())
    page.code.setText(f"{(int(right) + 500_000) % 1_000_000:06d}")  # type: ignore[attr-defined]
    wizard.next()
    qtbot.wait(20)
    assert wizard.currentId() == PageId.TOTP
    assert "not valid" in page.banner.text()

    page.code.setText(right)  # type: ignore[attr-defined]
    advance(qtbot, wizard, PageId.DONE)
    shoot(wizard, "wizard-5-done")
    assert wizard.ctx is not None
    assert not AuthService(wizard.ctx).needs_bootstrap()


def test_new_operator_activates_with_the_enrolment_code(qtbot: QtBot, admin: SignedIn) -> None:
    from app.security.operators import OperatorService

    new = OperatorService(admin.ctx, admin.principal).add("grace", "Grace Hopper", ["auditor"])
    wizard = ActivateWizard(admin.ctx, SyncTaskRunner())
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.pages[ActivateId.CODE]
    page.username.setText("grace")  # type: ignore[attr-defined]
    page.code.setText("AAAAA-BBBBB-CCCCC-DDDDD")  # type: ignore[attr-defined]
    page.password.setText("lamp river orchard 9")  # type: ignore[attr-defined]
    page.repeat.setText("lamp river orchard 9")  # type: ignore[attr-defined]
    wizard.next()
    qtbot.wait(20)
    assert wizard.currentId() == ActivateId.CODE
    assert "not valid or has expired" in page.banner.text()
    shoot(wizard, "activate-bad-code")

    page.code.setText(new.enrolment_code)  # type: ignore[attr-defined]
    page.password.setText("lamp river orchard 9")  # type: ignore[attr-defined]
    page.repeat.setText("lamp river orchard 9")  # type: ignore[attr-defined]
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ActivateId.TOTP)
    totp_page = wizard.pages[ActivateId.TOTP]
    admin.clock.advance(30)
    totp_page.code.setText(totp.current_code(wizard.enrolment.secret, admin.clock.now()))  # type: ignore[attr-defined]
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == ActivateId.DONE)
