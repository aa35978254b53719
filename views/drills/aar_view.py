"""After-action report of a run: observations, the improvement plan, preview, HTML/PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QWidget,
)

from app.drills.records import IMPROVEMENT_STATUSES, POETE
from app.security.permissions import Permission
from views.common.files import save_path
from views.common.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel
from views.common.widgets import hbox, table_view, vbox
from views.drills.tab import DrillsTab

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.aar import AarReport, AarService, ImprovementItem
    from app.drills.records import RunDetail


def improvement_columns() -> list[Column[ImprovementItem]]:
    return [
        Column("#", lambda i: str(i.id), lambda i: i.id, align_right=True),
        Column("Corrective action", lambda i: i.item, tooltip=lambda i: i.item),
        Column("Element", lambda i: i.element),
        Column("Owner", lambda i: i.owner or "—"),
        Column("Due", lambda i: i.due or "—", lambda i: i.due or "9999"),
        Column("Status", lambda i: i.status.replace("_", " "), alert=lambda i: i.status == "open"),
        Column("From run", lambda i: f"#{i.run_id}", lambda i: i.run_id),
        Column("Closed in", lambda i: f"#{i.closed_run_id}" if i.closed_run_id else ""),
    ]


class AarView(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: RunDetail | None = None
        self.report: AarReport | None = None
        self.went_well = QPlainTextEdit()
        self.went_well.setAccessibleName("What went well")
        self.went_well.setPlaceholderText("Strengths: what went well")
        self.improve = QPlainTextEdit()
        self.improve.setAccessibleName("Needs improvement")
        self.improve.setPlaceholderText("Areas for improvement")
        self.save_button = QPushButton("Save observations")
        self.save_button.clicked.connect(self.save_observations)
        self.item = QLineEdit()
        self.item.setPlaceholderText("Corrective action")
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("Owner")
        self.due = QLineEdit()
        self.due.setPlaceholderText("Due YYYY-MM-DD")
        self.due.setMaximumWidth(130)
        self.element = QComboBox()
        self.element.addItems(POETE)
        self.add_button = QPushButton("Add item")
        self.add_button.clicked.connect(self.add_item)
        self.model: RowTableModel[ImprovementItem] = RowTableModel(improvement_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=0)
        self.table.setAccessibleName("Improvement plan")
        self.status = QComboBox()
        self.status.addItems(IMPROVEMENT_STATUSES)
        self.status_button = QPushButton("Set status (closes in this run)")
        self.status_button.clicked.connect(self.set_status)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Report preview")
        self.html_button = QPushButton("Export HTML…")
        self.pdf_button = QPushButton("Export PDF…")
        self.html_button.clicked.connect(lambda: self._export_dialog("html"))
        self.pdf_button.clicked.connect(lambda: self._export_dialog("pdf"))
        left = QWidget()
        left.setLayout(
            vbox(
                QLabel("<b>Hot wash</b>"),
                self.went_well,
                self.improve,
                hbox(None, self.save_button),
                QLabel("<b>Improvement plan</b> (tracked across runs of this playbook)"),
                hbox(self.item, self.element, self.owner, self.due, self.add_button),
                self.table,
                hbox(self.status, self.status_button, None),
            )
        )
        right = QWidget()
        right.setLayout(vbox(self.preview, hbox(None, self.html_button, self.pdf_button)))
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        self.setLayout(vbox(split))
        self._writers = [
            self.save_button,
            self.add_button,
            self.status_button,
            self.went_well,
            self.improve,
        ]

    def _service(self) -> AarService:
        from app.drills.aar import AarService

        return AarService(self.ctx, self.principal())

    def set_run(self, d: RunDetail) -> None:
        self.detail = d
        self.enable_for(self._writers, Permission.DRILLS_RUN)
        self.refresh()

    def refresh(self) -> None:
        if self.detail is None:
            return
        service, run_id = self._service(), self.detail.run.id
        self.run(lambda c: service.report(run_id), self._loaded, "building the report")

    def _loaded(self, report: AarReport) -> None:
        from app.drills.aar import aar_html

        self.report = report
        if not self.went_well.hasFocus():
            self.went_well.setPlainText(report.went_well)
        if not self.improve.hasFocus():
            self.improve.setPlainText(report.needs_improvement)
        self.model.set_rows(report.improvements)
        self.table.resizeColumnsToContents()
        self.preview.setHtml(aar_html(report))

    def save_observations(self) -> None:
        if self.detail is None:
            return
        service, run_id = self._service(), self.detail.run.id
        well, improve = self.went_well.toPlainText(), self.improve.toPlainText()
        self.run(
            lambda c: service.save_observations(run_id, well, improve),
            lambda _: self.refresh(),
            "saving the observations",
        )

    def add_item(self) -> None:
        if self.detail is None:
            return
        try:
            due = date.fromisoformat(self.due.text().strip()) if self.due.text().strip() else None
        except ValueError:
            self.say("Due date: YYYY-MM-DD, e.g. 2027-01-31.")
            return
        service, run_id = self._service(), self.detail.run.id
        item, owner, element = self.item.text(), self.owner.text(), self.element.currentText()

        def done(_: int) -> None:
            for edit in (self.item, self.owner, self.due):
                edit.clear()
            self.refresh()

        self.run(
            lambda c: service.add_improvement(run_id, item, owner, due, element),
            done,
            "adding the improvement item",
        )

    def set_status(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() or self.detail is None:
            return
        item: ImprovementItem = self.proxy.index(index.row(), 0).data(ROW_ROLE)
        service, status, run_id = self._service(), self.status.currentText(), self.detail.run.id
        self.run(
            lambda c: service.set_improvement_status(item.id, status, run_id),
            lambda _: self.refresh(),
            "updating the improvement item",
        )

    def export_to(self, path: Path) -> None:
        """HTML or PDF by the file's suffix; the export is audited."""
        if self.detail is None:
            return
        service, run_id = self._service(), self.detail.run.id
        fmt = "pdf" if path.suffix.lower() == ".pdf" else "html"

        def job(control: object) -> Path:
            # QTextDocument/QPdfWriter are reentrant: rendering stays off the GUI thread.
            from app.drills.aar import aar_html
            from views.reports.pdf import render_pdf

            report = service.report(run_id)
            service.record_export(run_id, fmt)
            html = aar_html(report)
            if fmt == "pdf":
                return render_pdf(html, path, title=f"After-action report — {report.run.label}")
            path.write_text(html, encoding="utf-8")
            return path

        def done(written: Path) -> None:
            self.say(f"After-action report written to {written}.", "ok")

        self.run(job, done, "exporting the report")

    def _export_dialog(self, fmt: str) -> None:
        if self.detail is None:
            return
        tag = "exercise" if self.detail.run.is_drill else "incident"
        name = save_path(
            self,
            self.ctx,
            "Export after-action report",
            f"aar-{tag}-{self.detail.run.id}.{fmt}",
            "PDF (*.pdf)" if fmt == "pdf" else "HTML (*.html)",
        )
        if name:
            self.export_to(Path(name))
