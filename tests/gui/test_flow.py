"""End to end on the real thread pool: open a workspace, sign in, reach the main window."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from app.security import totp
from tests.conftest import ADMIN_PASSWORD, FakeKeyring, sign_in_admin
from views.flow import AppFlow
from views.main_window import MainWindow
from views.start.recent import RecentWorkspaces
from views.start.signin import SignInDialog
from views.tasks import QtTaskRunner


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[QtTaskRunner]:
    pool = QThreadPool()
    runner = QtTaskRunner(pool)
    yield runner
    runner.cancel_all()
    assert runner.wait_for_done(5000)
    pool.waitForDone(5000)


def test_open_sign_in_and_main_window_on_the_thread_pool(
    qtbot: QtBot,
    tmp_path: Path,
    fake_keyring: FakeKeyring,
    runner: QtTaskRunner,
    recent: RecentWorkspaces,
) -> None:
    signed = sign_in_admin(tmp_path / "ws")
    secret = signed.secret
    signed.ctx.close()

    flow = AppFlow(runner, recent, idle_tick_ms=50)
    qtbot.addWidget(flow.picker)
    flow.start(tmp_path / "ws")
    qtbot.waitUntil(lambda: isinstance(flow.dialog, SignInDialog), timeout=5000)
    dialog = flow.dialog
    assert recent.paths() == [(tmp_path / "ws").resolve()]

    # The flow's context runs on the system clock; the fixture enrolled on a fixed one.
    assert flow.ctx is not None
    dialog.username.setText("admin")
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.code.setText(totp.current_code(secret, flow.ctx.clock.now()))
    dialog.sign_in.click()
    qtbot.waitUntil(lambda: flow.window is not None, timeout=5000)
    window = flow.window
    assert isinstance(window, MainWindow)
    # the first pane (Compliance: every role acknowledges policies) is built and loads
    qtbot.waitUntil(
        lambda: "compliance" in window.panes and window.panes["compliance"].load_state == "loaded",
        timeout=5000,
    )

    with qtbot.waitSignal(window.signedOut, timeout=5000):
        window.sign_out("")
    qtbot.waitUntil(lambda: isinstance(flow.dialog, SignInDialog) and flow.dialog is not dialog)
    runner.wait_for_done(5000)
    flow.dialog.reject()
    qtbot.waitUntil(lambda: flow.ctx is None)
    runner.wait_for_done(5000)


def test_first_window_imports_no_database_or_crypto_stack() -> None:
    # How fast the first window appears is measured in tests/bench/bench_gui.py.
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "import views.app\n"
        "from views.flow import AppFlow\n"
        "from views.tasks import QtTaskRunner\n"
        "app = QApplication([])\n"
        "flow = AppFlow(QtTaskRunner())\n"
        "flow.start()\n"
        "app.processEvents()\n"
        "heavy = [m for m in ('sqlalchemy', 'matplotlib', 'argon2', 'cryptography') "
        "if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    ).stdout.splitlines()
    assert out[-1] == "[]"
