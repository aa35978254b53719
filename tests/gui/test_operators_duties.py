"""Operators pane: separation of duties made visible (issue 13, AUTH-12)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from tests.conftest import SignedIn
from tests.gui.conftest import shoot
from tests.helpers_auth import events
from views.main_window import MainWindow
from views.operators.dialogs import RolesDialog
from views.operators.pane import OperatorsPane


def test_an_administrator_who_makes_themself_auditor_sees_a_duty_warning(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    """The administrator ticks Auditor on their own account: the audit event says it was a
    self-grant, the row is marked and a warning under the table says why it matters."""
    window.show()
    pane = window.show_pane("operators")
    assert isinstance(pane, OperatorsPane)
    assert not pane.duty_warning.isVisible()

    pane.select("admin")
    qtbot.mouseClick(pane.buttons["roles"], Qt.MouseButton.LeftButton)
    dialog = pane.findChild(RolesDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.roles["auditor"].click()
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    event = events(admin.ctx, "operator.roles")[-1]
    assert event.details["self"] is True
    assert event.details["added"] == ["auditor"]

    qtbot.waitUntil(pane.duty_warning.isVisible)
    assert "admin holds both administrator and auditor" in pane.duty_warning.text()
    assert "review (or export) the record" in pane.duty_warning.toolTip()
    row = next(i for i in range(pane.model.rowCount()) if pane.model.row_at(i).username == "admin")
    roles_cell = pane.model.index(row, 2)
    assert "⚠" in roles_cell.data()
    assert "Separation of duties" in roles_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert roles_cell.data(Qt.ItemDataRole.ForegroundRole) is not None
    shoot(window, "operators-duty-warning")

    # Taking the auditor role away again clears the warning.
    pane.select("admin")
    qtbot.mouseClick(pane.buttons["roles"], Qt.MouseButton.LeftButton)
    dialog = next(d for d in pane.findChildren(RolesDialog) if d.isVisible())
    dialog.roles["auditor"].click()
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not pane.duty_warning.isVisible())
    assert events(admin.ctx, "operator.roles")[-1].details["removed"] == ["auditor"]


def test_operator_buttons_follow_the_service_and_say_why_not(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    """The only administrator selects themself: Disable and Reset MFA are disabled with the
    service's reasons; selecting a locked-out colleague enables Unlock."""
    admin.add_operator("grace", ["auditor"])
    window.show()
    pane = window.show_pane("operators")
    assert isinstance(pane, OperatorsPane)
    assert pane.buttons["disable"].toolTip() == "Select an operator first"

    pane.select("admin")
    assert not pane.buttons["disable"].isEnabled()
    assert "last active administrator" in pane.buttons["disable"].toolTip()
    assert not pane.buttons["reset_mfa"].isEnabled()
    assert "reset your own MFA" in pane.buttons["reset_mfa"].toolTip()
    assert not pane.buttons["enable"].isEnabled()
    assert "admin is not disabled" in pane.buttons["enable"].toolTip()
    assert pane.buttons["roles"].isEnabled()

    pane.select("grace")
    assert pane.buttons["disable"].isEnabled() and pane.buttons["reset_mfa"].isEnabled()
    assert not pane.buttons["unlock"].isEnabled()
    assert "not locked" in pane.buttons["unlock"].toolTip()
