"""The GUI tells the truth: "Loading…" while a pane loads, the empty state only for an
empty store, counts that agree, actions in words, controls that say why they are off,
exports that start in the workspace's exports folder, messages that move no button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from app.helpdesk import HelpdeskService
from tests.conftest import SignedIn
from tests.gui.conftest import make_window, shoot
from tests.gui.held_runner import HeldTaskRunner
from views.audit.pane import AuditPane
from views.common.widgets import FAILED_TEXT, LOADING_TEXT
from views.directory.pane import EMPTY_IMPORTER, DirectoryPane
from views.main_window import MainWindow
from views.security.pane import SecurityPane
from views.tasks import SyncTaskRunner


def held_window(qtbot: QtBot, admin: SignedIn, principal: Any = None) -> tuple[MainWindow, Any]:
    tasks = HeldTaskRunner()
    window = make_window(qtbot, admin, principal or admin.principal, tasks)
    window.show()
    return window, tasks


def test_the_directory_says_loading_until_the_store_answers_then_that_it_is_empty(
    qtbot: QtBot, admin: SignedIn
) -> None:
    window, tasks = held_window(qtbot, admin)
    pane = window.show_pane("directory")
    assert isinstance(pane, DirectoryPane)
    assert pane.body.loading_label.isVisible() and pane.body.loading_label.text() == LOADING_TEXT
    assert not pane.empty.isVisible()  # not "No help-desk data yet" before the store answered
    assert pane.load_state == "loading"
    shoot(window, "pane-directory-loading")
    tasks.release()
    assert pane.load_state == "loaded"
    assert pane.empty.isVisible() and pane.empty.text() == EMPTY_IMPORTER
    window.idle.stop()


def test_a_failed_load_is_never_shown_as_an_empty_store(
    qtbot: QtBot, admin: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object) -> None:
        raise OSError("disk unreadable")

    monkeypatch.setattr(HelpdeskService, "status", broken)
    window, tasks = held_window(qtbot, admin)
    pane = window.show_pane("directory")
    tasks.release()
    assert isinstance(pane, DirectoryPane)
    assert pane.load_state == "failed"
    assert not pane.empty.isVisible()
    assert pane.body.failed_label.isVisible() and pane.body.failed_label.text() == FAILED_TEXT
    assert "reading the directory" in pane.banner.text()
    window.idle.stop()


def test_the_security_pane_says_loading_before_no_backups(qtbot: QtBot, admin: SignedIn) -> None:
    window, tasks = held_window(qtbot, admin)
    pane = window.show_pane("security")
    assert isinstance(pane, SecurityPane)
    assert pane.body.state == "loading" and not pane.body.empty_label.isVisible()
    tasks.release()
    assert pane.body.state == "empty" and "No backups yet" in pane.body.empty_label.text()
    window.idle.stop()


def test_the_audit_count_is_the_count_the_verification_reports(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show()
    pane = window.show_pane("audit")
    assert isinstance(pane, AuditPane)
    stored = pane.page.total
    assert pane.count.text() == f"{stored} events in the log"
    assert pane.model.rowCount() == stored  # the view just recorded is on the page
    qtbot.mouseClick(pane.verify_button, Qt.MouseButton.LeftButton)
    assert f"{stored} events verified" in pane.banner.text()
    shoot(window, "pane-audit-verified")


def test_the_audit_log_reads_as_phrases_and_fields_and_can_hide_routine_views(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show()
    pane = window.show_pane("audit")
    assert isinstance(pane, AuditPane)

    def shown(column: str) -> list[str]:
        col = next(
            c
            for c in range(pane.model.columnCount())
            if pane.model.headerData(c, Qt.Orientation.Horizontal) == column
        )
        return [pane.proxy.index(r, col).data() for r in range(pane.proxy.rowCount())]

    actions = shown("Action")
    assert "Signed in" in actions and "Viewed the audit log" in actions
    assert not any("." in a for a in actions)  # no raw codes such as "auth.login"
    details = shown("Details")
    assert "filtered: none" in details  # key: value, not {"filtered": []}
    assert not any(d.startswith("{") for d in details)

    assert not pane.hide_routine.isChecked()  # the log opens complete
    total = pane.page.total
    qtbot.mouseClick(pane.hide_routine, Qt.MouseButton.LeftButton)
    assert pane.hide_routine.isChecked()
    assert "Viewed the audit log" not in shown("Action") and "Signed in" in shown("Action")
    assert pane.count.text() == f"{pane.model.rowCount()} of {total + 1} events shown"
    shoot(window, "pane-audit-routine-hidden")


def test_a_control_that_cannot_be_used_says_why(qtbot: QtBot, window: MainWindow) -> None:
    window.show()
    audit = window.show_pane("audit")
    assert isinstance(audit, AuditPane)
    assert not audit.export_button.isEnabled()  # separation of duties: not the administrator
    assert audit.export_button.toolTip() == "Exporting the audit log needs the Auditor role."
    assert audit.verify_button.isEnabled() and audit.verify_button.toolTip() == ""


def test_the_export_dialog_opens_in_the_workspace_exports_folder(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def dialog(parent: object, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    window = make_window(qtbot, admin, auditor, tasks)
    window.show()
    pane = window.show_pane("audit")
    assert isinstance(pane, AuditPane)
    qtbot.mouseClick(pane.export_button, Qt.MouseButton.LeftButton)
    assert [Path(a) for a in asked] == [admin.ctx.workspace.exports_dir / "privdesk-audit.csv"]
    window.idle.stop()


def test_a_message_never_moves_the_buttons_under_the_mouse(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show()
    pane = window.show_pane("audit")
    assert isinstance(pane, AuditPane)

    def where() -> list[QPoint]:
        return [b.mapTo(window, QPoint(0, 0)) for b in (pane.verify_button, pane.hide_routine)]

    before = where()
    pane.banner.show_error("Could not read the log: " + "the disk is busy; " * 20)
    qtbot.wait(0)  # let the layout settle
    assert pane.banner.showing and where() == before
    shoot(window, "pane-audit-message")
    pane.banner.clear()
    qtbot.wait(0)
    assert where() == before


@pytest.mark.parametrize(
    ("pane_name", "role", "after"),
    [
        ("operators", None, "content"),  # the administrator is always listed
        ("review", "privacy_officer", "empty"),
        ("dsar", "privacy_officer", "empty"),
    ],
)
def test_the_queue_panes_say_loading_then_what_the_store_holds(
    qtbot: QtBot, admin: SignedIn, pane_name: str, role: str | None, after: str
) -> None:
    """Operators, access reviews and the DSAR queue: "Loading…" until the store answers
    (never an empty table that looks like "nothing here"), then the rows or the empty text."""
    principal = admin.principal if role is None else admin.add_operator("pat", [role])[0]
    window, tasks = held_window(qtbot, admin, principal)
    pane = window.show_pane(pane_name)
    assert pane.body is not None
    assert pane.body.state == "loading" and pane.body.loading_label.isVisible()
    assert not pane.body.empty_label.isVisible()
    tasks.release()
    assert pane.load_state == "loaded" and pane.body.state == after
    window.idle.stop()
