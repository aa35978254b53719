"""The window fits a 1366×768 laptop screen and keeps its size when panes change."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.conftest import SignedIn
from tests.gui.conftest import make_window
from views.main_window import DEFAULT_SIZE
from views.navigation import PANES
from views.tasks import SyncTaskRunner

ALL_ROLES = ["administrator", "privacy_officer", "incident_lead", "redaction_admin", "auditor"]
SCREEN_W, SCREEN_H = 1366, 768
PANEL = 48  # a desktop's top bar or task bar, and the window's title bar


def test_every_pane_fits_a_laptop_screen_and_the_window_keeps_its_size(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    everyone, _ = admin.add_operator("evelyn", ALL_ROLES)
    window = make_window(qtbot, admin, everyone, tasks)
    window.show()
    window.resize(*DEFAULT_SIZE)  # what it opens at on a screen larger than the offscreen one
    assert window.nav.count() == len(PANES)  # every pane is built
    size = window.size()
    assert size.width() <= SCREEN_W and size.height() <= SCREEN_H - PANEL
    too_big = {}
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        name = window.nav.item(row).text()
        hint = window.minimumSizeHint()
        if hint.width() > SCREEN_W or hint.height() > SCREEN_H - PANEL:
            too_big[name] = (hint.width(), hint.height())
        # At the default size every pane fits whole: no scroll bar around the pane itself.
        own = window.pane(window.nav.item(row).data(Qt.ItemDataRole.UserRole)).minimumSizeHint()
        viewport = window.stack.currentWidget().viewport().size()
        if own.width() > viewport.width() or own.height() > viewport.height():
            too_big[name] = (own.width(), own.height())
        assert window.size() == size, f"the window changed size on {name}"
    assert too_big == {}
    window.idle.stop()
