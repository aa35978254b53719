"""Incident drills pane: a full drill from the playbook library to the after-action report."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.drills.records import EXERCISE_BANNER
from tests.conftest import SignedIn
from tests.drills_helpers import incident_lead
from tests.gui.conftest import gui_ctx, shoot
from views.drills.pane import DrillsPane
from views.tasks import SyncTaskRunner


@pytest.fixture
def pane(qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner) -> DrillsPane:
    lead = incident_lead(admin)
    widget = DrillsPane(gui_ctx(admin, lead, tasks))
    qtbot.addWidget(widget)
    widget.resize(1500, 980)
    widget.show()
    widget.refresh()
    return widget


def select_step(pane: DrillsPane, key: str) -> None:
    pane.run_view.select_step(key)
    pane.run_view.table.setFocus()


def test_a_full_drill_from_playbook_to_after_action_report(
    qtbot: QtBot, pane: DrillsPane, admin: SignedIn, qtmodeltester: ModelTester, tmp_path: Path
) -> None:
    lib = pane.library
    assert lib.model.rowCount() == 6
    qtmodeltester.check(lib.model)
    qtmodeltester.check(lib.proxy)
    lib.select("compromised-agent-account")
    assert lib.steps.rowCount() == 10 and "Scenario" in lib.summary.text()
    shoot(pane, "drills-library")

    lib.start_drill.click()
    view = pane.run_view
    assert pane.tabs.currentWidget() is view
    assert view.detail is not None and view.detail.run.is_drill
    assert view.exercise.isVisible() and view.exercise.text() == EXERCISE_BANNER
    assert "awareness" in view.clock.due.text()
    qtmodeltester.check(view.model)

    # keyboard: S starts, F finishes the selected step
    select_step(pane, "roster-check")
    qtbot.keyClick(view.table, Qt.Key.Key_S)
    assert view.detail.step("roster-check").status == "active"
    admin.clock.advance(4 * 60)
    qtbot.keyClick(view.table, Qt.Key.Key_F)
    assert view.detail.step("roster-check").status == "done"

    # an inject comes due at T+10: the tick delivers it, the team reacts
    admin.clock.advance(7 * 60)
    view.tick()
    assert view.injects.count() == 1 and "WAITING" in view.injects.item(0).text()
    admin.clock.advance(3 * 60)
    view.response.setText("Suspended the agent and ended sessions")
    qtbot.keyClick(view.response, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "reacted in 3 min" in view.injects.item(0).text()

    # skipping needs a reason typed in the field
    select_step(pane, "recover")
    view.skip_button.click()
    assert view.detail.step("recover").status == "pending"
    view.step_text.setText("IT runbook covers it")
    view.skip_button.click()
    assert view.detail.step("recover").status == "skipped"

    # breach record: awareness is a decision with a reason; the clock starts
    form = view.breach
    view.tabs.setCurrentWidget(form)
    form.aware_reason.setText("Agent confirmed MFA fatigue; exports seen")
    form.aware_button.click()
    assert view.detail.breach.aware_by == "ivan"
    assert view.clock.countdown.text() == "72:00:00"
    admin.clock.advance(65)
    view.tick()
    assert view.clock.countdown.text() == "71:58:55"

    for key, value in {
        "nature": "Account takeover of a support agent",
        "subject_categories": "customers",
        "subjects_approx": "2300",
        "record_categories": "tickets",
        "records_approx": "2300",
        "data_categories": "names, emails, ticket text",
        "consequences": "targeted phishing",
        "dpo_contact": "dpo@example.test",
        "jurisdictions": "EU, US-CA",
        "residents": "CA=800",
    }.items():
        form.edits[key].setText(value)
    form.save_button.click()
    assert view.detail.breach.subjects_approx == 2300
    assert any(c.key == "us_ca_attorney_general_due" for c in view.detail.clocks)

    form.notify_button.click()  # measures neither filled nor to follow: refused
    assert pane.banner.kind == "error" and "measures taken or proposed" in pane.banner.text()
    assert view.detail.breach.authority_notified_at is None
    form.follow["measures"].click()
    assert view.detail.breach.to_follow == ("measures",)
    form.risk.setCurrentText("high")
    form.risk_button.click()
    labels = [form.tasks.item(i).text() for i in range(form.tasks.count())]
    assert any("Art. 33(4) follow-up: Measures" in t for t in labels)
    assert any("Art. 34" in t for t in labels)

    # templates: the authority notice is filled, saved and approved
    notices = view.notices
    view.tabs.setCurrentWidget(notices)
    notices.select("sa_notice")
    body = notices.text.toPlainText()
    assert body.startswith(EXERCISE_BANNER) and "2300" in body and "[to follow]" in body
    notices.save_button.click()
    notices.approve_button.click()
    assert "Approved by ivan" in notices.state.text()
    shoot(pane, "drills-templates")
    notices.export_to(tmp_path / "sa.txt")  # exports and copies are audited by the service
    assert (tmp_path / "sa.txt").read_text(encoding="utf-8").startswith(EXERCISE_BANNER)
    assert "Notice written to" in pane.banner.text()
    notices.copy_button.click()
    assert QApplication.clipboard().text().startswith(EXERCISE_BANNER)
    from tests.helpdesk_helpers import audit_events

    exported = audit_events(admin.ctx, "drills.notice.export")
    assert [(e["details"]["to"], e["details"]["approved"]) for e in exported] == [
        ("file", True),
        ("clipboard", True),
    ]

    form.notify_button.click()
    assert view.detail.breach.authority_notified_at is not None
    assert view.clock.countdown.text() == "NOTIFIED"
    view.tabs.setCurrentWidget(form)
    shoot(pane, "drills-run")

    # time passes: an open step becomes visibly overdue
    admin.clock.advance(40 * 60)
    view.tick()
    assert view.overdue.isVisible() and "Overdue" in view.overdue.text()

    # close the run and finish the after-action report
    view.close_button.click()
    aar = view.aar
    assert view.tabs.currentWidget() is aar
    aar.went_well.setPlainText("Bridge opened in 4 minutes")
    aar.improve.setPlainText("Risk call needed a matrix")
    aar.save_button.click()
    aar.item.setText("Write a risk matrix for account takeovers")
    aar.owner.setText("DPO")
    aar.due.setText("2027-01-31")
    aar.add_button.click()
    assert aar.model.rowCount() == 1
    qtmodeltester.check(aar.model)
    html = aar.preview.toHtml()
    for text in ("Time to each decision", "Bridge opened in 4 minutes", "risk matrix"):
        assert text in html
    # closed with most steps still open: the preview says so, step by step
    assert "10 steps: 1 done on time, 0 done late, 1 skipped, 8 not done" in html
    assert "skipped: IT runbook covers it" in html and "within their expected time" not in html
    aar.export_to(tmp_path / "aar.html")
    aar.export_to(tmp_path / "aar.pdf")
    assert "After-Action Report" in (tmp_path / "aar.html").read_text()
    assert (tmp_path / "aar.pdf").read_bytes().startswith(b"%PDF")
    shoot(pane, "drills-aar")

    pane.tabs.setCurrentWidget(pane.trends)
    assert [p.run_id for p in pane.trends.points] == [view.detail.run.id]
    assert "Real incidents</b> (drills never counted): 0" in pane.trends.metrics.text()
    shoot(pane, "drills-trends")


def test_the_clock_ticks_from_the_injectable_clock_and_high_contrast(
    qtbot: QtBot, pane: DrillsPane, admin: SignedIn
) -> None:
    pane.library.select("ransomware-workstation")
    pane.library.start_incident.click()
    view = pane.run_view
    assert not view.exercise.isVisible() and not view.inject_box.isVisible()
    view.breach.aware_reason.setText("leak site entry")
    view.breach.aware_button.click()
    view.timer.setInterval(20)
    admin.clock.advance(3600)
    qtbot.waitUntil(lambda: view.clock.countdown.text() == "71:00:00", timeout=2000)
    qtbot.keyClick(
        pane, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert pane.high_contrast.isChecked() and "#ffff00" in pane.styleSheet()
    QApplication.processEvents()  # let the layout settle before the picture
    shoot(pane, "drills-high-contrast")
    view.timer.stop()


def test_team_roster_and_an_auditor_sees_but_cannot_act(
    qtbot: QtBot,
    pane: DrillsPane,
    admin: SignedIn,
    tasks: SyncTaskRunner,
    qtmodeltester: ModelTester,
) -> None:
    pane.tabs.setCurrentWidget(pane.team)
    team = pane.team
    team.role.setCurrentIndex(team.role.findData("dpo"))
    team.name.setText("Dana Privacy")
    team.email.setText("dpo@example.test")
    team.oob.setText("bridge +44 20 0000 0000 pin 42")
    team.add_button.click()
    assert team.model.rowCount() == 1 and not team.empty.isVisible()
    qtmodeltester.check(team.model)
    shoot(pane, "drills-team")

    auditor, _ = admin.add_operator("audrey", ["auditor"])
    view_only = DrillsPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(view_only)
    view_only.refresh()
    assert view_only.library.model.rowCount() == 6
    assert not view_only.library.start_drill.isEnabled()
    assert not view_only.team.add_button.isEnabled()
    # …and each disabled control says why, in the permission table's words.
    why = "Running drills and incidents needs the Incident lead role."
    assert view_only.library.start_drill.toolTip() == why
    assert view_only.team.add_button.toolTip() == why
    assert view_only.run_view.start_button.toolTip() == why
    # The incident lead sees the start button's own help, not a refusal.
    assert "An exercise" in pane.library.start_drill.toolTip()


def test_breach_form_reads_local_times_in_its_zone_and_refuses_what_cannot_be(
    pane: DrillsPane, admin: SignedIn
) -> None:
    pane.library.select("lost-laptop")
    pane.library.start_drill.click()  # the drill starts 2026-11-27 12:00 UTC
    view = pane.run_view
    form = view.breach
    view.tabs.setCurrentWidget(form)
    assert view.detail is not None
    form.zone.setText("Europe/London")
    form.aware_reason.setText("Laptop confirmed stolen, disk not encrypted")

    def decide(text: str) -> str:
        form.aware_at.setText(text)
        form.aware_button.click()
        return pane.banner.text()

    said = decide("2026-03-29T01:30")
    assert pane.banner.kind == "error"
    assert "Aware at: 2026-03-29T01:30 does not exist in Europe/London" in said
    assert "clocks went forward from 01:00 to 02:00" in said
    said = decide("2026-10-25T01:30")
    assert "ambiguous" in said and "2026-10-25T01:30+01:00 or +00:00" in said
    # with its offset the time parses, but it is before the drill: refused, naming the field
    said = decide("2026-10-25T01:30+01:00")
    assert "aware at:" in said and "before this exercise started" in said
    assert view.detail.breach.aware_at is None

    admin.clock.advance(10 * 60)
    decide("2026-11-27T12:05")  # local London time: GMT, so 12:05 UTC
    assert view.detail.breach.aware_at == "2026-11-27T12:05:00Z"

    form.edits["detected_at"].setText("2026-03-29T01:10")
    form.save_button.click()
    assert "Detected at: 2026-03-29T01:10 does not exist" in pane.banner.text()
