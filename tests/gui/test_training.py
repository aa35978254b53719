"""Training pane (issue 21, part 2): status per agent with overdue and never-completed in
words and colour, a programme added through its form, completions and GoPhish results
imported by the officer; the auditor reads and cannot import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.helpdesk import HelpdeskService
from app.training.service import TrainingService
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, shoot
from tests.helpdesk_helpers import CSV
from views.tasks import SyncTaskRunner
from views.training.pane import TrainingPane

DATA = Path(__file__).parent.parent / "data" / "training"


@pytest.fixture
def officer(admin: SignedIn) -> Any:
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    principal, _secret = admin.add_operator("dpo", ["privacy_officer"])
    return principal


def make_pane(qtbot: QtBot, admin: SignedIn, principal: Any, tasks: SyncTaskRunner) -> TrainingPane:
    pane = TrainingPane(gui_ctx(admin, principal, tasks))
    qtbot.addWidget(pane)
    pane.resize(1366, 768)
    pane.show()
    pane.refresh()
    return pane


def test_officer_adds_a_programme_imports_and_sees_who_is_overdue(
    qtbot: QtBot,
    admin: SignedIn,
    officer: Any,
    tasks: SyncTaskRunner,
    qtmodeltester: ModelTester,
    tmp_path: Path,
) -> None:
    pane = make_pane(qtbot, admin, officer, tasks)
    assert pane.load_state == "loaded" and pane.body.state == "empty"
    dialog = pane.open_programme_form()
    dialog.name.setText("Annual privacy training")
    shoot(dialog, "training-programme-form")
    dialog.buttons.accepted.emit()
    assert not dialog.isVisible() and "Added Annual privacy training" in pane.banner.text()
    again = pane.open_programme_form()
    again.name.setText("Annual privacy training")
    again.buttons.accepted.emit()
    assert again.isVisible() and "already exists" in again.banner.text()
    again.reject()
    pane.open_programme_form()  # an admins-only programme nobody has done
    form = pane.findChildren(type(dialog))[-1]
    form.name.setText("Admin security")
    form.agents.setChecked(False)
    form.months.setValue(6)
    form.buttons.accepted.emit()

    TrainingService(admin.ctx, officer).add_programme("PCI awareness", roles=("agent",))
    pane.import_completions(DATA / "moodle-course-completion.csv", "Annual privacy training")
    assert "Imported 2 completions" in pane.banner.text()
    old = tmp_path / "completion-admin-security.csv"
    old.write_text(
        'ID,Name,Email address,Course complete\n11,Ada,ada.admin@acme.example,"01/03/26, 09:00"\n'
    )
    pane.import_completions(old, "Admin security")
    pane.import_phishing(DATA / "gophish-results.json")
    assert "Q4 parcel-delivery lure: 2 results added" in pane.banner.text()
    for model in (pane.status, pane.programmes, pane.phishing):
        qtmodeltester.check(model)
    states = {(r.programme, r.agent): r.state_text for r in pane.status.rows()}
    assert states == {
        ("Annual privacy training", "Ada Admin"): "Current",
        ("Annual privacy training", "Ben Agent"): "Due soon",
        ("Admin security", "Ada Admin"): "Overdue",  # 6 months after 1 March
        ("PCI awareness", "Ben Agent"): "Never completed",
    }
    warn = Qt.ItemDataRole.ForegroundRole
    rows = pane.status.rows()
    at = {(r.programme, r.agent): n for n, r in enumerate(rows)}
    status_col = 3

    def colour(key: tuple[str, str]) -> Any:
        return pane.status.data(pane.status.index(at[key], status_col), warn)

    assert colour(("Annual privacy training", "Ben Agent")) is None  # due soon: not yet late
    assert colour(("Admin security", "Ada Admin")) is not None
    assert colour(("PCI awareness", "Ben Agent")) is not None
    assert "1 overdue, 1 never completed, 1 due within 30 days" in pane.summary.text()
    assert pane.phishing.rowCount() == 2
    assert {r.email for r in pane.phishing.rows()} == {"a***@acme.example", "b***@acme.example"}
    shoot(pane, "training-status")
    # A quiz results file with an edited answer is refused in the banner, nothing stored.
    page = pane.ctx.workspace.exports_dir
    out = TrainingService(admin.ctx, officer).export_quiz(
        "privacy-basics", "ben.agent@acme.example", Path(page) / "quiz.html"
    )
    forged = tmp_path / "results.json"
    forged.write_text(
        json.dumps(
            {
                "format": "privdesk-quiz-results/1",
                "export_id": out.export_id,
                "quiz": "privacy-basics",
                "agent": "ben.agent@acme.example",
                "answers": {},
                "completed_at": "2026-11-27T11:00:00Z",
                "hmac": "00",
            }
        )
    )
    pane.import_quiz(forged)
    assert "field 'hmac': does not verify" in pane.banner.text()
    pane.tabs.setCurrentIndex(1)
    shoot(pane, "training-programmes")
    pane.tabs.setCurrentIndex(2)
    shoot(pane, "training-phishing")


def test_a_bad_file_shows_where_and_the_auditor_cannot_import(
    qtbot: QtBot, admin: SignedIn, officer: Any, tasks: SyncTaskRunner, tmp_path: Path
) -> None:
    TrainingService(admin.ctx, officer).add_programme("P", roles=("agent",))
    pane = make_pane(qtbot, admin, officer, tasks)
    bad = tmp_path / "export.csv"
    bad.write_text('ID,Name,Email address,Course complete\n1,A,nope,"14/03/26, 10:05"\n')
    pane.import_completions(bad, "P")
    assert "export.csv, line 2, field 'email'" in pane.banner.text()
    auditor, _ = admin.add_operator("aud", ["auditor"])
    view = make_pane(qtbot, admin, auditor, tasks)
    assert view.load_state == "loaded" and view.status.rowCount() == 1
    for b in view.import_buttons:
        assert not b.isEnabled() and "role" in b.toolTip()


def test_the_officer_exports_a_quiz_page_for_the_selected_agent(
    qtbot: QtBot,
    admin: SignedIn,
    officer: Any,
    tasks: SyncTaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from tests.helpdesk_helpers import audit_events

    TrainingService(admin.ctx, officer).add_programme("Annual privacy training", roles=("agent",))
    pane = make_pane(qtbot, admin, officer, tasks)
    assert not pane.export_quiz_button.isEnabled()
    assert "Select the agent" in pane.export_quiz_button.toolTip()
    pane.status_table.selectRow(0)
    row = pane.selected_status()
    assert row is not None and pane.export_quiz_button.isEnabled()
    out = tmp_path / "quiz.html"
    asked: list[list[str]] = []

    def pick(_parent: Any, _title: str, _label: str, items: list[str], *_a: Any) -> Any:
        asked.append(items)
        return items[0], True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(pick))
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(out), ""))
    )
    qtbot.mouseClick(pane.export_quiz_button, Qt.MouseButton.LeftButton)
    assert asked and "questions, pass" in asked[0][0]
    assert f"Quiz page for {row.agent} written to {out}" in pane.banner.text(), pane.banner.text()
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    (event,) = audit_events(admin.ctx, "training.quiz.export")
    assert row.agent not in event["raw"]  # ids only in the audit log
