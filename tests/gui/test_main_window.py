"""The main window: navigation per role, the idle lock and the 12-hour limit."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.conftest import ADMIN_PASSWORD, SignedIn
from tests.gui.conftest import make_window, shoot, wrong_code
from views.main_window import MainWindow
from views.tasks import SyncTaskRunner


def nav_titles(window: MainWindow) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_administrator_sees_every_admin_pane(window: MainWindow) -> None:
    # Compliance: every operator reads and acknowledges the policies in force
    assert nav_titles(window) == [
        "Compliance",
        "Audit log",
        "Directory",
        "Operators",
        "Security & backups",
    ]
    assert "Ada Admin (admin)" in window.who_label.text()
    assert "Administrator" in window.who_label.text()
    assert "system keyring" in window.keyring_label.text()


def test_a_pane_is_built_when_first_opened_not_with_the_window(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert list(window.panes) == ["compliance"]  # the first pane only, shown and loaded
    row = nav_titles(window).index("Operators")
    window.nav.setCurrentRow(row)  # as a click in the navigation does
    assert set(window.panes) == {"compliance", "operators"}
    assert window.stack.currentWidget().isAncestorOf(window.panes["operators"])
    qtbot.waitUntil(lambda: window.panes["operators"].model.rowCount() > 0, timeout=5000)
    window.nav.setCurrentRow(0)
    window.nav.setCurrentRow(row)  # built once: the same pane comes back
    assert set(window.panes) == {"compliance", "operators"}


def test_auditor_sees_the_audit_log_but_not_operators(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    window = make_window(qtbot, admin, auditor, tasks)
    titles = nav_titles(window)
    assert "Audit log" in titles
    assert "Operators" not in titles
    window.idle.stop()


def test_idle_lock_appears_after_the_timeout_and_leaves_with_password_and_code(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    window.show()
    assert window.idle.timeout_s == 15 * 60  # read from the workspace settings
    qtbot.waitUntil(lambda: window.idle_label.text().startswith("Locks in 15:00"))
    admin.clock.advance(15 * 60 + 1)
    qtbot.waitUntil(lambda: window.locked, timeout=2000)
    assert not window.content.isVisible()  # nothing of the panes stays on screen
    assert not window.menuBar().isEnabled()
    shoot(window, "lock-screen")

    lock = window.lock_screen
    lock.password.setText(ADMIN_PASSWORD)
    lock.code.setText(wrong_code(admin.secret, admin))
    lock.unlock_button.click()
    assert window.locked
    assert lock.banner.text().startswith("Sign-in failed")

    lock.password.setText(ADMIN_PASSWORD)
    lock.code.setText(admin.code())
    lock.unlock_button.click()
    assert not window.locked
    assert window.idle.running


def test_ctrl_l_locks_at_once(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    window.lock_action.trigger()
    assert window.locked
    assert window.lock_action.shortcut().toString() == "Ctrl+L"


def test_after_twelve_hours_unlock_forces_a_full_sign_in(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    window.show()
    admin.clock.advance(12 * 3600)
    qtbot.waitUntil(lambda: window.locked, timeout=2000)
    lock = window.lock_screen
    lock.password.setText(ADMIN_PASSWORD)
    lock.code.setText(admin.code())
    with qtbot.waitSignal(window.signedOut, timeout=2000) as signal:
        lock.unlock_button.click()
    assert "12-hour limit" in signal.args[0]
