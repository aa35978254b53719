"""Import help-desk data: choose the files, check them (a dry run), import, see the result.

Both the check and the import are ``HelpdeskService`` calls run as jobs: the check is the
service's ``preview=True`` import (validated in one transaction, then rolled back), so its
counts are exactly what the import would write. Cancel stops the job at its next progress
report and the service rolls the transaction back.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from app.jobs import JobControl
from views.common.errors import error_text, is_permission_denied, is_session_problem
from views.common.table_model import RowTableModel
from views.common.widgets import MARGIN, Banner, hbox, heading, table_view, vbox, wrapped
from views.imports.request import ImportRequest
from views.imports.summary import (
    CountRow,
    count_columns,
    count_rows,
    done_headline,
    preview_headline,
    problems_of,
)

if TYPE_CHECKING:
    from app.context import AppContext
    from app.helpdesk import HelpdeskService
    from app.importers.result import ImportResult
    from app.jobs import TaskHandle
    from app.monitoring.after_import import AfterImport

CSV_KINDS = (
    ("agents", "Agents (a help desk's staff list)"),
    ("people", "People (end users and staff)"),
    ("roster", "HR roster (employees)"),
)
PROGRESS_STEPS = 1000  # the bar counts per mille: byte totals can pass a C int
PATH_SEPARATOR = "; "
CANCEL_NOTE = "Cancel stops the import and rolls it back: nothing is written."
DENIED = (
    "You don't have permission to import help-desk data. "
    "Ask a privacy officer or an administrator to import it."
)


class Step(enum.IntEnum):
    SOURCE = 0
    RUNNING = 1
    PREVIEW = 2
    DONE = 3


class ImportDialog(QDialog):
    imported = Signal(object)  # the ImportResult, after a completed (non-preview) import
    sessionProblem = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Import help-desk data")
        self.setMinimumSize(640, 460)
        self.request: ImportRequest | None = None
        self.preview_result: ImportResult | None = None
        self._task: TaskHandle | None = None
        self._previewing = False
        self._close_when_stopped = False

        self.pages = QStackedWidget()
        for build in (self._source_page, self._running_page, self._preview_page, self._done_page):
            self.pages.addWidget(build())
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(lambda: self._go(Step.SOURCE))
        self.next_button = QPushButton("Check files")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.setLayout(
            vbox(
                self.pages,
                hbox(None, self.back_button, self.next_button, self.close_button),
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        self._go(Step.SOURCE)

    # ------------------------------------------------------------ pages

    def _source_page(self) -> QWidget:
        self.zendesk_radio = QRadioButton("Zendesk export — a folder or files (JSON or NDJSON)")
        self.csv_radio = QRadioButton("CSV file — another help desk's users, or the HR roster")
        self.zendesk_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.zendesk_radio)
        group.addButton(self.csv_radio)

        self.zendesk_path = QLineEdit()
        self.zendesk_path.setPlaceholderText("Export folder, or files separated by “; ”")
        folder = QPushButton("Folder…")
        folder.clicked.connect(self._choose_folder)
        files = QPushButton("Files…")
        files.clicked.connect(self._choose_files)
        about = wrapped(
            "Users, custom roles, groups and memberships become a new dated snapshot "
            "(merged into the latest one unless the box below is ticked); "
            "tickets and comments are added or updated. Unrecognised files in a "
            "folder are listed and skipped."
        )
        about.setAlignment(Qt.AlignmentFlag.AlignTop)  # not centred in the CSV form's height
        zendesk = QWidget()
        zendesk.setLayout(vbox(hbox(self.zendesk_path, folder, files), about, None))

        self.csv_path = QLineEdit()
        self.csv_path.setPlaceholderText("CSV file")
        csv_file = QPushButton("File…")
        csv_file.clicked.connect(self._choose_csv)
        self.csv_kind = QComboBox()
        for kind, title in CSV_KINDS:
            self.csv_kind.addItem(title, kind)
        self.mapping_path = QLineEdit()
        self.mapping_path.setPlaceholderText("optional — the default mapping fits common headers")
        mapping = QPushButton("Mapping…")
        mapping.clicked.connect(self._choose_mapping)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(MARGIN)
        form.addRow("File", hbox(self.csv_path, csv_file))
        form.addRow("Contains", self.csv_kind)
        form.addRow("Column mapping", hbox(self.mapping_path, mapping))
        csv = QWidget()
        csv.setLayout(form)

        self.source_fields = QStackedWidget()
        self.source_fields.addWidget(zendesk)
        self.source_fields.addWidget(csv)
        self.csv_radio.toggled.connect(
            lambda on: self.source_fields.setCurrentIndex(1 if on else 0)
        )
        self.complete_box = QCheckBox(
            "These files hold the whole directory: remove whoever they do not list"
        )
        self.complete_box.setToolTip(
            "Unticked, the records are merged into a copy of the latest snapshot and nobody "
            "is removed (one page of users or a short CSV is safe). A Zendesk full account "
            "export (NDJSON) is recognised as complete; an HR roster always is."
        )
        self.source_banner = Banner()
        page = QWidget()
        page.setLayout(
            vbox(
                heading("Import help-desk data"),
                wrapped(
                    "First the files are checked without writing anything; you see what "
                    "would be imported before you import it."
                ),
                self.source_banner,
                self.zendesk_radio,
                self.csv_radio,
                self.source_fields,
                self.complete_box,
                None,
            )
        )
        return page

    def _running_page(self) -> QWidget:
        self.running_title = heading("Checking the files…", size_delta=2)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress_message = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_running)
        page = QWidget()
        page.setLayout(
            vbox(
                None,
                self.running_title,
                self.progress,
                self.progress_message,
                wrapped(CANCEL_NOTE),
                hbox(None, self.cancel_button),
                None,
            )
        )
        return page

    def _preview_page(self) -> QWidget:
        self.preview_title = heading("Check", size_delta=2)
        self.preview_banner = Banner()
        self.preview_text = wrapped()
        self.preview_model: RowTableModel[CountRow] = RowTableModel(count_columns(), self)
        self.preview_table = self._counts_table(self.preview_model)
        self.problems = QListWidget()
        self.problems.setAccessibleName("Problems found")
        self.preview_files = wrapped(selectable=True)
        page = QWidget()
        page.setLayout(
            vbox(
                self.preview_title,
                self.preview_banner,
                self.preview_text,
                self.preview_table,
                self.problems,
                self.preview_files,
                None,
            )
        )
        return page

    def _done_page(self) -> QWidget:
        self.done_text = wrapped(selectable=True)
        self.done_model: RowTableModel[CountRow] = RowTableModel(count_columns(), self)
        self.done_table = self._counts_table(self.done_model)
        self.done_files = wrapped(selectable=True)
        page = QWidget()
        page.setLayout(
            vbox(
                heading("Import finished", size_delta=2),
                self.done_text,
                self.done_table,
                self.done_files,
                None,
            )
        )
        return page

    @staticmethod
    def _counts_table(model: RowTableModel[CountRow]) -> QTableView:
        table = table_view(model)
        table.setSortingEnabled(False)  # the service's order: directory first, then tickets
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return table

    @staticmethod
    def _fit_rows(table: QTableView) -> None:
        """As tall as its rows (a dozen kinds at most), so the text below stays close."""
        rows = table.model().rowCount()
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += rows * table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(min(height, 360))

    # ------------------------------------------------------------ navigation

    @property
    def step(self) -> Step:
        return Step(self.pages.currentIndex())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done

    def _go(self, step: Step) -> None:
        self.pages.setCurrentIndex(step)
        self.back_button.setVisible(step == Step.PREVIEW)
        self.next_button.setVisible(step in (Step.SOURCE, Step.PREVIEW, Step.DONE))
        self.close_button.setVisible(step not in (Step.RUNNING, Step.DONE))
        self.next_button.setEnabled(True)
        label = {Step.SOURCE: "Check files", Step.PREVIEW: "Import", Step.DONE: "Done"}
        self.next_button.setText(label.get(step, ""))
        self.next_button.setToolTip("")
        if step == Step.PREVIEW:
            self.next_button.setEnabled(self.preview_result is not None)
            if self.preview_result is None:
                self.next_button.setToolTip(
                    "Nothing to import yet: correct the problems above and check the files again."
                )

    def _next(self) -> None:
        if self.step == Step.SOURCE:
            self.check()
        elif self.step == Step.PREVIEW:
            self.start_import()
        elif self.step == Step.DONE:
            self.accept()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Zendesk export folder")
        if folder:
            self.zendesk_path.setText(folder)

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "Zendesk export files", "", "Zendesk exports (*.json *.ndjson *.jsonl)"
        )
        if names:
            self.zendesk_path.setText(PATH_SEPARATOR.join(names))

    def _choose_csv(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "CSV file", "", "CSV files (*.csv)")
        if name:
            self.csv_path.setText(name)

    def _choose_mapping(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Column mapping", "", "Mappings (*.toml)")
        if name:
            self.mapping_path.setText(name)

    def chosen(self) -> ImportRequest | None:
        """The request from the form, or None (and a hint) when a path is missing."""
        if self.zendesk_radio.isChecked():
            parts = [p.strip() for p in self.zendesk_path.text().split(";")]
            paths = tuple(Path(p) for p in parts if p)
            if not paths:
                self.source_banner.show_error("Choose a Zendesk export folder or its files.")
                return None
            return ImportRequest("zendesk", paths, complete=self.complete_box.isChecked())
        csv = self.csv_path.text().strip()
        if not csv:
            self.source_banner.show_error("Choose the CSV file to import.")
            return None
        mapping = self.mapping_path.text().strip()
        return ImportRequest(
            "csv",
            (Path(csv),),
            self.csv_kind.currentData(),
            Path(mapping) if mapping else None,
            complete=self.complete_box.isChecked(),
        )

    # ------------------------------------------------------------ jobs

    def _service(self) -> HelpdeskService:
        from app.helpdesk import HelpdeskService

        return HelpdeskService(self.ctx, self.ctx.operator())

    def check(self) -> None:
        """The dry run: validate and count in the background, write nothing."""
        self.source_banner.clear()
        request = self.chosen()
        if request is not None:
            self.request, self.preview_result = request, None
            self._run(request, preview=True)

    def start_import(self) -> None:
        if self.request is not None:
            self._run(self.request, preview=False)

    def _run(self, request: ImportRequest, *, preview: bool) -> None:
        service = self._service()

        ctx = self.ctx

        def job(control: JobControl) -> tuple[ImportResult, AfterImport | None]:
            from app.monitoring.after_import import evaluate_after_import

            result: ImportResult = request.run(service, control, preview=preview)
            if preview:
                return result, None
            return result, evaluate_after_import(ctx, service.principal, result.counts)

        self._previewing = preview
        self.running_title.setText("Checking the files…" if preview else "Importing…")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self.progress_message.setText("Starting…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self._go(Step.RUNNING)  # only Cancel (or Esc, which cancels) is offered
        self._task = self.ctx.tasks.submit(
            job,
            on_done=self._finished,
            on_error=self._failed,
            on_progress=self._progressed,
            on_cancelled=self._cancelled,
        )

    def cancel_running(self) -> None:
        if self.running and self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self.progress_message.setText("Stopping and rolling back…")

    def _progressed(self, done: int, total: int | None, message: str) -> None:
        if total:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(min(PROGRESS_STEPS, done * PROGRESS_STEPS // total))
        else:
            self.progress.setRange(0, 0)
        self.progress_message.setText(message)

    def _stopped(self) -> bool:
        """Common end of every outcome; True if the dialog closed instead."""
        if self._close_when_stopped:
            super().reject()
            return True
        return False

    def _finished(self, outcome: tuple[ImportResult, AfterImport | None]) -> None:
        result, after = outcome
        if not self._previewing:
            self.imported.emit(result)  # even if the dialog is closing: the data changed
        if self._stopped():
            return
        rows = count_rows(result)
        skipped = f"Not imported: {'; '.join(result.skipped)}." if result.skipped else ""
        files = f"Files: {', '.join(result.files)}." if result.files else ""
        if self._previewing:
            self.preview_result = result
            self.preview_title.setText("Ready to import")
            self.preview_banner.clear()
            self.preview_text.setText(preview_headline(result))
            self.preview_model.set_rows(rows)
            self._fit_rows(self.preview_table)
            self.preview_table.show()
            self.problems.hide()
            self.preview_files.setText(" ".join(x for x in (files, skipped) if x))
            self._go(Step.PREVIEW)
        else:
            headline = done_headline(result)
            self.done_text.setText(f"{headline}\n{after.summary()}" if after else headline)
            self.done_model.set_rows(rows)
            self._fit_rows(self.done_table)
            self.done_files.setText(" ".join(x for x in (files, skipped) if x))
            self._go(Step.DONE)

    def _failed(self, exc: BaseException) -> None:
        if self._stopped():
            return
        if is_session_problem(exc):
            self.sessionProblem.emit(exc)
            self.reject()
            return
        problems = problems_of(exc)
        if problems is None:
            doing = "checking the files" if self._previewing else "importing"
            denied = is_permission_denied(exc)
            self.source_banner.show_error(DENIED if denied else error_text(exc, doing=doing))
            self._go(Step.SOURCE)
            return
        self.preview_result = None
        self.preview_title.setText("Problems found")
        self.preview_banner.show_error(
            f"{problems[0]}\nNothing was written. Correct the file and check it again."
            if len(problems) == 1
            else f"{len(problems)} problems found; nothing was written. "
            "Correct the files and check them again."
        )
        self.preview_text.clear()
        self.preview_table.hide()
        self.problems.clear()
        self.problems.addItems(problems)
        self.problems.setVisible(len(problems) > 1)
        self.preview_files.clear()
        self._go(Step.PREVIEW)

    def _cancelled(self) -> None:
        if self._stopped():
            return
        if self._previewing:
            self.source_banner.show_message("Check cancelled. Nothing was written.", "info")
            self._go(Step.SOURCE)
        else:
            self.preview_banner.show_message(
                "Import cancelled and rolled back: nothing was written.", "info"
            )
            self._go(Step.PREVIEW)

    # ------------------------------------------------------------ closing

    def reject(self) -> None:
        if self.running:
            self._close_when_stopped = True
            self.cancel_running()
            return
        super().reject()
