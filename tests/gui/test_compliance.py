"""Compliance pane (issue 21, part 3), clicked as a user would: the officer adds, approves
and acknowledges a policy, writes an evidence pack behind its progress dialog (and cancels
one), approves the trust summary with a step-up and exports it; an incident lead only
reads and acknowledges the approved policies."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.compliance.policies import PolicyService
from app.evidence_types import Evidence
from app.security import totp
from tests.conftest import SignedIn
from tests.dsar_helpers import make_desk
from tests.gui.conftest import gui_ctx, shoot
from views.compliance.pane import CompliancePane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner

POLICY = Path(__file__).parent.parent / "data" / "compliance" / "code-of-conduct.md"


@pytest.fixture
def desk(admin: SignedIn) -> Any:
    return make_desk(admin)


def make_pane(
    qtbot: QtBot, admin: SignedIn, principal: Any, tasks: SyncTaskRunner
) -> CompliancePane:
    pane = CompliancePane(gui_ctx(admin, principal, tasks))
    qtbot.addWidget(pane)
    pane.resize(1366, 768)
    pane.show()
    pane.refresh()
    return pane


def test_the_officer_manages_policies_packs_and_the_trust_summary(
    qtbot: QtBot, admin: SignedIn, desk: Any, tasks: SyncTaskRunner, tmp_path: Path
) -> None:
    pane = make_pane(qtbot, admin, desk.officer, tasks)
    assert pane.load_state == "loaded" and pane.policies.rowCount() == 0
    assert not pane.ack_button.isEnabled() and "Select a policy" in pane.ack_button.toolTip()

    dialog = pane.open_add()
    dialog.key.setText("conduct")
    dialog.title.setText("Code of conduct")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "needs a document" in dialog.banner.text()
    dialog.file.setText(str(POLICY))
    dialog.next_review.setDate(dialog.next_review.date().fromString("2026-12-10", "yyyy-MM-dd"))
    shoot(dialog, "compliance-policy-form")
    dialog.buttons.accepted.emit()
    assert "Added conduct v1 as a draft." in pane.banner.text()
    assert pane.selected() is not None and pane.selected().status == "draft"  # type: ignore[union-attr]
    assert not pane.ack_button.isEnabled()  # a draft is not acknowledged
    pane.approve_button.click()
    assert "conduct v1 approved." in pane.banner.text()
    assert "Review due (within 30 days or past): conduct v1 by 2026-12-10" in pane.reminders.text()
    pane.ack_button.click()
    assert "You acknowledged conduct v1." in pane.banner.text()
    assert pane.selected().acknowledged_by_me  # type: ignore[union-attr]
    assert not pane.ack_button.isEnabled()
    shoot(pane, "compliance-policies")

    pane.tabs.setCurrentIndex(1)
    pane.framework.setCurrentIndex(pane.framework.findData("soc2"))
    out = tmp_path / "soc2"
    pane.write_pack(out)
    assert pane.pack_dialog is None  # closed once the pack was written
    assert pane.last_pack is not None and (out / "index.pdf").is_file()
    gaps = [pane.gaps.item(i).text() for i in range(pane.gaps.count())]
    assert any(g.startswith("CC6.2: no access review signed off between") for g in gaps)
    assert "recorded in the audit log" in pane.pack_state.text()
    shoot(pane, "compliance-evidence")
    pane.verify(out)
    assert pane.pack_state.text().startswith("All ") and pane.gaps.count() == 0
    (out / "CC6.1" / "policies.csv").write_text("edited\n", encoding="utf-8")
    pane.verify(out)
    assert "DOES NOT MATCH" in pane.pack_state.text()
    assert pane.gaps.item(0).text().startswith("CC6.1/policies.csv: changed")

    pane.tabs.setCurrentIndex(2)
    assert "Not approved" in pane.trust_state.text() and not pane.trust_export.isEnabled()
    assert "1 of" not in pane.trust_view.toPlainText()  # 2 of 2 operators use MFA
    assert "2 of 2 active operators" in pane.trust_view.toPlainText()
    shoot(pane, "compliance-trust")
    admin.clock.advance(6 * 60)
    pane.trust_approve.click()
    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(desk.secret, admin.clock.now()))
    step_up.buttons.accepted.emit()
    assert "Approved by dpo" in pane.trust_state.text(), pane.banner.text()
    assert pane.trust_export.isEnabled() and not pane.trust_approve.isEnabled()
    target = tmp_path / "trust.html"
    pane.export_trust(target)
    assert "Trust summary written to" in pane.banner.text() and target.is_file()


def test_cancelling_the_progress_dialog_writes_nothing(
    qtbot: QtBot,
    admin: SignedIn,
    desk: Any,
    tasks: SyncTaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pane = make_pane(qtbot, admin, desk.officer, tasks)
    pane.tabs.setCurrentIndex(1)

    def slow_provider(kind: str) -> Any:
        def provide(ctx: Any, principal: Any, period: Any) -> Evidence:
            dialog = pane.pack_dialog
            assert dialog is not None and dialog.isVisible()
            dialog.findChild(QPushButton).click()  # the operator presses Cancel
            return Evidence(kind, kind)

        return provide

    monkeypatch.setattr("app.compliance.evidence.provider", slow_provider)
    out = tmp_path / "pack"
    pane.write_pack(out, pdf=False)
    assert pane.pack_state.text() == "Cancelled; nothing was written."
    assert pane.pack_dialog is None and pane.pack_button.isEnabled()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_an_incident_lead_reads_and_acknowledges_only(
    qtbot: QtBot, admin: SignedIn, desk: Any, tasks: SyncTaskRunner
) -> None:
    svc = PolicyService(desk.ctx, desk.officer)
    svc.add("conduct", "Code of conduct", POLICY, next_review=date(2027, 6, 1))
    svc.approve("conduct")
    svc.add("draft-only", "Not yet approved", POLICY, next_review=date(2027, 6, 1))
    admin.clock.advance(30)
    lead, _secret = admin.add_operator("lead", ["incident_lead"])
    pane = make_pane(qtbot, admin, lead, tasks)
    assert [r.key for r in pane.policies.rows()] == ["conduct"]  # drafts are not shown
    assert not pane.add_button.isEnabled() and "role" in pane.add_button.toolTip()
    assert not pane.pack_button.isEnabled() and "role" in pane.pack_button.toolTip()
    assert "role" in pane.pack_state.text() and "role" in pane.trust_state.text()
    assert pane.reminders.text().startswith("The policies in force")
    pane.select("conduct")
    assert not pane.approve_button.isEnabled()
    pane.ack_button.click()
    assert "You acknowledged conduct v1." in pane.banner.text()
    shoot(pane, "compliance-lead")
