"""Monitoring pane as a privacy officer uses it: the queue, an alert's evidence, acknowledge,
dismiss (dialog), escalate, the access-volume chart with alerts marked, the log review —
and as an auditor, who reads but whose buttons say why they are disabled (AUTH-11)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.helpdesk import HelpdeskService
from app.monitoring.service import AlertService
from tests.conftest import SignedIn
from tests.drills_helpers import long_sessions
from tests.gui.conftest import make_window, shoot
from tests.monitoring_helpers import PLANTED, LogWriter, history, planted_day
from views.main_window import MainWindow
from views.monitoring.pane import MonitoringPane
from views.tasks import SyncTaskRunner


@pytest.fixture
def data(admin: SignedIn, tmp_path: Any) -> Any:
    long_sessions(admin)
    officer, _ = admin.add_operator("olivia", ["privacy_officer"])
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    w = LogWriter()
    history(w, days=10)
    planted_day(w)
    HelpdeskService(admin.ctx, officer).import_zendesk(w.write(tmp_path / "logs"))
    return officer, auditor


def open_pane(window: MainWindow) -> MonitoringPane:
    window.resize(1366, 768)
    window.show()
    pane = window.show_pane("monitoring")
    assert isinstance(pane, MonitoringPane)
    return pane


def select(pane: MonitoringPane, rule: str) -> None:
    rows = pane.model.rows()
    n = next(i for i, a in enumerate(rows) if a.rule == rule)
    pane.table.selectRow(n)
    assert pane.detail is not None and pane.detail.alert.rule == rule


def test_officer_runs_the_rules_and_works_the_alerts(
    qtbot: QtBot,
    admin: SignedIn,
    data: Any,
    tasks: SyncTaskRunner,
    qtmodeltester: ModelTester,
) -> None:
    officer, _auditor = data
    window = make_window(qtbot, admin, officer, tasks)
    try:
        pane = open_pane(window)
        assert pane.model.rows() == [] and pane.body is not None
        qtbot.mouseClick(pane.run_rules, Qt.MouseButton.LeftButton)
        assert {a.rule for a in pane.model.rows()} == {rule for rule, _ in PLANTED}
        assert pane.banner.text() == f"{len(PLANTED)} new alert(s)."
        assert pane.notified == ["4 new high-severity alert(s)"]  # no tray offscreen: no icon
        assert pane.tray is None
        qtmodeltester.check(pane.model)
        assert pane.chart.marked == len(PLANTED)

        select(pane, "new_ip")
        assert len(pane.evidence.rows()) == 2
        assert "203.0.113.50" in pane.title.text()
        assert pane.ack.isEnabled() and pane.escalate.isEnabled()
        qtbot.mouseClick(pane.ack, Qt.MouseButton.LeftButton)
        assert pane.detail is not None and pane.detail.alert.status == "acknowledged"
        assert not pane.ack.isEnabled() and pane.dismiss.isEnabled()

        qtbot.mouseClick(pane.dismiss, Qt.MouseButton.LeftButton)
        dialog = pane.dialog
        assert dialog is not None and dialog.isVisible()
        qtbot.keyClicks(dialog.reason, "travelling, confirmed by phone")
        dialog.days.setValue(5)
        qtbot.mouseClick(
            dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
        assert pane.detail.alert.status == "dismissed"
        assert "quiet for this actor" in pane.history.text()
        assert not pane.dismiss.isEnabled() and not pane.escalate.isEnabled()

        select(pane, "bulk_user_reads")
        qtbot.mouseClick(pane.escalate, Qt.MouseButton.LeftButton)
        assert pane.detail.alert.status == "escalated" and pane.detail.alert.run_id
        assert "incident #" in pane.title.text()
        QApplication.processEvents()
        shoot(window, "monitoring-alerts-1366x768")

        pane.status_filter.setCurrentText("escalated")
        assert [a.rule for a in pane.model.rows()] == ["bulk_user_reads"]
        pane.tabs.setCurrentIndex(2)
        assert pane.review_label.text().startswith("Last complete period: monthly review")
        QApplication.processEvents()
        shoot(window, "monitoring-1366x768")
        pane.tabs.setCurrentIndex(1)
        QApplication.processEvents()
        shoot(window, "monitoring-chart-1366x768")
        assert window.width() <= 1366 and window.height() <= 768
    finally:
        window.idle.stop()


def test_auditor_reads_alerts_and_cannot_work_them(
    qtbot: QtBot, admin: SignedIn, data: Any, tasks: SyncTaskRunner
) -> None:
    officer, auditor = data
    AlertService(admin.ctx, officer).run()
    window = make_window(qtbot, admin, auditor, tasks)
    try:
        pane = open_pane(window)
        assert len(pane.model.rows()) == len(PLANTED)
        select(pane, "api_token_created")
        assert pane.evidence.rows()[0].source == "zendesk_audit"
        for button in (pane.ack, pane.dismiss, pane.escalate, pane.run_rules, pane.signoff):
            assert not button.isEnabled()
        assert pane.ack.toolTip() == "Working monitoring alerts needs the Privacy officer role."
    finally:
        window.idle.stop()


def test_an_incident_lead_sees_only_the_alerts_escalated_to_incidents(
    qtbot: QtBot, admin: SignedIn, data: Any, tasks: SyncTaskRunner
) -> None:
    """Issue 20: "incident lead sees alerts escalated to incidents" — in the pane too."""
    officer, _auditor = data
    alerts = AlertService(admin.ctx, officer)
    run = alerts.run()
    bulk = next(a for a in run.alerts if a.rule == "bulk_user_reads")
    alerts.escalate(bulk.id)
    lead, _ = admin.add_operator("lena", ["incident_lead"])
    window = make_window(qtbot, admin, lead, tasks)
    try:
        pane = open_pane(window)
        assert [a.id for a in pane.model.rows()] == [bulk.id]
        assert [pane.tabs.tabText(i) for i in range(pane.tabs.count())] == ["Escalated alerts"]
        assert pane.status_filter.isHidden() and pane.run_rules.isHidden()
        select(pane, "bulk_user_reads")
        assert f"incident #{pane.detail.alert.run_id}" in pane.title.text()  # type: ignore[union-attr]
        assert not pane.ack.isEnabled() and not pane.escalate.isEnabled()
        assert pane.banner.kind != "error", pane.banner.text()
        shoot(window, "monitoring-incident-lead")
    finally:
        window.idle.stop()


def test_the_rules_run_in_the_background_while_the_officer_is_signed_in(
    qtbot: QtBot, admin: SignedIn, data: Any, tasks: SyncTaskRunner
) -> None:
    """Issue 20: `alerts run` is also "a background job" in the console."""
    officer, auditor = data
    window = make_window(qtbot, admin, officer, tasks)
    try:
        watch = window.alert_watch
        assert watch is not None and watch.minutes == 15 and watch.timer.isActive()
        assert watch.timer.interval() == 15 * 60_000
        pane = open_pane(window)
        assert pane.model.rows() == []
        window.lock()
        watch.tick()  # the timer fires while the window is locked: nothing runs
        assert AlertService(admin.ctx, officer).list_alerts() == []
        window.unlock()
        watch.tick()
        assert len(AlertService(admin.ctx, officer).list_alerts()) == len(PLANTED)
        message = window.statusBar().currentMessage()
        assert message.startswith(f"Background rule run: {len(PLANTED)} new alerts (")
        assert len(pane.model.rows()) == len(PLANTED)  # the open pane refreshed itself
        assert watch.notified and watch.notified[0].endswith("new high-severity alert(s)")
        watch.tick()  # nothing new: nothing said
        assert len(watch.notified) == 1
    finally:
        window.idle.stop()
    auditor_window = make_window(qtbot, admin, auditor, tasks)
    try:
        assert auditor_window.alert_watch is None  # an auditor does not run rules
    finally:
        auditor_window.idle.stop()
