"""DSAR pane: queue with colours and filters, detail and timeline, locate, export with
step-up, the dashboard; table models checked with qtmodeltester."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.dsar_helpers import make_desk
from tests.gui.conftest import shoot
from views.panes.dsar import DsarPane
from views.session import CurrentOperator
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


def test_dsar_pane_queue_detail_locate_export(
    qtbot: QtBot, admin: Any, tasks: SyncTaskRunner, qtmodeltester: ModelTester, tmp_path: Path
) -> None:
    desk = make_desk(admin)
    desk.new(received_at=datetime(2026, 9, 1, 9, 0, tzinfo=UTC))  # overdue
    desk.new(regime="ccpa", request_type="erasure", phones=["+1 555 987 6543"])
    ref = desk.new(request_type="access").reference
    desk.new(
        regime="eu-gdpr",
        calendar="DE",
        requester_name="Eve Shopper",
        emails=["eve@shopper.example"],
        phones=[],
    )
    pane = DsarPane(admin.ctx, CurrentOperator(desk.officer), tasks)
    pane.resize(1280, 860)
    qtbot.addWidget(pane)
    pane.refresh()
    assert pane.model.rowCount() == 4
    qtmodeltester.check(pane.model)
    qtmodeltester.check(pane.proxy)
    # Sorted by legal due date: the overdue one first, tinted.
    first = pane.proxy.index(0, 0).data(0x0100)
    assert first.deadline.state == "overdue"
    assert "overdue" in pane.count.text()
    pane.regime.setCurrentIndex(pane.regime.findData("ccpa"))
    assert pane.proxy.rowCount() == 1
    pane.regime.setCurrentIndex(0)

    row = next(r for r in pane.model.rows() if r.reference == ref)
    pane.select(row.id)
    assert pane.detail is not None and pane.detail.reference == ref
    assert "Dana Customer" in pane.summary.text()
    assert not pane.buttons["erase"].isEnabled()
    pane.verify("email reply from the address on file")
    assert pane.detail.summary.status == "in_progress"
    pane.locate()
    assert pane.items.rowCount() >= 4
    qtmodeltester.check(pane.items)
    assert pane.buttons["export"].isEnabled()
    shoot(pane, "dsar-detail")

    admin.clock.advance(6 * 60)
    out = tmp_path / "pkg.zip"
    pane.export_to(out)
    dialog = pane.findChild(StepUpDialog)
    assert dialog is not None
    from app.security import totp

    admin.clock.advance(30)
    dialog.code.setText(totp.current_code(desk.secret, admin.clock.now()))
    dialog.submit()
    assert out.exists(), pane.banner.text()
    with zipfile.ZipFile(out) as z:
        assert "summary.pdf" in z.namelist()
    assert "Package written" in pane.banner.text()
    assert [e.kind for e in pane.timeline.rows()][-1] == "export"
    qtmodeltester.check(pane.timeline)

    pane.tabs.setCurrentIndex(1)
    assert pane.charts.age.figure.axes
    shoot(pane, "dsar-dashboard")
