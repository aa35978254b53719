"""Guessing step-up codes in the GUI: the dialog backs off, and the hard lock signs out.

Issue 14 (AUTH-5, AUTH-10): the step-up dialog is a door to the same throttle as sign-in.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.security.throttle import HARD_LIMIT, SOFT_LIMIT
from tests.conftest import SignedIn
from tests.drills_helpers import long_sessions
from tests.gui.conftest import wrong_code
from tests.helpers_auth import code_at, operator_row
from views.main_window import MainWindow
from views.operators.pane import OperatorsPane
from views.stepup import StepUpDialog


def test_wrong_step_up_codes_back_off_then_the_lock_signs_the_window_out(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    long_sessions(admin)  # the waits add up to hours; idle and 12 h limits are not under test
    admin.add_operator("grace", ["auditor"])
    window.show()
    pane = window.show_pane("operators")
    assert isinstance(pane, OperatorsPane)
    pane.refresh()
    admin.clock.advance(6 * 60)  # the step-up from sign-in is stale
    pane.select("grace")
    pane.buttons["disable"].click()
    dialog = pane.findChild(StepUpDialog)
    assert dialog is not None and dialog.isVisible()

    def type_code(code: str) -> None:
        dialog.code.setText(code)
        dialog.buttons.accepted.emit()

    for _ in range(SOFT_LIMIT):
        type_code(wrong_code(admin.secret, admin))
        assert "not valid" in dialog.banner.text()
    type_code(code_at(admin.secret, admin.clock))  # even the right code waits
    assert "try again in" in dialog.banner.text()
    assert dialog.isVisible()

    while operator_row(admin.ctx, "admin")["failed_logins"] < HARD_LIMIT - 1:
        admin.clock.advance(3601)
        type_code(wrong_code(admin.secret, admin))
        assert dialog.isVisible()
    admin.clock.advance(3601)
    with qtbot.waitSignal(window.signedOut) as signed_out:
        type_code(wrong_code(admin.secret, admin))
    assert "locked after too many failed" in signed_out.args[0]
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert operator_row(admin.ctx, "grace")["status"] == "active"  # nothing was disabled
