"""Access review pane: campaign list, item table, filters, keyboard decisions, detail panel,
who-can-see-what, charts, sign-off with step-up, evidence export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.review.evidence import verify_pack
from app.security import totp
from tests.gui.conftest import gui_ctx
from tests.gui.conftest import shoot as _shoot
from tests.test_review_data import USERS, load_snapshot, officer
from views.review.pane import ReviewPane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


def shoot(pane: ReviewPane, name: str) -> None:
    QApplication.processEvents()  # let hidden banners give their space back before the grab
    _shoot(pane, name)


def make_pane(qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner) -> tuple[Any, str]:
    load_snapshot(admin, tmp_path)
    priya, secret = officer(admin, email="priya.raman@acme.example")
    pane = ReviewPane(gui_ctx(admin, priya, tasks))
    qtbot.addWidget(pane)
    pane.resize(1400, 860)
    pane.show()
    return pane, secret


def row_of(pane: ReviewPane, agent_id: int) -> int:
    for row in range(pane.proxy.rowCount()):
        source = pane.proxy.mapToSource(pane.proxy.index(row, 0)).row()
        if pane.model.row_at(source).agent_id == agent_id:
            return row
    raise AssertionError(agent_id)


def test_create_filter_and_decide_with_the_keyboard(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner, qtmodeltester: ModelTester
) -> None:
    pane, _secret = make_pane(qtbot, admin, tmp_path, tasks)
    pane.refresh()
    assert "No access review yet" in pane.summary.text()
    pane.create_campaign(name=None, due_date=date(2026, 12, 1))
    assert pane.model.rowCount() == len(USERS)
    assert "0 of 12 decided" in pane.summary.text()
    assert pane.reminders.isVisible()  # due in 4 days
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)

    pane.finding_filter.setCurrentText("dormant")
    assert pane.proxy.rowCount() == 1
    pane.finding_filter.setCurrentText("(any)")
    pane.decision_filter.setCurrentText("open")

    pane.table.setFocus()
    pane.select_row(row_of(pane, 103))
    assert "can see tickets in their groups" in pane.detail.browser.toPlainText()
    assert "MFA by identity provider" in pane.detail.browser.toPlainText()
    qtbot.keyClick(pane.table, Qt.Key.Key_K)
    kept = next(r for r in pane.model.rows() if r.agent_id == 103)
    assert kept.decision == "keep"
    assert pane.current_item() is not None and pane.current_item().decision is None  # next open

    pane.select_row(row_of(pane, 104))
    qtbot.keyClick(pane.table, Qt.Key.Key_R)
    dialog = pane.decision_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.accept()  # no justification: refused, stays open
    assert dialog.isVisible() and "justification" in dialog.banner.text()
    dialog.justification.setPlainText("Dormant since May")
    dialog.accept()
    revoked = next(r for r in pane.model.rows() if r.agent_id == 104)
    assert (revoked.decision, revoked.justification) == ("revoke", "Dormant since May")
    assert "1 of 12 decided" in pane.summary.text() or "2 of 12 decided" in pane.summary.text()

    pane.select_row(row_of(pane, 109))
    pane.detail.comment.setText("Ask the team lead's manager")
    pane.detail.add_comment.click()
    assert "Ask the team lead" in pane.detail.browser.toPlainText()

    pane.tabs.setCurrentIndex(1)
    index = pane.permission.findData("tickets.delete")
    pane.permission.setCurrentIndex(index)
    pane._permission_chosen()
    assert pane.who.rowCount() == 3
    qtmodeltester.check(pane.who)
    pane.tabs.setCurrentIndex(0)
    pane.select_row(row_of(pane, 109))
    shoot(pane, "review-items")
    pane.tabs.setCurrentIndex(2)
    shoot(pane, "review-charts")
    pane.tabs.setCurrentIndex(1)
    shoot(pane, "review-who-can")


def test_bulk_sign_off_with_step_up_locks_and_exports(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    pane, secret = make_pane(qtbot, admin, tmp_path, tasks)
    pane.create_campaign(name="2026-Q4")
    own = pane.model.row_at(pane.proxy.mapToSource(pane.proxy.index(row_of(pane, 111), 0)).row())
    assert own.reviewer is None  # her own help-desk account is not given to her
    pane.reviewer_filter.setCurrentText("priya")
    pane.ask_bulk()
    pane.decision_dialog.accept()
    assert all(r.decision == "keep" for r in pane.model.rows() if r.reviewer == "priya")

    admin.clock.advance(6 * 60)  # the sign-in's step-up is stale
    pane.ask_sign_off()
    pane.signoff_dialog.carry_over.setChecked(True)
    pane.signoff_dialog.accept()
    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(secret, admin.clock.now()))
    step_up.buttons.accepted.emit()
    assert step_up.result() == QDialog.DialogCode.Accepted
    assert pane.campaign is not None and pane.campaign.signed_off
    assert not pane.bulk_button.isEnabled() and not pane.signoff_button.isEnabled()
    assert not pane.detail.add_comment.isEnabled()

    pane.export_to(tmp_path / "pack")
    assert "SHA-256" in pane.banner.text()
    assert verify_pack(tmp_path / "pack").ok
    assert (tmp_path / "pack" / "access-review-1.pdf").read_bytes().startswith(b"%PDF")
    shoot(pane, "review-signed-off")


def test_settings_dialog_saves_through_the_service(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    from app.review import ReviewService

    pane, _secret = make_pane(qtbot, admin, tmp_path, tasks)
    pane.refresh()
    assert pane.settings_button.isEnabled()
    pane.ask_settings()
    dialog = pane.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.dormant.value() == 90 and dialog.built_in.isChecked()
    assert dialog.rules.isReadOnly() and '"csv_export_full_end_users"' in dialog.rules.toPlainText()
    shoot(dialog, "review-settings")
    assert dialog.values() == {}

    dialog.dormant.setValue(120)
    dialog.built_in.setChecked(False)
    assert not dialog.rules.isReadOnly()
    dialog.rules.setPlainText('[{"id": "x", "all": []}]')
    dialog.accept()  # the service refuses: the dialog stays open with the edits
    assert dialog.isVisible() and "non-empty list" in dialog.banner.text()
    service = ReviewService(admin.ctx, pane.principal())
    assert service.settings().dormant_days == 90  # nothing saved

    dialog.rules.setPlainText('[{"id": "redactors", "all": ["tickets.redact"], "reason": "r"}]')
    dialog.accept()
    assert not dialog.isVisible()
    assert "Settings saved: dormant after 120 days, 1 custom" in pane.banner.text()
    saved = service.settings()
    assert saved.dormant_days == 120 and [r.id for r in saved.toxic_rules] == ["redactors"]

    pane.ask_settings()  # back to the built-in rules
    again = pane.settings_dialog
    assert again is not None and again is not dialog and not again.built_in.isChecked()
    again.built_in.setChecked(True)
    assert again.values() == {"default_rules": True}
    again.accept()
    assert not again.isVisible() and not service.settings().custom_rules


def test_settings_button_needs_review_manage(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    load_snapshot(admin, tmp_path)
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    pane = ReviewPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(pane)
    assert not pane.settings_button.isEnabled() and not pane.new_button.isEnabled()
