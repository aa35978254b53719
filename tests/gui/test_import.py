"""Import help-desk data from the menu: check (dry run), import, cancel, refusal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QThreadPool
from pytestqt.qtbot import QtBot

from app.helpdesk import HelpdeskService
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, make_window, shoot
from tests.helpdesk_helpers import (
    CSV,
    ZENDESK,
    audit_events,
    copy_shape,
    read_ndjson,
    table_counts,
    write_ndjson,
)
from views.directory.pane import DirectoryPane
from views.imports.dialog import DENIED, ImportDialog, Step
from views.main_window import MainWindow
from views.tasks import QtTaskRunner, SyncTaskRunner


def nothing_written(signed: SignedIn) -> bool:
    return all(v == 0 for v in table_counts(signed.ctx).values())


def open_dialog(window: MainWindow) -> ImportDialog:
    window.show()
    dialog = window.import_helpdesk()
    assert dialog.isVisible() and dialog.step == Step.SOURCE
    return dialog


def counts(dialog: ImportDialog, model: str = "preview_model") -> dict[str, tuple[int, ...]]:
    rows = getattr(dialog, model).rows()
    return {r.kind: (r.read, r.inserted, r.updated, r.unchanged) for r in rows}


def test_zendesk_export_is_checked_then_imported_and_the_directory_lists_people(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    directory = window.show_pane("directory")
    assert isinstance(directory, DirectoryPane)
    assert not directory.has_data  # the empty state, until the import below

    dialog = open_dialog(window)
    shoot(dialog, "import-1-source")
    dialog.zendesk_path.setText(str(ZENDESK / "ndjson"))
    dialog.next_button.click()  # "Check files": the dry run
    assert dialog.step == Step.PREVIEW
    assert dialog.next_button.text() == "Import" and dialog.next_button.isEnabled()
    assert counts(dialog)["users"] == (5, 5, 0, 0)
    assert counts(dialog)["ticket_comments"] == (4, 4, 0, 0)
    assert "Nothing has been written yet" in dialog.preview_text.text()
    assert "users.ndjson" in dialog.preview_files.text()
    assert nothing_written(admin)
    shoot(dialog, "import-2-preview")

    dialog.next_button.click()  # "Import"
    assert dialog.step == Step.DONE
    assert dialog.done_text.text().startswith("Imported: ")
    assert "New snapshot #" in dialog.done_text.text()
    assert counts(dialog, "done_model")["users"] == (5, 5, 0, 0)
    shoot(dialog, "import-3-done")
    dialog.next_button.click()  # "Done"
    assert not dialog.isVisible()

    # The directory, already open, reloaded itself after the import.
    assert directory.has_data
    assert sorted(r.name for r in directory.model.rows()) == [
        "Ada Admin",
        "Ben Agent",
        "Cléo Light",
        "Dana Customer",
        "Eve Shopper",
    ]
    assert directory.summary.text().startswith("5 people (3 agents and admins)")
    (event,) = audit_events(admin.ctx, "import.zendesk")
    assert event["details"]["counts"]["users"]["inserted"] == 5


def test_importing_the_same_export_again_says_nothing_changes(
    qtbot: QtBot, window: MainWindow, admin: SignedIn
) -> None:
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "api")
    dialog = open_dialog(window)
    dialog.zendesk_path.setText(str(ZENDESK / "ndjson"))  # the same data, the other shape
    dialog.next_button.click()
    assert "already imported" in dialog.preview_text.text()
    assert counts(dialog)["users"] == (5, 0, 0, 5)
    dialog.next_button.click()
    assert dialog.done_text.text().startswith("Nothing changed")
    assert "Snapshot #1 stays current" in dialog.done_text.text()


def test_a_broken_file_shows_the_located_problem_and_writes_nothing(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, tmp_path: Path
) -> None:
    folder = copy_shape(tmp_path, "ndjson")
    tickets = read_ndjson(folder / "tickets.ndjson")
    tickets[1]["requester_id"] = "abc"
    write_ndjson(folder / "tickets.ndjson", tickets)

    dialog = open_dialog(window)
    dialog.zendesk_path.setText(str(folder))
    dialog.next_button.click()
    assert dialog.step == Step.PREVIEW
    assert dialog.preview_title.text() == "Problems found"
    assert dialog.preview_banner.text().startswith(
        "tickets.ndjson line 2: requester_id 'abc' is not an integer"
    )
    assert "Nothing was written" in dialog.preview_banner.text()
    assert not dialog.next_button.isEnabled()  # no import of a file known to be bad
    assert "correct the problems" in dialog.next_button.toolTip()  # says why it is off
    assert nothing_written(admin)
    shoot(dialog, "import-problems")

    dialog.back_button.click()
    assert dialog.step == Step.SOURCE
    assert dialog.zendesk_path.text() == str(folder)  # kept, to check again after a fix


def test_several_files_picked_one_by_one(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_dialog(window)
    dialog.zendesk_path.setText(
        "; ".join(str(ZENDESK / "api" / name) for name in ("users.json", "custom_roles.json"))
    )
    dialog.next_button.click()
    assert set(counts(dialog)) == {"users", "custom_roles"}


def test_a_csv_roster_with_its_mapping(qtbot: QtBot, window: MainWindow, admin: SignedIn) -> None:
    dialog = open_dialog(window)
    dialog.csv_radio.setChecked(True)
    assert dialog.source_fields.currentIndex() == 1
    dialog.csv_path.setText(str(CSV / "hr-export.csv"))
    dialog.csv_kind.setCurrentIndex(dialog.csv_kind.findData("roster"))
    dialog.mapping_path.setText(str(CSV / "hr-mapping.toml"))
    shoot(dialog, "import-1-source-csv")
    dialog.next_button.click()
    assert counts(dialog) == {"roster": (2, 2, 0, 0)}
    dialog.next_button.click()
    assert dialog.step == Step.DONE
    status = HelpdeskService(admin.ctx, admin.principal).status()
    assert status.counts["roster"] == 2


def test_missing_input_is_pointed_out_before_any_job(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_dialog(window)
    submitted = window.tasks.submitted  # type: ignore[attr-defined]
    dialog.next_button.click()
    assert dialog.step == Step.SOURCE
    assert dialog.source_banner.text() == "Choose a Zendesk export folder or its files."
    assert window.tasks.submitted == submitted  # type: ignore[attr-defined]


def test_an_auditor_sees_the_directory_but_the_service_refuses_the_import(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    window = make_window(qtbot, admin, auditor, tasks)
    assert "Directory" in [window.nav.item(i).text() for i in range(window.nav.count())]
    assert not window.import_action.isEnabled()  # a courtesy; the refusal is the service's
    window.idle.stop()

    dialog = ImportDialog(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(dialog)
    dialog.zendesk_path.setText(str(ZENDESK / "api"))
    dialog.next_button.click()
    assert dialog.step == Step.SOURCE
    assert dialog.source_banner.text() == DENIED
    assert nothing_written(admin)
    denied = audit_events(admin.ctx, "access.denied")
    assert denied[-1]["details"]["attempted"] == "import.zendesk"


# ---------------------------------------------------------------- the real thread pool


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[QtTaskRunner]:
    pool = QThreadPool()
    runner = QtTaskRunner(pool)
    yield runner
    runner.cancel_all()
    assert runner.wait_for_done(10_000)
    pool.waitForDone(10_000)


def big_export(tmp_path: Path, tickets: int) -> Path:
    folder = copy_shape(tmp_path, "ndjson")
    template = read_ndjson(folder / "tickets.ndjson")[1]
    template.pop("comments")
    write_ndjson(
        folder / "tickets.ndjson",
        [dict(template, id=10_000 + n, subject=f"Ticket {n}") for n in range(tickets)],
    )
    return folder


def test_cancel_during_a_background_import_rolls_back(
    qtbot: QtBot, admin: SignedIn, runner: QtTaskRunner, tmp_path: Path
) -> None:
    folder = big_export(tmp_path, 6_000)  # about a second of work: time to press Cancel
    dialog = ImportDialog(gui_ctx(admin, admin.principal, runner))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.zendesk_path.setText(str(folder))
    dialog.next_button.click()
    assert dialog.step == Step.RUNNING  # the GUI thread is free while the check runs
    qtbot.waitUntil(lambda: dialog.step == Step.PREVIEW, timeout=30_000)
    assert counts(dialog)["tickets"][0] == 6_000

    dialog.next_button.click()  # Import
    assert dialog.step == Step.RUNNING and dialog.running
    qtbot.waitUntil(lambda: dialog.progress_message.text() != "Starting…", timeout=10_000)
    shoot(dialog, "import-running")
    dialog.cancel_button.click()
    assert dialog.cancel_button.text() == "Cancelling…"
    qtbot.waitUntil(lambda: not dialog.running, timeout=30_000)

    assert dialog.step == Step.PREVIEW  # back where Import can be pressed again
    assert dialog.preview_banner.text() == "Import cancelled and rolled back: nothing was written."
    assert nothing_written(admin)
    assert HelpdeskService(admin.ctx, admin.principal).status().last_snapshot is None
    (failed,) = audit_events(admin.ctx, "import.failed")
    assert failed["details"] == {"source": "zendesk", "reason": "cancelled"}
    assert json.dumps(failed["details"]).count("@") == 0


def test_closing_the_dialog_mid_import_cancels_it(
    qtbot: QtBot, admin: SignedIn, runner: QtTaskRunner, tmp_path: Path
) -> None:
    folder = big_export(tmp_path, 6_000)
    dialog = ImportDialog(gui_ctx(admin, admin.principal, runner))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.zendesk_path.setText(str(folder))
    dialog.request = dialog.chosen()  # straight to Import: the check is tested above
    dialog.start_import()
    qtbot.waitUntil(lambda: dialog.progress_message.text() != "Starting…", timeout=10_000)
    dialog.reject()  # Esc or the title bar's close button
    assert dialog.isVisible()  # stays until the rollback is done
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert nothing_written(admin)


def test_a_partial_file_merges_unless_complete_is_ticked(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, tmp_path: Path
) -> None:
    """Issue 16: one page of users merges into the directory; the checkbox replaces it."""
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(ZENDESK / "api")  # 5 people
    users = json.loads((ZENDESK / "api" / "users.json").read_text(encoding="utf-8"))["users"]
    page = tmp_path / "users.json"
    page.write_text(json.dumps({"users": [dict(users[0], name="Renamed")]}), encoding="utf-8")

    dialog = open_dialog(window)
    dialog.zendesk_path.setText(str(page))
    assert not dialog.complete_box.isChecked()
    dialog.next_button.click()
    assert "merged into a copy of snapshot #1; nobody is removed" in dialog.preview_text.text()
    assert dialog.preview_text.text().startswith("Checked 1 record in 1 file:")
    shoot(dialog, "import-merge-preview")
    dialog.next_button.click()
    assert "Merged into snapshot #2 (5 people), a copy of #1" in dialog.done_text.text()
    dialog.next_button.click()  # Done

    dialog = open_dialog(window)
    dialog.zendesk_path.setText(str(page))
    qtbot.mouseClick(dialog.complete_box, Qt.MouseButton.LeftButton)
    assert dialog.complete_box.isChecked()
    dialog.next_button.click()
    assert "whoever they lack is removed" in dialog.preview_text.text()
    dialog.next_button.click()
    assert "New snapshot #3 (1 person)." in dialog.done_text.text()
    removed = {r.kind: r.removed for r in dialog.done_model.rows()}
    assert removed["users"] == 4
    dialog.next_button.click()


def test_imported_logs_wait_for_the_alert_rules_when_the_admin_imports_them(
    qtbot: QtBot, window: MainWindow, admin: SignedIn, tmp_path: Path
) -> None:
    """Issue 20: rules run after an import; the admin may import but not work alerts."""
    from tests.monitoring_helpers import LogWriter, history, planted_day

    w = LogWriter()
    history(w, days=8)
    planted_day(w)
    dialog = open_dialog(window)
    dialog.zendesk_path.setText(str(w.write(tmp_path / "logs")))
    dialog.next_button.click()  # check
    dialog.next_button.click()  # import
    assert dialog.step == Step.DONE
    text = dialog.done_text.text()
    assert "new log events wait for the alert rules" in text
    assert "privdesk alerts run" in text
    dialog.next_button.click()
