"""Data inventory pane (issue 19, part 4): the tables, a scan drawn as a heat map with its
findings, and a retention policy simulated before it runs (step-up), as a user clicks it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.retention.policies import Policy
from app.retention.service import RetentionService
from app.security import totp
from tests.conftest import SignedIn
from tests.dsar_helpers import make_desk
from tests.gui.conftest import gui_ctx, shoot
from tests.test_inventory_scan import plant as plant_scan
from tests.test_retention import plant as plant_retention
from views.inventory.pane import InventoryPane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


@pytest.fixture
def desk(admin: SignedIn) -> Any:
    d = make_desk(admin)
    plant_scan(d.ctx)
    plant_retention(d)
    RetentionService(d.ctx, d.officer).add(
        Policy("closed-1y", "tickets", "delete", status="closed", older_than_days=365)
    )
    RetentionService(d.ctx, d.officer).add_hold("tag", "litigation", "counsel")
    return d


def make_pane(
    qtbot: QtBot, admin: SignedIn, principal: Any, tasks: SyncTaskRunner
) -> InventoryPane:
    pane = InventoryPane(gui_ctx(admin, principal, tasks))
    qtbot.addWidget(pane)
    pane.resize(1366, 768)
    pane.show()
    pane.refresh()
    return pane


def test_tables_scan_heat_map_and_a_simulated_then_run_policy(
    qtbot: QtBot, admin: SignedIn, desk: Any, tasks: SyncTaskRunner, qtmodeltester: ModelTester
) -> None:
    pane = make_pane(qtbot, admin, desk.officer, tasks)
    assert pane.load_state == "loaded"
    assert {r.key for r in pane.systems.rows()} >= {"zendesk", "privdesk"}
    assert pane.activities.rowCount() == 2
    for model in (pane.systems, pane.categories, pane.activities, pane.policies):
        qtmodeltester.check(model)
    shoot(pane, "inventory-tables")

    pane.tabs.setCurrentIndex(1)
    assert "No scan yet" in pane.scan_state.text()
    pane.scan_button.click()
    m = pane.heat.matrix
    assert m is not None and m.cell("ticket.subject", "CREDIT_CARD") >= 3
    assert ("ticket.subject", "CREDIT_CARD") in m.flagged
    assert any(
        pane.findings.item(i).text().startswith("card numbers in ticket subjects")
        for i in range(pane.findings.count())
    )
    shoot(pane, "inventory-heatmap")

    pane.tabs.setCurrentIndex(2)
    assert not pane.run_button.isEnabled()  # nothing selected, nothing simulated
    pane.select_policy("closed-1y")
    assert not pane.run_button.isEnabled() and "Simulate" in pane.run_button.toolTip()
    pane.simulate_button.click()
    sim = pane.simulation
    assert sim is not None and sim.count >= 2 and sim.held >= 1
    assert "Nothing has changed yet" in pane.sim_summary.text()
    assert pane.samples.count() >= 1 and "4242" not in pane.samples.item(0).text()
    assert pane.run_button.isEnabled()
    shoot(pane, "inventory-retention")

    admin.clock.advance(6 * 60)
    pane.run_button.click()
    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(desk.secret, admin.clock.now()))
    step_up.buttons.accepted.emit()
    assert pane.last_run is not None and pane.last_run.status == "done", pane.banner.text()
    assert pane.last_run.total == sim.count
    assert "finished" in pane.sim_summary.text() and Path(pane.last_run.certificate).exists()
    assert not pane.run_button.isEnabled()  # a new run needs a new simulation


def test_the_forms_add_a_system_and_refuse_a_bad_activity(
    qtbot: QtBot, admin: SignedIn, desk: Any, tasks: SyncTaskRunner
) -> None:
    pane = make_pane(qtbot, admin, desk.officer, tasks)
    dialog = pane.open_form("system")
    dialog.set("key", "slack")
    dialog.set("name", "Slack (agent chat)")
    dialog.set("kind", "integration")
    dialog.set("location", "US")
    shoot(dialog, "inventory-form")
    dialog.buttons.accepted.emit()
    assert "slack" in {r.key for r in pane.systems.rows()} and "Saved slack" in pane.banner.text()
    bad = pane.open_form("activity")
    bad.set("key", "chat")
    bad.set("name", "Chat")
    bad.set("purpose", "Live chat")
    bad.set("transfers", "United States")
    bad.buttons.accepted.emit()
    assert bad.isVisible() and "needs its --safeguard" in bad.banner.text()
    bad.set("safeguard", "EU SCCs")
    bad.set("categories", "contact, payment")
    bad.buttons.accepted.emit()
    chat = next(r for r in pane.activities.rows() if r.key == "chat")
    assert chat.categories == ("contact", "payment") and chat.safeguard == "EU SCCs"


def test_the_auditor_reads_but_cannot_scan_or_run(
    qtbot: QtBot, admin: SignedIn, desk: Any, tasks: SyncTaskRunner
) -> None:
    auditor, _ = admin.add_operator("aud", ["auditor"])
    pane = make_pane(qtbot, admin, auditor, tasks)
    assert pane.load_state == "loaded" and pane.activities.rowCount() == 2
    assert not pane.scan_button.isEnabled() and "role" in pane.scan_button.toolTip()
    assert not any(b.isEnabled() for b in pane.add_buttons.values())
    pane.select_policy("closed-1y")
    pane.simulate_button.click()
    assert pane.simulation is not None
    assert not pane.run_button.isEnabled() and "role" in pane.run_button.toolTip()
