"""Unlock and sign-in dialogs: the messages a person sees when something is wrong."""

from __future__ import annotations

from pathlib import Path

import keyring.errors
import pytest
from pytestqt.qtbot import QtBot

from app.errors import PassphraseRequired
from app.keystore import KeyringState
from app.security import totp
from app.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD, FakeKeyring, MadeWorkspace, SignedIn
from tests.gui.conftest import shoot, wrong_code
from views.start.passphrase import PassphraseDialog
from views.start.picker import WorkspacePicker
from views.start.recent import RecentWorkspaces
from views.start.signin import SignInDialog
from views.tasks import SyncTaskRunner


def keyring_status_when_locked(made: MadeWorkspace, fake_keyring: FakeKeyring) -> object:
    fake_keyring.fail_with = keyring.errors.KeyringLocked("the collection is locked")
    with pytest.raises(PassphraseRequired) as info:
        Workspace.open(made.folder)
    return info.value.keyring_status


def test_passphrase_dialog_says_the_keyring_is_locked(
    qtbot: QtBot, made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    made.ws.close()
    status = keyring_status_when_locked(made, fake_keyring)
    dialog = PassphraseDialog(made.folder, status, SyncTaskRunner())  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    assert "keyring locked" in dialog.reason.text()
    assert dialog.enrol.isVisible()  # once unlocked the keyring may take the key again
    shoot(dialog, "unlock-passphrase")

    dialog.passphrase.setText("not the passphrase at all")
    dialog.submit()
    assert "wrong recovery passphrase" in dialog.banner.text()
    assert dialog.result_value is None

    dialog.passphrase.setText(made.passphrase)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.submit()
    unlocked = dialog.result_value
    assert unlocked is not None
    unlocked.workspace.close()
    assert unlocked.workspace.unlock.mode == "passphrase"
    assert unlocked.keyring is None  # not asked to re-enrol


def test_passphrase_unlock_can_re_enrol_the_keyring(
    qtbot: QtBot, made: MadeWorkspace, fake_keyring: FakeKeyring
) -> None:
    made.ws.close()
    fake_keyring.items.clear()  # e.g. a new user profile: the keyring works but is empty
    with pytest.raises(PassphraseRequired) as info:
        Workspace.open(made.folder)
    dialog = PassphraseDialog(made.folder, info.value.keyring_status, SyncTaskRunner())  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    assert "no key for this workspace" in dialog.reason.text()
    dialog.passphrase.setText(made.passphrase)
    dialog.enrol.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.submit()
    unlocked = dialog.result_value
    assert unlocked is not None
    unlocked.workspace.close()
    assert unlocked.keyring is not None and unlocked.keyring.state is KeyringState.AVAILABLE
    with Workspace.open(made.folder) as again:  # the keyring alone opens it now
        assert again.unlock.mode == "keyring"


def test_passphrase_dialog_names_a_missing_keyring(
    qtbot: QtBot, made: MadeWorkspace, no_keyring: None
) -> None:
    made.ws.close()
    with pytest.raises(PassphraseRequired) as info:
        Workspace.open(made.folder)
    dialog = PassphraseDialog(made.folder, info.value.keyring_status, SyncTaskRunner())  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    assert "system keyring unavailable" in dialog.reason.text()
    assert not dialog.enrol.isVisible()  # nothing to enrol into


def sign_in_dialog(qtbot: QtBot, admin: SignedIn) -> SignInDialog:
    dialog = SignInDialog(admin.ctx, SyncTaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def attempt(dialog: SignInDialog, password: str, code: str) -> None:
    dialog.username.setText("admin")
    dialog.password.setText(password)
    dialog.code.setText(code)
    dialog.sign_in.click()


def test_sign_in_with_a_wrong_code_shows_the_generic_message(qtbot: QtBot, admin: SignedIn) -> None:
    dialog = sign_in_dialog(qtbot, admin)
    admin.clock.advance(30)
    attempt(dialog, ADMIN_PASSWORD, wrong_code(admin.secret, admin))
    assert dialog.banner.text().startswith("Sign-in failed")
    assert dialog.password.text() == "" and dialog.code.text() == ""
    shoot(dialog, "signin-failed")

    attempt(dialog, "wrong password entirely", admin.code())
    assert dialog.banner.text().startswith("Sign-in failed")  # same words for either factor

    with qtbot.waitSignal(dialog.signedIn, timeout=2000) as signal:
        attempt(dialog, ADMIN_PASSWORD, admin.code())
    assert signal.args[0].principal.username == "admin"


def test_sign_in_counts_down_while_throttled(qtbot: QtBot, admin: SignedIn) -> None:
    dialog = sign_in_dialog(qtbot, admin)
    for _ in range(5):
        attempt(dialog, "wrong password entirely", admin.code())
    # Right away, with the right password: the account is resting after five failures.
    attempt(dialog, ADMIN_PASSWORD, totp.current_code(admin.secret, admin.clock.now()))
    assert "try again in" in dialog.banner.text()
    assert dialog.sign_in.text().startswith("Try again in")
    assert not dialog.sign_in.isEnabled()
    shoot(dialog, "signin-throttled")


def test_picker_remembers_recent_workspaces(
    qtbot: QtBot, recent: RecentWorkspaces, tmp_path: Path
) -> None:
    picker = WorkspacePicker(recent)
    qtbot.addWidget(picker)
    picker.show()
    assert picker.empty.isVisible() and not picker.open_button.isEnabled()
    shoot(picker, "picker-empty")

    recent.remember(tmp_path / "one")
    recent.remember(tmp_path / "two")
    picker.reload()
    with qtbot.waitSignal(picker.openRequested) as signal:
        picker.open_button.click()
    assert signal.args[0] == (tmp_path / "two").resolve()  # most recent first
    shoot(picker, "picker")
