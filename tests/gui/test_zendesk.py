"""Workspace → Connect to Zendesk… and Sync now, as an operator uses them (issue 18 GUI).

The administrator connects (a step-up code when the sign-in's is stale), the privacy
officer syncs (a job with progress; Cancel keeps the committed pages), and the Directory
pane shows the last sync of each type. Against the local test server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.security import totp
from tests.conftest import SignedIn
from tests.gui.conftest import make_window
from tests.zendesk_server import EMAIL, TOKEN, ZendeskServer
from views.directory.pane import DirectoryPane
from views.main_window import MainWindow
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner
from views.zendesk.dialogs import ConnectDialog


@pytest.fixture
def server() -> Iterator[ZendeskServer]:
    with ZendeskServer() as running:
        yield running


def connect(qtbot: QtBot, window: MainWindow, admin: SignedIn, server: ZendeskServer) -> None:
    dialog = window.connect_zendesk()
    assert isinstance(dialog, ConnectDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.subdomain, "acme")
    qtbot.keyClicks(dialog.email, EMAIL)
    qtbot.keyClicks(dialog.token, TOKEN)
    qtbot.keyClicks(dialog.base_url, server.url)
    admin.clock.advance(301)  # the sign-in's code is stale: a fresh one is asked for
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    step_up = window.findChild(StepUpDialog)
    assert step_up is not None and dialog.token.text() == ""  # the field forgot the token
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(admin.secret, admin.clock.now()))
    step_up.submit()
    assert dialog.status is not None and dialog.status.owner_role == "admin"
    assert not dialog.isVisible()


def test_connect_then_sync_now_and_the_directory_shows_the_last_sync(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, server: ZendeskServer, tasks: SyncTaskRunner
) -> None:
    assert window.zendesk_connect_action.isEnabled()
    assert not window.zendesk_sync_action.isEnabled()  # the administrator does not sync
    assert "Privacy officer" in window.zendesk_sync_action.toolTip()
    connect(qtbot, window, admin, server)

    officer, _ = admin.add_operator("olive", ["privacy_officer"])
    desk = make_window(qtbot, admin, officer, tasks)
    try:
        assert desk.zendesk_sync_action.isEnabled() and not desk.zendesk_connect_action.isEnabled()
        directory = desk.show_pane("directory")
        assert isinstance(directory, DirectoryPane)
        assert "Zendesk (acme) last sync, UTC: never" in directory.synced.text()
        dialog = desk.sync_zendesk()
        assert dialog.result_ is not None, dialog.banner.text()
        assert dialog.text.text().startswith("Synced ")
        assert dialog.close_button.isEnabled() and not dialog.cancel_button.isEnabled()
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        assert directory.has_data and len(directory.model.rows()) == 5
        assert "users " in directory.synced.text() and "(5)" in directory.synced.text()
        assert "tickets " in directory.synced.text()
    finally:
        desk.idle.stop()


def test_a_failed_sync_says_where_in_the_dialog(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, server: ZendeskServer, tasks: SyncTaskRunner
) -> None:
    connect(qtbot, window, admin, server)
    officer, _ = admin.add_operator("olive", ["privacy_officer"])
    desk = make_window(qtbot, admin, officer, tasks)
    try:
        server.fail("/api/v2/users.json", "truncated")
        dialog = desk.sync_zendesk()
        assert dialog.result_ is None and dialog.text.text() == "The sync stopped."
        assert "GET /api/v2/users.json page 1" in dialog.banner.text()
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    finally:
        desk.idle.stop()
