"""The window fits a 1366×768 laptop screen and keeps its size when panes change."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.conftest import SignedIn
from tests.gui.conftest import make_window
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
    assert window.nav.count() == 8  # every pane is built
    size = window.size()
    assert size.width() <= SCREEN_W and size.height() <= SCREEN_H - PANEL
    too_big = {}
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        name = window.nav.item(row).text()
        hint = window.minimumSizeHint()
        if hint.width() > SCREEN_W or hint.height() > SCREEN_H - PANEL:
            too_big[name] = (hint.width(), hint.height())
        assert window.size() == size, f"the window changed size on {name}"
    assert too_big == {}
    window.idle.stop()
