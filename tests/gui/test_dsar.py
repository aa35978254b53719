"""DSAR pane: queue with colours and filters, detail and timeline, locate, export with
step-up, the dashboard; table models checked with qtmodeltester."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.dsar.erasure import ErasureService
from app.dsar.locate import LocateService
from tests.dsar_helpers import make_desk
from tests.gui.conftest import gui_ctx, shoot
from tests.helpdesk_helpers import audit_events
from views.dsar.pane import DsarPane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


def test_dsar_pane_queue_detail_locate_export(
    qtbot: QtBot, admin: Any, tasks: SyncTaskRunner, qtmodeltester: ModelTester, tmp_path: Path
) -> None:
    desk = make_desk(admin)
    auditor, _ = admin.add_operator("aud", ["auditor"])
    desk.new(received_at=datetime(2026, 9, 1, 9, 0, tzinfo=UTC))  # overdue
    erasure_ref = desk.new(
        regime="ccpa", request_type="erasure", phones=["+1 555 987 6543"]
    ).reference
    ref = desk.new(request_type="access").reference
    desk.new(
        regime="eu-gdpr",
        calendar="DE",
        requester_name="Eve Shopper",
        emails=["eve@shopper.example"],
        phones=[],
    )
    pane = DsarPane(gui_ctx(admin, desk.officer, tasks))
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
    # Identifiers are masked until revealed, with a reason (audited).
    assert "dana@customer.example" not in pane.summary.text()
    assert "d***@c***.example" in pane.summary.text() and "(masked)" in pane.summary.text()
    assert pane.buttons["reveal"].isEnabled() and not pane.buttons["certificate"].isEnabled()
    pane.reveal("")
    assert "reason" in pane.banner.text() and pane.detail.masked
    pane.reveal("reading the address back to the requester")
    assert "dana@customer.example" in pane.summary.text() and not pane.detail.masked
    assert not pane.buttons["reveal"].isEnabled()
    assert audit_events(admin.ctx, "pii.reveal")[-1]["details"]["request"] == pane.detail.id
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

    # Erasure requests: no export; the saved certificate opens from the pane.
    dsar = desk.svc()
    dsar.verify(erasure_ref, method="email")
    LocateService(admin.ctx, desk.officer).locate(erasure_ref)
    ErasureService(admin.ctx, desk.stepped_up()).erase(erasure_ref)
    pane.refresh()
    pane.select(next(r.id for r in pane.model.rows() if r.reference == erasure_ref))
    assert "d***@c***.example" in pane.summary.text()  # masked again after a reload
    assert pane.items.rowCount() > 0 and not pane.buttons["export"].isEnabled()
    assert pane.buttons["certificate"].isEnabled()
    pane.show_certificate()
    text = pane.certificate_dialog.text.toPlainText()
    assert text.startswith(f"Erasure certificate — {erasure_ref}")
    assert "DELETE /api/v2/deleted_users/2001" in text
    pane.certificate_dialog.reject()

    # An auditor (dsar.view, no pii.reveal) sees the certificate button but cannot reveal.
    audit_pane = DsarPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(audit_pane)
    audit_pane.refresh()
    audit_pane.select(pane.detail.id)
    assert audit_pane.detail is not None and audit_pane.detail.masked
    assert not audit_pane.buttons["reveal"].isEnabled()
    assert audit_pane.buttons["certificate"].isEnabled()

    pane.tabs.setCurrentIndex(1)
    assert pane.charts.age.figure.axes
    shoot(pane, "dsar-dashboard")
