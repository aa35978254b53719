"""Access review pane: campaign list, item table, filters, keyboard decisions, detail panel,
who-can-see-what, charts, sign-off with step-up, evidence export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.review.evidence import verify_pack
from app.security import totp
from models.review import ReviewItem
from tests.gui.conftest import gui_ctx, make_window
from tests.gui.conftest import shoot as _shoot
from tests.test_review_data import USERS, load_snapshot, officer
from views.review.models import DECISION_COLUMN
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

    pane.finding_filter.setCurrentText("Dormant")  # titles, not codes
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
    qtbot.keyClick(pane.table, Qt.Key.Key_K)  # dormant: keep asks why first
    dialog = pane.decision_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.decision.currentText() == "keep"
    dialog.accept()
    assert dialog.isVisible() and "on items with findings needs a justification" in (
        dialog.banner.text()
    )
    dialog.reject()
    assert next(r for r in pane.model.rows() if r.agent_id == 104).decision is None
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
    pane.decision_dialog.justification.setPlainText("Q4 rota confirmed")
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


# ------------------------------------------------------------ decisions an auditor can trust


def click_ok(qtbot: QtBot, dialog: QDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def campaign_progress_cell(pane: ReviewPane) -> str:
    return str(pane.campaigns.index(0, 1).data())


def stored_items(admin: Any, campaign_id: int) -> dict[int, ReviewItem]:
    with admin.ctx.session() as s:
        rows = s.scalars(select(ReviewItem).where(ReviewItem.campaign_id == campaign_id)).all()
        s.expunge_all()
    return {r.id: r for r in rows}


def test_gui_decisions_agree_with_the_exported_pack_csv_and_progress(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    """Decide with the keyboard, the bulk button and the change button; the campaign list
    follows each decision; the pack, CSVs and progress say exactly what is stored."""
    pane, _secret = make_pane(qtbot, admin, tmp_path, tasks)
    pane.create_campaign(name="2026-Q4")
    pane.refresh()
    assert campaign_progress_cell(pane) == "0/12"
    pane.table.setFocus()

    pane.select_row(row_of(pane, 103))  # no findings: k keeps at once
    qtbot.keyClick(pane.table, Qt.Key.Key_K)
    assert campaign_progress_cell(pane) == "1/12"  # no manual refresh

    pane.select_row(row_of(pane, 104))
    qtbot.keyClick(pane.table, Qt.Key.Key_R)
    qtbot.keyClicks(pane.decision_dialog.justification, "dormant since May")
    click_ok(qtbot, pane.decision_dialog)
    assert campaign_progress_cell(pane) == "2/12"

    # The normal path refuses a decided item and says how to change it.
    pane.select_row(row_of(pane, 104))
    qtbot.keyClick(pane.table, Qt.Key.Key_K)
    assert "already decided" in pane.banner.text() and "Change decision" in pane.banner.text()
    assert stored_items(admin, pane.campaign.id)[pane.current_item().id].decision == "revoke"

    # Bulk over everything shown: the dialog says what it will do before it does it.
    qtbot.mouseClick(pane.bulk_button, Qt.MouseButton.LeftButton)
    dialog = pane.decision_dialog
    assert dialog is not None and dialog.isVisible()
    preview = dialog.preview.text()
    assert "Decides 9 open items." in preview
    assert "Leaves 2 already-decided items alone" in preview
    assert "own help-desk account" in preview and "8 of them have findings" in preview
    shoot(dialog, "review-bulk-preview")
    click_ok(qtbot, dialog)  # keep without a justification: refused, nothing written
    assert dialog.isVisible() and "justification" in dialog.banner.text()
    assert campaign_progress_cell(pane) == "2/12"
    dialog.decision.setCurrentText("revoke")
    qtbot.keyClicks(dialog.justification, "not needed after the Q4 reorganisation")
    click_ok(qtbot, dialog)
    assert "Decided 9 open items: revoke. Left 2 already-decided items alone." in (
        pane.banner.text()
    )
    assert campaign_progress_cell(pane) == "11/12"
    stored = stored_items(admin, pane.campaign.id)
    by_agent = {it.agent_id: it for it in stored.values()}
    assert by_agent[103].decision == "keep" and by_agent[104].justification == "dormant since May"

    # Change one decided item explicitly; the earlier decision stays in its history.
    pane.select_row(row_of(pane, 112))
    assert pane.detail.change_button.isEnabled()
    qtbot.mouseClick(pane.detail.change_button, Qt.MouseButton.LeftButton)
    change = pane.decision_dialog
    assert change is not None and "Now: <b>revoke</b>" in change.findChildren(QLabel)[1].text()
    change.decision.setCurrentText("keep")
    click_ok(qtbot, change)
    assert change.isVisible() and "Reason for the change" in change.banner.text()
    qtbot.keyClicks(change.reason, "Tidy moved to the privacy team, needs access")
    shoot(change, "review-change-decision")
    click_ok(qtbot, change)
    text = pane.detail.browser.toPlainText()
    assert "Earlier decisions" in text
    assert "revoke: not needed after the Q4 reorganisation — priya" in text
    assert "decision changed" in text and "Tidy moved to the privacy team" in text
    assert campaign_progress_cell(pane) == "11/12"
    shoot(pane, "review-changed-decision")

    pack = tmp_path / "pack"
    pane.export_to(pack)
    assert verify_pack(pack).ok
    stored = stored_items(admin, pane.campaign.id)
    data = json.loads((pack / "access-review-1.json").read_text(encoding="utf-8"))
    assert {i["item_id"]: (i["decision"], i["justification"]) for i in data["items"]} == {
        i: (it.decision, it.justification) for i, it in stored.items()
    }
    decided = sum(1 for it in stored.values() if it.decision)
    assert (data["progress"]["decided"], data["campaign"]["decided"]) == (decided, decided)
    rows = list(csv.DictReader(io.StringIO((pack / "access-review-1-items.csv").read_text())))
    assert {int(r["item_id"]): r["decision"] for r in rows} == {
        i: it.decision or "open" for i, it in stored.items()
    }
    remediation = list(
        csv.DictReader(io.StringIO((pack / "access-review-1-remediation.csv").read_text()))
    )
    assert sorted(int(r["agent_id"]) for r in remediation) == sorted(
        it.agent_id for it in stored.values() if it.decision in ("revoke", "modify")
    )
    html = (pack / "access-review-1.html").read_text(encoding="utf-8")
    assert f"<td>Decided</td><td>{decided} of 12</td>" in html
    assert html.count("not needed after the Q4 reorganisation") == 9  # on every bulk item
    assert (pack / "access-review-1.pdf").read_bytes().startswith(b"%PDF")
    changed = next(r for r in data["items"] if r["agent_id"] == 112)
    assert changed["earlier_decisions"][0]["decision"] == "revoke"
    assert changed["change_reason"] == "Tidy moved to the privacy team, needs access"


def test_findings_are_phrases_and_the_decision_column_fits_1366x768(
    qtbot: QtBot, admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    load_snapshot(admin, tmp_path)
    priya, _secret = officer(admin, email="priya.raman@acme.example")
    window = make_window(qtbot, admin, priya, tasks)
    window.resize(1366, 768)
    window.show()
    pane = window.show_pane("review")
    assert isinstance(pane, ReviewPane)
    pane.create_campaign(name="2026-Q4")
    QApplication.processEvents()
    pane.table.setFocus()
    pane.select_row(row_of(pane, 102))
    findings = pane.model.index(
        pane.proxy.mapToSource(pane.proxy.index(row_of(pane, 102), 0)).row(), 2
    ).data()
    assert findings == "admin password without 2FA; admin rights"
    text = pane.detail.browser.toPlainText()
    assert "admin password without 2FA" in text and "no_mfa" not in text
    cells = [  # Agent, Decision, Findings (with tooltips), Role, MFA
        str(pane.model.index(r, c).data(role))
        for r in range(pane.model.rowCount())
        for c in range(5)
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
    ]
    codes = ("no_mfa", "left_company", "toxic_combination", "suspended_with_role", "orphan")
    assert not [c for c in cells if any(code in c for code in codes)]
    header = pane.table.horizontalHeader()
    assert header.model().headerData(DECISION_COLUMN, Qt.Orientation.Horizontal) == "Decision"
    right = pane.table.columnViewportPosition(DECISION_COLUMN) + header.sectionSize(DECISION_COLUMN)
    assert not header.isSectionHidden(DECISION_COLUMN)
    assert pane.table.columnViewportPosition(DECISION_COLUMN) >= 0
    assert right <= pane.table.viewport().width()
    shoot(window, "review-1366x768")
    window.idle.stop()
