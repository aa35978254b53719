"""Impact preview on stored tickets, and applying the rules to history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSplitter, QWidget

from views.common.table_model import SORT_ROLE, RowTableModel
from views.common.widgets import hbox, heading, table_view, vbox
from views.redaction.chart import HitsChart
from views.redaction.columns import run_columns, sample_columns

if TYPE_CHECKING:
    from app.redaction.history import RunInfo
    from app.redaction.service import ImpactReport, Sample


class ImpactTab(QWidget):
    previewRequested = Signal()
    applyRequested = Signal()
    resumeRequested = Signal(int)
    planRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview_button = QPushButton("Preview impact")
        self.preview_button.clicked.connect(self.previewRequested)
        self.plan_button = QPushButton("Export Zendesk plan…")
        self.plan_button.setToolTip(
            "JSON Lines for Zendesk's comment-redaction endpoint. It contains the values "
            "(Zendesk needs them): export before applying, push it, then delete it."
        )
        self.plan_button.clicked.connect(self.planRequested)
        self.apply_button = QPushButton("Apply to history…")
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip("Preview first: you see what changes before anything does.")
        self.apply_button.clicked.connect(self.applyRequested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.resume_button = QPushButton("Resume run")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self._resume)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.summary = QLabel(
            "Preview counts what the enabled rules would rewrite in the stored tickets, "
            "with masked samples and an estimated time. Nothing is changed."
        )
        self.summary.setWordWrap(True)
        self.summary.setMinimumHeight(self.summary.fontMetrics().height() * 3)
        self.chart = HitsChart()
        self.chart.setMinimumHeight(220)
        self.samples: RowTableModel[Sample] = RowTableModel(sample_columns(), self)
        self.sample_proxy = QSortFilterProxyModel(self)
        self.sample_proxy.setSourceModel(self.samples)
        self.sample_proxy.setSortRole(SORT_ROLE)
        self.sample_table = table_view(self.sample_proxy)
        self.runs: RowTableModel[RunInfo] = RowTableModel(run_columns(), self)
        self.run_table = table_view(self.runs, sort_column=0, descending=True)
        self.run_table.selectionModel().currentRowChanged.connect(self._run_selected)
        top = QWidget()
        top.setLayout(
            vbox(self.chart, heading("Sample hits (masked)", size_delta=1), self.sample_table)
        )
        runs = QWidget()
        runs.setLayout(
            vbox(
                hbox(heading("History runs", size_delta=1), None, self.resume_button),
                self.run_table,
            )
        )
        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        split.addWidget(top)
        split.addWidget(runs)
        split.setSizes([520, 200])
        self.setLayout(
            layout := vbox(
                hbox(
                    self.preview_button,
                    self.plan_button,
                    None,
                    self.progress,
                    self.cancel_button,
                    self.apply_button,
                ),
                self.summary,
                split,
            )
        )
        layout.setStretch(2, 1)

    def show_report(self, report: ImpactReport, rule_types: dict[str, str]) -> None:
        self.samples.set_rows(report.samples)
        self.chart.show_counts(report.by_rule, rule_types, "Hits per rule in stored tickets")
        values = sum(report.by_rule.values())
        mb = report.bytes_scanned / 1e6
        self.summary.setText(
            f"{report.tickets_with_hits:,} of {report.tickets_scanned:,} tickets would change "
            f"({report.rows_with_hits:,} fields, {values:,} values). Scanned {mb:.1f} MB in "
            f"{report.scan_seconds:.2f} s; applying would take about "
            f"{max(report.estimated_apply_seconds, 1):.0f} s. Applying rewrites the stored text "
            "for good (search index included) and needs your authenticator code."
        )
        self.apply_button.setEnabled(report.tickets_with_hits > 0)

    def set_runs(self, runs: list[RunInfo]) -> None:
        self.runs.set_rows(runs)
        self.resume_button.setEnabled(False)

    def _run_selected(self, current, _previous) -> None:
        run = self.runs.row_at(current.row()) if current.isValid() else None
        self.resume_button.setEnabled(bool(run and run.resumable))

    def _resume(self) -> None:
        index = self.run_table.currentIndex()
        if index.isValid():
            self.resumeRequested.emit(self.runs.row_at(index.row()).id)

    def busy(self, on: bool, message: str = "") -> None:
        self.progress.setVisible(on)
        self.progress.setRange(0, 0)
        self.progress.setFormat(message)
        self.cancel_button.setEnabled(on)
        for b in (self.preview_button, self.plan_button):
            b.setEnabled(not on)
        if on:
            self.apply_button.setEnabled(False)

    def set_progress(self, done: int, total: int | None, message: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{message}: %v / %m")
