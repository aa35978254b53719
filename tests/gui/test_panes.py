"""Panes: what they show and how sensitive actions ask for a fresh code."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, shoot
from views.audit.pane import AuditPane
from views.main_window import MainWindow
from views.operators.dialogs import AddOperatorDialog, EnrolmentCodeDialog
from views.operators.pane import OperatorsPane
from views.security.pane import SecurityPane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


def open_pane(window: MainWindow, name: str) -> object:
    window.show()
    return window.show_pane(name)


def test_audit_pane_shows_rows_and_verify_reports_ok(
    qtbot: QtBot, window: MainWindow, qtmodeltester: ModelTester
) -> None:
    pane = open_pane(window, "audit")
    assert isinstance(pane, AuditPane)
    assert pane.model.rowCount() > 0
    actions = {pane.model.row_at(i).action for i in range(pane.model.rowCount())}
    assert {"workspace.create", "auth.login"} <= actions
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)

    pane.verify_button.click()
    assert pane.banner.showing and pane.banner.kind == "ok"
    assert pane.banner.text().startswith("OK")
    shoot(window, "pane-audit")


def test_audit_filter_and_csv_export(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner, tmp_path: Path
) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    pane = AuditPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(pane)
    pane.refresh()
    pane.action.setCurrentText("auth.")
    pane.refresh()
    assert pane.model.rowCount() > 0
    assert all(r.action.startswith("auth.") for r in pane.model.rows())

    assert pane.export_button.isEnabled()
    pane.export_to(tmp_path / "audit.csv")
    text = (tmp_path / "audit.csv").read_text()
    assert text.startswith("seq,ts_utc,actor")
    assert "exported" in pane.banner.text()


def test_a_pane_without_permission_says_so_politely(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    officer, _ = admin.add_operator("olga", ["privacy_officer"])
    pane = AuditPane(gui_ctx(admin, officer, tasks))
    qtbot.addWidget(pane)
    pane.refresh()
    assert pane.banner.text() == "You don't have permission to view the audit log."


def test_operators_pane_adds_an_operator_and_shows_the_code_once(
    qtbot: QtBot, window: MainWindow, qtmodeltester: ModelTester
) -> None:
    pane = open_pane(window, "operators")
    assert isinstance(pane, OperatorsPane)
    assert [o.username for o in pane.model.rows()] == ["admin"]
    qtmodeltester.check(pane.model)
    shoot(window, "pane-operators")

    pane.buttons["add"].click()
    dialog = pane.findChild(AddOperatorDialog)
    dialog.username.setText("grace")
    dialog.display_name.setText("Grace Hopper")
    dialog.roles["auditor"].setChecked(True)
    shoot(dialog, "operators-add")
    dialog.accept()

    shown = pane.findChild(EnrolmentCodeDialog)
    assert shown is not None and len(shown.code.text()) == 23  # XXXXX-XXXXX-XXXXX-XXXXX
    shoot(shown, "operators-enrolment-code")
    shown.reject()
    assert shown.code.text() == ""
    assert [o.username for o in pane.model.rows()] == ["admin", "grace"]
    assert pane.model.rows()[1].status == "pending"


def test_disabling_an_operator_asks_for_a_fresh_code_then_retries(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    admin.add_operator("grace", ["auditor"])
    pane = open_pane(window, "operators")
    assert isinstance(pane, OperatorsPane)
    pane.refresh()
    admin.clock.advance(6 * 60)  # the step-up from sign-in is now stale
    pane.select("grace")
    pane.buttons["disable"].click()

    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    shoot(step_up, "step-up")
    step_up.code.setText(admin.code())
    step_up.buttons.accepted.emit()
    assert step_up.result() == QDialog.DialogCode.Accepted
    grace = next(o for o in pane.model.rows() if o.username == "grace")
    assert grace.status == "disabled"


def test_security_pane_backs_up_and_changes_the_idle_timeout(
    qtbot: QtBot, window: MainWindow, qtmodeltester: ModelTester
) -> None:
    pane = open_pane(window, "security")
    assert isinstance(pane, SecurityPane)
    assert "available" in pane.keyring_state.text()
    assert pane.model.rowCount() == 0 and pane.body.state == "empty"
    assert "No backups yet" in pane.body.empty_label.text()
    pane.backup_button.click()
    assert pane.model.rowCount() == 1
    qtmodeltester.check(pane.model)
    shoot(window, "pane-security")

    pane.idle.setValue(5)
    pane.idle_save.click()
    assert window.idle.timeout_s == 5 * 60  # the window follows the new setting
    assert "5 min" in pane.banner.text()
