"""Audit log pane: filtered rows, chain verification, CSV export.

Actions are shown as phrases (app.audit.phrases) and details as "key: value" fields; the
count line and a verification come from the same read, so they agree.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QSortFilterProxyModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.audit.phrases import details_text, phrase
from app.jobs import JobControl
from app.security.permissions import Permission
from views.common.files import save_path
from views.common.pane import Pane
from views.common.table_model import SORT_ROLE, Column, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox

if TYPE_CHECKING:
    from app.audit.log import AuditRow
    from app.audit.service import AuditFilter, AuditPage, AuditService
    from app.audit.verify import VerifyResult
    from app.context import AppContext

ANY = "(any)"
OBJECT_COLUMN, DETAILS_COLUMN = 4, 6


def _details(row: AuditRow) -> str:
    return details_text(row.details)


def count_text(page: AuditPage, filtered: bool) -> str:
    """ "107 events in the log", or "12 of 107 events shown" under a filter."""
    total = f"{page.total} event{'' if page.total == 1 else 's'}"
    if not filtered and len(page.rows) == page.total:
        return f"{total} in the log"
    return f"{len(page.rows)} of {total} shown"


def audit_columns() -> list[Column[AuditRow]]:
    return [
        Column("Seq", lambda r: str(r.seq), lambda r: r.seq, align_right=True),
        Column("Time (UTC)", lambda r: r.ts_utc[:19].replace("T", " "), lambda r: r.ts_utc),
        Column("Operator", lambda r: r.actor or "—"),
        Column("Action", lambda r: phrase(r.action), tooltip=lambda r: r.action),
        Column(
            "Object",
            lambda r: " ".join(x for x in (r.object_type, r.object_id) if x),
            tooltip=lambda r: " ".join(x for x in (r.object_type, r.object_id) if x),
        ),
        Column("Outcome", lambda r: r.outcome, alert=lambda r: r.outcome != "ok"),
        Column(
            "Details",
            _details,
            tooltip=_details,
        ),
    ]


def verify_text(result: VerifyResult) -> str:
    where = f" — first problem at event {result.seq}" if result.seq is not None else ""
    return f"{result.status.name}{where}: {result.message}"


def _date_filter(label: str) -> tuple[QCheckBox, QDateEdit]:
    box = QCheckBox(label)
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    box.toggled.connect(edit.setEnabled)
    return box, edit


class AuditPane(Pane):
    NAME = "audit"
    TITLE = "Audit log"
    ICON = "document-properties"
    ORDER = 70
    PERMISSION = Permission.AUDIT_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model: RowTableModel[AuditRow] = RowTableModel(audit_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=0, descending=True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(OBJECT_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(OBJECT_COLUMN, 200)
        header.setSectionResizeMode(DETAILS_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.actor = QComboBox()
        self.action = QComboBox()
        self.action.setEditable(True)  # a prefix such as "auth." matches a whole family
        for combo in (self.actor, self.action):
            combo.addItem(ANY)
            combo.setMinimumContentsLength(10)
        self.object_type = QLineEdit()
        self.object_type.setPlaceholderText("object type")
        self.object_type.setFixedWidth(120)
        self.since_box, self.since = _date_filter("From")
        self.until_box, self.until = _date_filter("to")
        # Off by default: the log opens complete; an auditor hides reads to see changes.
        self.hide_routine = QCheckBox("Hide routine views")
        self.hide_routine.setToolTip("Leave out events that only record someone viewing data")
        self.hide_routine.toggled.connect(self.refresh)
        apply = QPushButton("Apply")
        apply.clicked.connect(self.refresh)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.clicked.connect(self.verify)
        self.enable_for(self.verify_button, Permission.AUDIT_VERIFY)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self.export_csv)
        self.enable_for(self.export_button, Permission.AUDIT_EXPORT)
        self.count = QLabel()
        self.page: AuditPage | None = None  # the last read: rows and the log's size together
        filters = hbox(
            QLabel("Operator"),
            self.actor,
            QLabel("Action"),
            self.action,
            self.object_type,
            self.since_box,
            self.since,
            self.until_box,
            self.until,
            apply,
            None,
        )
        self.body = LoadView(self.table, "No events match the filter.")
        self.setLayout(
            vbox(
                hbox(heading("Audit log"), self.banner, self.verify_button, self.export_button),
                filters,
                self.body,
                hbox(self.count, None, self.hide_routine),
                margin=MARGIN,
                spacing=MARGIN,
            )
        )

    def _service(self) -> AuditService:
        from app.audit.service import AuditService

        return AuditService(self.ctx, self.principal())

    def current_filter(self) -> AuditFilter:
        from app.audit.service import AuditFilter

        def chosen(combo: QComboBox) -> str | None:
            text = combo.currentText().strip()
            return None if text in ("", ANY) else text

        def day(box: QCheckBox, edit: QDateEdit) -> date | None:
            if not box.isChecked():
                return None
            picked = edit.date()  # QDate.toPython() is typed `object`; build the date instead
            return date(picked.year(), picked.month(), picked.day())

        return AuditFilter(
            actor=chosen(self.actor),
            action=chosen(self.action),
            object_type=self.object_type.text().strip() or None,
            since=day(self.since_box, self.since),
            until=day(self.until_box, self.until),
            hide_routine=self.hide_routine.isChecked(),
        )

    def refresh(self) -> None:
        service, flt = self._service(), self.current_filter()

        def job(control: JobControl) -> tuple[AuditPage, tuple[list[str], list[str]]]:
            return service.page(flt), service.actors_and_actions()

        self.banner.clear()
        self.count.setText("")
        self.load(job, self._loaded, "reading the log", is_empty=lambda result: not result[0].rows)

    def _loaded(self, result: tuple[AuditPage, tuple[list[str], list[str]]]) -> None:
        page, (actors, actions) = result
        self.page = page
        self.model.set_rows(page.rows)
        flt = self.current_filter()
        filtered = any((flt.actor, flt.action, flt.object_type, flt.since, flt.until))
        self.count.setText(count_text(page, filtered or flt.hide_routine))
        for combo, values in ((self.actor, actors), (self.action, actions)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ANY, *values])
            combo.setCurrentText(current)
            combo.blockSignals(False)

    def verify(self) -> None:
        service = self._service()
        self.banner.clear()
        self.run(lambda control: service.verify(), self._verified, "verifying the audit chain")

    def _verified(self, result: VerifyResult) -> None:
        # In the reserved message area: the result never pushes the filters or the table.
        self.banner.show_message(verify_text(result), "ok" if result.ok else "error")

    def export_csv(self) -> None:
        path = save_path(
            self, self.ctx, "Export audit log", "privdesk-audit.csv", "CSV files (*.csv)"
        )
        if path:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        service, flt = self._service(), self.current_filter()

        def job(control: JobControl) -> Path:
            text = service.export("csv", flt.since, flt.until)
            path.write_text(text, encoding="utf-8", newline="")
            return path

        self.run(
            job,
            lambda p: self.banner.show_message(f"Audit log exported to {p}.", "ok"),
            "exporting the log",
        )
