"""First run: the welcome panel, the demo workspace job, About, keyboard shortcuts, theme."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import qVersion
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import __version__, demo
from tests.gui.conftest import shoot
from views import about as about_module
from views.about import AboutDialog
from views.help import ShortcutsDialog
from views.main_window import MainWindow
from views.start.picker import WorkspacePicker
from views.start.recent import RecentWorkspaces
from views.start.welcome import KEY_MODEL, open_demo
from views.tasks import QtTaskRunner, SyncTaskRunner
from views.theme import ThemeFollower, app_icon, is_dark


@pytest.fixture
def picker(qtbot: QtBot, recent: RecentWorkspaces) -> WorkspacePicker:
    widget = WorkspacePicker(recent)
    qtbot.addWidget(widget)
    widget.show()
    return widget


def fake_demo(folder: Path) -> demo.DemoCredentials:
    folder.mkdir(parents=True, exist_ok=True)
    creds = {"recovery_passphrase": "demo", "operators": {}}
    (folder / demo.CREDENTIALS_NAME).write_text(json.dumps(creds), encoding="utf-8")
    return demo.DemoCredentials(folder, "demo", {})


# ------------------------------------------------------------------ welcome


def test_first_run_welcomes_with_the_key_model_and_two_ways_in(
    qtbot: QtBot, picker: WorkspacePicker
) -> None:
    assert picker.welcome.isVisible()
    text = picker.welcome.key_model.text()
    assert "keyring" in text and "recovery passphrase" in text
    assert len(re.findall(r"[.!?](\s|$)", KEY_MODEL)) == 2  # two sentences, as promised
    panes = picker.welcome.panes.text()
    for name in ("Access review", "Redaction", "DSAR queue", "Drills"):
        assert name in panes
    shoot(picker, "welcome")

    with qtbot.waitSignal(picker.demoRequested):
        picker.welcome.demo_button.click()
    with qtbot.waitSignal(picker.createRequested):
        picker.welcome.create_button.click()


def test_welcome_steps_aside_once_there_are_recent_workspaces(
    qtbot: QtBot, recent: RecentWorkspaces, tmp_path: Path
) -> None:
    recent.remember(tmp_path)
    picker = WorkspacePicker(recent)
    qtbot.addWidget(picker)
    picker.show()
    assert not picker.welcome.isVisible() and picker.list.isVisible()
    picker.welcome_button.click()
    assert picker.welcome.isVisible()


def test_open_demo_opens_an_existing_demo_without_rebuilding_it(
    picker: WorkspacePicker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "demo"
    fake_demo(folder)
    monkeypatch.setattr(demo, "create_demo", lambda f: pytest.fail("rebuilt the demo"))
    opened: list[Path] = []
    open_demo(picker, SyncTaskRunner(), opened.append, folder=folder)
    assert opened == [folder]
    assert not picker.busy.busy


def test_open_demo_refuses_a_folder_that_is_not_a_demo(
    picker: WorkspacePicker, tmp_path: Path
) -> None:
    (tmp_path / "privdesk.db").write_bytes(b"someone's real workspace")
    opened: list[Path] = []
    open_demo(picker, SyncTaskRunner(), opened.append, folder=tmp_path)
    assert opened == []
    assert "not a demo workspace" in picker.banner.text()
    assert (tmp_path / "privdesk.db").read_bytes() == b"someone's real workspace"


def test_open_demo_builds_the_demo_in_a_background_job(
    qtbot: QtBot, picker: WorkspacePicker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built_on: list[threading.Thread] = []

    def build(folder: Path) -> demo.DemoCredentials:
        built_on.append(threading.current_thread())
        return fake_demo(folder)

    monkeypatch.setattr(demo, "create_demo", build)
    tasks = QtTaskRunner()
    opened: list[Path] = []
    open_demo(picker, tasks, opened.append, folder=tmp_path / "demo")
    assert picker.busy.busy  # the picker says what is happening meanwhile
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened == [tmp_path / "demo"]
    assert built_on and built_on[0] is not threading.main_thread()
    assert not picker.busy.busy
    tasks.wait_for_done(2000)


# ------------------------------------------------------------------ About


def test_about_shows_versions_and_the_licence(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.store import cipher_version

    monkeypatch.setattr(about_module, "_cipher_version", None)
    tasks = SyncTaskRunner()
    dialog = AboutDialog(tasks, workspace=Path("/tmp/ws"))
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.versions_text()
    assert f"Version: {__version__}" in text
    assert f"Qt: {qVersion()}" in text
    assert f"Python: {sys.version.split()[0]}" in text
    assert f"SQLCipher: {cipher_version()}" in text
    assert "GNU General Public License" in dialog.licence.text()
    assert "GPL-3.0-or-later" in {w.text() for w in dialog.findChildren(type(dialog.sqlcipher))}
    shoot(dialog, "about")

    again = AboutDialog(tasks)  # the version is remembered: no second job
    qtbot.addWidget(again)
    assert tasks.submitted == 1 and again.sqlcipher.text() == cipher_version()

    dialog.copy_versions()
    assert QApplication.clipboard().text() == text


def test_help_menu_opens_about_and_the_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    about = window.show_about()
    assert isinstance(about, AboutDialog) and about.isVisible()
    about.close()

    window.shortcuts_action.trigger()
    dialogs = [d for d in window.findChildren(ShortcutsDialog) if d.isVisible()]
    assert len(dialogs) == 1
    shortcuts = dialogs[0]
    assert shortcuts.keys_for("Lock now") == "Ctrl+L"
    assert shortcuts.keys_for("Keyboard shortcuts") == "F1"
    assert shortcuts.keys_for("Show Operators") is not None
    assert shortcuts.keys_for("Show Security & backups") is not None  # "&" is no mnemonic
    assert shortcuts.model.rowCount() == len(shortcuts.rows)
    shoot(shortcuts, "shortcuts")


# ------------------------------------------------------------------ look


def test_app_icon_comes_from_the_package_resources() -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 256}


@pytest.fixture
def follower(qapp: QApplication) -> Iterator[ThemeFollower]:
    style, palette = qapp.style().name(), qapp.palette()
    theme = ThemeFollower(qapp)  # type: ignore[arg-type]
    yield theme
    qapp.styleHints().colorSchemeChanged.disconnect(theme.apply)
    theme.deleteLater()
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_dark_palette_follows_the_chosen_scheme(
    qtbot: QtBot, follower: ThemeFollower, monkeypatch: pytest.MonkeyPatch, recent
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    monkeypatch.setenv("PRIVDESK_THEME", "dark")
    follower.apply()
    assert follower.dark and is_dark(app.palette())
    text = app.palette().color(QPalette.ColorRole.WindowText)
    assert text.lightness() > 180  # light text on the dark window
    picker = WorkspacePicker(recent)
    qtbot.addWidget(picker)
    picker.show()
    shoot(picker, "welcome-dark")

    monkeypatch.setenv("PRIVDESK_THEME", "light")
    follower.apply()
    assert not follower.dark and not is_dark(app.palette())
