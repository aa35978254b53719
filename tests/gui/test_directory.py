"""Directory pane: the empty state, masked people, search and the role filter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.helpdesk import HelpdeskService
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, shoot
from tests.helpdesk_helpers import ZENDESK, audit_events
from views.directory.pane import EMPTY_IMPORTER, EMPTY_VIEWER, DirectoryPane
from views.main_window import MainWindow
from views.tasks import SyncTaskRunner


def names(pane: DirectoryPane) -> list[str]:
    return sorted(r.name or "" for r in pane.model.rows())


def open_directory(window: MainWindow) -> DirectoryPane:
    window.show()
    pane = window.show_pane("directory")
    assert isinstance(pane, DirectoryPane)
    return pane


def test_without_data_the_pane_says_how_to_import(qtbot: QtBot, window: MainWindow) -> None:
    pane = open_directory(window)
    assert not pane.has_data
    assert pane.empty.isVisible() and not pane.table.isVisible()
    assert pane.empty.text() == EMPTY_IMPORTER
    assert "Workspace → Import help-desk data…" in pane.empty.text()
    assert pane.count.text() == ""
    shoot(window, "pane-directory-empty")


def test_people_are_listed_masked_and_the_models_are_sound(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, qtmodeltester: ModelTester
) -> None:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "ndjson")
    pane = open_directory(window)
    assert pane.has_data and pane.table.isVisible()
    assert len(names(pane)) == 5
    assert pane.count.text() == "5 people shown"
    assert pane.summary.text().startswith("5 people (3 agents and admins) · 2 custom roles")
    assert "snapshot #1 (zendesk, " in pane.summary.text()
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)

    rows = {r.name: r for r in pane.model.rows()}
    horizontal = Qt.Orientation.Horizontal
    shown = {pane.model.headerData(c, horizontal): c for c in range(pane.model.columnCount())}
    ben = pane.model.rows().index(rows["Ben Agent"])
    text = {title: pane.model.index(ben, col).data() for title, col in shown.items()}
    assert text["Email"].startswith("b***@")  # masked by the service
    assert text["Role"] == "Agent" and text["Custom role"]
    assert text["2FA"] == "off" and text["Suspended"] == ""
    assert text["Last login (UTC)"] == "2024-04-20 16:00"
    assert all("***" in (r.email or "***") for r in pane.model.rows())
    shoot(window, "pane-directory")


def test_role_filter_and_debounced_search(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "ndjson")
    pane = open_directory(window)

    pane.role.setCurrentIndex(pane.role.findText("Agents and admins"))
    assert names(pane) == ["Ada Admin", "Ben Agent", "Cléo Light"]
    pane.role.setCurrentIndex(pane.role.findText("Admins"))
    assert names(pane) == ["Ada Admin"]
    pane.role.setCurrentIndex(pane.role.findText("End users"))
    assert names(pane) == ["Dana Customer", "Eve Shopper"]

    pane.search.setText("Shopper")  # typing waits for a pause before asking the service
    assert names(pane) == ["Dana Customer", "Eve Shopper"]
    qtbot.waitUntil(lambda: names(pane) == ["Eve Shopper"], timeout=2000)
    assert pane.count.text() == "1 person shown"

    pane.role.setCurrentIndex(pane.role.findText("Admins"))  # search and filter combine
    assert names(pane) == []
    assert pane.count.text() == "Nobody matches the search and filter."
    pane.role.setCurrentIndex(pane.role.findText("All people"))
    pane.search.clear()
    pane.search.returnPressed.emit()  # Enter searches at once
    assert len(names(pane)) == 5
    # Each query is audited with what was asked, never the search text itself.
    raw = " ".join(e["raw"] for e in audit_events(admin.ctx, "helpdesk.directory.view"))
    assert "shopper" not in raw.lower()


def test_typing_fast_asks_the_service_once(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "ndjson")
    pane = open_directory(window)
    before = tasks.submitted
    for partial in ("d", "da", "dan", "dana"):
        pane.search.setText(partial)
    qtbot.waitUntil(lambda: names(pane) == ["Dana Customer"], timeout=2000)
    assert tasks.submitted == before + 1


def test_an_auditor_reads_the_directory_and_is_told_who_can_import(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    pane = DirectoryPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(pane)
    pane.refresh()
    assert pane.empty.text() == EMPTY_VIEWER
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "api")
    pane.refresh()
    assert len(names(pane)) == 5
    assert pane.banner.text() == ""
