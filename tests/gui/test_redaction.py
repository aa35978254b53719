"""Redaction pane: live test bench, rule editing with versions, labelled set, impact
preview and history redaction with step-up — offscreen, with the synchronous runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.demodata import generate
from app.helpdesk import HelpdeskService
from app.security import totp
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, shoot
from views.redaction.pane import RedactionPane
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner


@pytest.fixture
def export(tmp_path: Path) -> Path:
    out = tmp_path / "export"
    generate(out, agents=4, end_users=30, tickets=80)
    return out


@pytest.fixture
def pane(qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner, export: Path) -> Any:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(export)
    principal, secret = admin.add_operator("rosa", ["redaction_admin"])
    widget = RedactionPane(gui_ctx(admin, principal, tasks))
    widget.secret = secret
    qtbot.addWidget(widget)
    widget.resize(1280, 820)
    widget.show()
    widget.refresh()
    return widget


def test_bench_highlights_live_and_explains_each_match(
    qtbot: QtBot, pane: RedactionPane, qtmodeltester: ModelTester
) -> None:
    assert pane.rules_tab.model.rowCount() == 17  # 16 built-in patterns + known people
    qtmodeltester.check(pane.rules_tab.model)
    qtmodeltester.check(pane.rules_tab.proxy)
    qtmodeltester.check(pane.examples)
    assert all(e.passed for e in pane.examples.rows())
    pane.tabs.setCurrentIndex(1)
    pane.bench.editor.setPlainText(
        "Hi, my card is 4539 1488 0343 6467 and my SSN 536-22-1234.\n"
        "Mail me at zoë.x@example.com or call +44 20 7946 0123. Order AS-2025-123456."
    )
    assert pane.bench.findings == []  # debounced: nothing scanned per keystroke yet
    qtbot.waitUntil(lambda: len(pane.bench.findings) == 4, timeout=2000)
    assert [f.entity_type for f in pane.bench.findings] == [
        "CREDIT_CARD",
        "US_SSN",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
    ]
    preview = pane.bench.preview.toPlainText()
    assert "**** **** **** 6467" in preview and "536-22-1234" not in preview
    assert "AS-2025-123456" in preview
    assert len(pane.bench.editor.extraSelections()) == 4
    card = pane.bench.findings[0]
    tip = pane.bench.explain(card.start + 2)
    assert "CREDIT_CARD" in tip and "Luhn" in tip and "context word" in tip
    pane.bench.mask_style.setCurrentText("token")
    assert "[CREDIT_CARD]" in pane.bench.preview.toPlainText()
    shoot(pane, "redaction-bench")


def test_rule_edit_is_checked_live_saved_as_a_version_with_a_diff(
    qtbot: QtBot, pane: RedactionPane
) -> None:
    tab = pane.rules_tab
    tab.select("credit_card")
    assert tab.rule_id.text() == "credit_card"
    tab.pattern.setText(r"\d+(?<=7)")
    assert not tab.check_pattern()
    assert "position 4" in tab.pattern_status.text() and "look-behind" in tab.pattern_status.text()
    shoot(pane, "redaction-rules-error")
    tab.pattern.setText(r"\b\d{16}\b")
    assert tab.check_pattern()
    tab.save_button.click()
    assert "saved" in pane.banner.text()
    info = next(i for i in pane.rules_tab.model.rows() if i.rule_id == "credit_card")
    assert info.version == 1 and info.modified
    assert tab.rule_id.text() == "credit_card"
    assert [v.version for v in tab.versions.rows()] == [1]  # at once, without re-selecting
    tab.pattern.setText(r"\b\d{15,16}\b")
    tab.save_button.click()
    assert sorted(v.version for v in tab.versions.rows()) == [1, 2]
    tab.pattern.setText(r"\b\d{16}\b")
    tab.version_table.selectRow(0)
    assert 'pattern = "\\\\b\\\\d{16}\\\\b"' in tab.diff.toPlainText()
    shoot(pane, "redaction-rules")


def test_a_new_rule_shows_its_first_version_as_soon_as_it_is_saved(
    qtbot: QtBot, pane: RedactionPane
) -> None:
    tab = pane.rules_tab
    tab.new_button.click()
    tab.rule_id.setText("ticket_ref")
    tab.name.setText("Ticket reference")
    tab.save_button.click()
    assert "saved" in pane.banner.text()
    assert tab.rule_id.text() == "ticket_ref" and tab.rule_id.isReadOnly()
    assert [v.version for v in tab.versions.rows()] == [1]
    assert tab.table.currentIndex().isValid()  # the saved rule is the one selected


def test_labelled_set_gives_precision_recall_and_opens_misses(
    qtbot: QtBot, pane: RedactionPane, export: Path, qtmodeltester: ModelTester
) -> None:
    pane.import_demo(export)
    scores = {(r.scope, r.name): r for r in pane.labels_tab.scores.rows()}
    assert scores[("type", "CREDIT_CARD")].recall == 1.0
    assert all(r.precision >= 0.99 for r in scores.values())
    qtmodeltester.check(pane.labels_tab.scores)
    # switch the e-mail rule off: every labelled e-mail becomes a false negative
    pane.toggle_rule("email", False)
    pane.evaluate()
    misses = pane.labels_tab.misses.rows()
    assert misses and all(m.kind == "fn" and m.entity_type == "EMAIL_ADDRESS" for m in misses)
    pane.tabs.setCurrentIndex(2)
    shoot(pane, "redaction-labelled")
    shoot(pane, "redaction-labelled-external")
    pane.labels_tab.missOpened.emit(misses[0])
    assert pane.tabs.currentIndex() == 1
    cursor = pane.bench.editor.textCursor()
    assert "@" in cursor.selectedText()


def test_a_labelled_set_written_by_others_shows_its_precision_and_recall(
    qtbot: QtBot,
    pane: RedactionPane,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    qtmodeltester: ModelTester,
) -> None:
    """The redaction admin loads Presidio's recognizer tests (shipped with PrivDesk) with
    "Load labelled set…" and sees precision and recall per type on data not ours."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    from app.redaction.corpus import shipped_sets

    shipped = dict(shipped_sets())
    chosen: list[str] = [str(shipped["presidio.jsonl"])]
    offered: list[str] = []

    def pick(parent: Any, caption: str, folder: str, filters: str) -> tuple[str, str]:
        offered.append(folder)
        return chosen[0], filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", pick)
    pane.tabs.setCurrentIndex(2)
    qtbot.mouseClick(pane.labels_tab.load_button, Qt.MouseButton.LeftButton)
    assert Path(offered[0]) == shipped["presidio.jsonl"].parent  # the shipped sets' folder
    assert "Presidio recognizer tests (presidio.jsonl; MIT" in pane.labels_tab.summary.text()
    scores = {(r.scope, r.name): r for r in pane.labels_tab.scores.rows()}
    qtmodeltester.check(pane.labels_tab.scores)
    for etype in ("CREDIT_CARD", "IBAN_CODE", "US_SSN", "US_ITIN", "PHONE_NUMBER", "IP_ADDRESS"):
        assert scores[("type", etype)].precision == 1.0, etype
        assert scores[("type", etype)].recall == 1.0, etype
    # the URL rule ships switched off: the admin sees what that costs on Presidio's URLs
    assert scores[("type", "URL")].recall == 0.0
    misses = pane.labels_tab.misses.rows()
    assert misses and {m.entity_type for m in misses} == {"URL"}
    pane.labels_tab.missOpened.emit(misses[0])
    assert pane.tabs.currentIndex() == 1
    assert "microsoft" in pane.bench.editor.textCursor().selectedText()
    # a file that is not a labelled set: a message naming the file and line, no change
    bad = tmp_path / "mine.jsonl"
    bad.write_text('{"text": "no header"}\n', encoding="utf-8")
    chosen[0] = str(bad)
    pane.tabs.setCurrentIndex(2)
    qtbot.mouseClick(pane.labels_tab.load_button, Qt.MouseButton.LeftButton)
    assert "mine.jsonl, line 1" in pane.banner.text()
    assert pane.labels_tab.scores.rows() and "Presidio" in pane.labels_tab.summary.text()


def test_preview_then_apply_with_step_up_rewrites_history(
    qtbot: QtBot, pane: RedactionPane, admin: SignedIn, qtmodeltester: ModelTester
) -> None:
    pane.tabs.setCurrentIndex(3)
    pane.impact_tab.preview_button.click()
    tab = pane.impact_tab
    assert tab.apply_button.isEnabled()
    assert "tickets would change" in tab.summary.text()
    assert tab.samples.rowCount() > 0
    assert all("@" not in s.excerpt for s in tab.samples.rows())
    qtmodeltester.check(tab.samples)
    shoot(pane, "redaction-impact")

    admin.clock.advance(6 * 60)  # the sign-in step-up is stale
    tab.apply_button.click()
    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(pane.secret, admin.clock.now()))
    step_up.buttons.accepted.emit()
    assert "done" in pane.banner.text()
    runs = tab.runs.rows()
    assert runs[0].status == "done" and runs[0].done_tickets == 80
    qtmodeltester.check(tab.runs)
    tab.preview_button.click()
    assert tab.samples.rowCount() == 0 or "would change" in tab.summary.text()
    shoot(pane, "redaction-history")


def test_auditor_sees_the_library_but_cannot_change_it(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    widget = RedactionPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(widget)
    widget.refresh()
    assert widget.rules_tab.model.rowCount() == 17
    assert not widget.rules_tab.save_button.isEnabled()
    assert not widget.impact_tab.plan_button.isEnabled()
