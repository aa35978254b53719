"""DSAR queue pane: the queue (sortable by due date, coloured by time left, filtered),
a request's detail with its timeline and located items, the actions, and the dashboard."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.dsar.deadlines import REGIMES
from app.dsar.vocabulary import CLOSED, EXPORT_TYPES, REQUEST_TYPES, STATUS_TITLES, STATUSES
from app.jobs import JobControl
from app.security.permissions import Permission
from views.dsar.charts import DashboardCharts
from views.dsar.dialogs import CertificateDialog, IntakeDialog, LetterDialog
from views.dsar.tables import (
    STATE_TITLES,
    QueueFilter,
    QueueModel,
    item_columns,
    queue_columns,
    timeline_columns,
)
from views.panes.base import Pane, register_pane
from views.panes.table_model import ROW_ROLE, SORT_ROLE, RowTableModel
from views.stepup import run_guarded
from views.widgets import MARGIN, Banner, hbox, heading, table_view, vbox, wrapped

if TYPE_CHECKING:
    from app.dsar.dashboard import Dashboard
    from app.dsar.erasure import ErasureRecord
    from app.dsar.locate import LocatedItem
    from app.dsar.records import RequestDetail, RequestSummary
    from app.dsar.requests import DsarService
    from app.security.auth import Principal

ANY = "(any)"
DUE_COLUMN = 6
# Buttons that need something other than `dsar.manage` (the service still decides).
BUTTON_PERMISSIONS = {
    "reveal": Permission.PII_REVEAL,
    "certificate": Permission.DSAR_VIEW,
}


def _combo(values: list[tuple[str, str | None]]) -> QComboBox:
    box = QComboBox()
    for text, data in values:
        box.addItem(text, data)
    return box


@register_pane
class DsarPane(Pane):
    NAME = "dsar"
    TITLE = "DSAR queue"
    ICON = "mail-message-new"
    ORDER = 30
    PERMISSION = Permission.DSAR_VIEW

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.detail: RequestDetail | None = None
        self.banner = Banner()
        # Queue
        self.model = QueueModel(queue_columns(), self)
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=DUE_COLUMN)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._open_selected())
        self.status = _combo(
            [("Open", "open"), (ANY, None)] + [(STATUS_TITLES[s], s) for s in STATUSES]
        )
        self.regime = _combo([(ANY, None)] + [(r, r) for r in REGIMES])
        self.kind = _combo([(ANY, None)] + [(t, t) for t in REQUEST_TYPES])
        for box in (self.status, self.regime, self.kind):
            box.currentIndexChanged.connect(self._filter)
        self.count = QLabel()
        # Detail
        self.summary = wrapped(selectable=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.timeline = RowTableModel(timeline_columns(), self)
        self.timeline_view = table_view(self.timeline)
        self.timeline_view.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch
        )
        self.items = RowTableModel(item_columns(), self)
        self.items_view = table_view(self.items, sort_column=1)
        items_header = self.items_view.horizontalHeader()
        items_header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        items_header.resizeSection(4, 320)
        items_header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.buttons: dict[str, QPushButton] = {}
        row1 = [
            self._button("verifying", "Start verification", self.start_verification),
            self._button("verify", "Identity verified…", self.ask_verify),
            self._button("pause", "Ask clarification", lambda: self.pause()),
            self._button("resume", "Clarification received", lambda: self.resume()),
            self._button("extend", "Extend…", self.ask_extend),
            self._button("close", "Close…", self.ask_close),
            self._button("reveal", "Reveal…", self.ask_reveal),
        ]
        row2 = [
            self._button("locate", "Locate data", self.locate),
            self._button("include", "Include", lambda: self.set_included(True)),
            self._button("exclude", "Exclude", lambda: self.set_included(False)),
            self._button("export", "Export package…", self.ask_export),
            self._button("erase", "Erase…", self.ask_erase),
            self._button("letter", "Letter…", self.open_letter),
            self._button("certificate", "Certificate…", self.show_certificate),
        ]
        self.buttons["reveal"].setToolTip(
            "Show the identifiers in full: needs a reason, and is audited"
        )
        self.buttons["export"].setToolTip("Export package: for access and portability requests")
        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(self.timeline_view, "Timeline")
        self.detail_tabs.addTab(self.items_view, "Located data")
        detail = QWidget()
        detail.setLayout(
            vbox(
                self.summary,
                hbox(*row1, None),
                hbox(*row2, None),
                self.detail_tabs,
                spacing=MARGIN // 2,
            )
        )
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        queue = QWidget()
        queue.setLayout(
            vbox(
                hbox(
                    QLabel("Status"),
                    self.status,
                    QLabel("Regime"),
                    self.regime,
                    QLabel("Type"),
                    self.kind,
                    None,
                    self.count,
                ),
                split,
                spacing=MARGIN // 2,
            )
        )
        self.charts = DashboardCharts()
        self.tabs = QTabWidget()
        self.tabs.addTab(queue, "Queue")
        self.tabs.addTab(self.charts, "Dashboard")
        self.new_button = QPushButton("New request…")
        self.new_button.clicked.connect(self.ask_new)
        self.new_button.setEnabled(self.can(Permission.DSAR_MANAGE))
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.setLayout(
            vbox(
                hbox(heading("DSAR queue"), None, self.new_button, refresh),
                self.banner,
                self.tabs,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        self._update_buttons()

    # ------------------------------------------------------------ plumbing

    def _button(self, key: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self.buttons[key] = button
        return button

    def _service(self, principal: Principal | None = None) -> DsarService:
        from app.dsar.requests import DsarService

        return DsarService(self.ctx, principal or self.principal())

    def _failed(self, doing: str) -> Callable[[BaseException], None]:
        return lambda exc: self.report(exc, self.banner, doing)

    def _ref(self) -> str:
        assert self.detail is not None
        return self.detail.reference

    # ------------------------------------------------------------ queue

    def refresh(self) -> None:
        service = self._service()

        def job(control: JobControl) -> tuple[list[RequestSummary], Dashboard]:
            return service.list(), service.dashboard()

        self.tasks.submit(job, on_done=self._loaded, on_error=self._failed("loading the queue"))

    def _loaded(self, result: tuple[list[RequestSummary], Dashboard]) -> None:
        rows, dashboard = result
        selected = self.detail.id if self.detail else None
        self.model.set_rows(rows)
        self.charts.show_dashboard(dashboard)
        self._filter()
        if selected is not None:
            self.select(selected)

    def _filter(self) -> None:
        self.proxy.set_filters(
            self.status.currentData(), self.regime.currentData(), self.kind.currentData()
        )
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        overdue = sum(1 for r in self.model.rows() if r.deadline.state == "overdue")
        self.count.setText(
            f"{shown} of {total} requests" + (f" · {overdue} overdue" if overdue else "")
            if total
            else "No requests yet: record one with New request…"
        )

    def select(self, request_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            r = self.proxy.index(row, 0).data(ROW_ROLE)
            if r.id == request_id:
                self.table.selectRow(row)
                self._open_selected()
                return

    def _open_selected(self) -> None:
        index = self.table.currentIndex()
        r = index.data(ROW_ROLE) if index.isValid() else None
        if r is None:
            return
        from app.dsar.locate import LocateService

        principal = self.principal()
        dsar, locate = self._service(principal), LocateService(self.ctx, principal)

        def job(control: JobControl) -> tuple[RequestDetail, list[LocatedItem]]:
            return dsar.get(r.id), locate.items(r.id)

        self.tasks.submit(job, on_done=self._show, on_error=self._failed("opening the request"))

    def _show(self, result: tuple[RequestDetail, list[LocatedItem]]) -> None:
        self.detail, items = result
        self.timeline.set_rows(list(self.detail.timeline))
        self.items.set_rows(items)
        self.summary.setText(detail_html(self.detail))
        self._update_buttons()

    def _update_buttons(self) -> None:
        d = self.detail
        manage = self.can(Permission.DSAR_MANAGE)
        open_ = d is not None and d.summary.status not in CLOSED
        allowed = set(d.allowed) if d else set()
        status = d.summary.status if d else ""
        state = {
            "verifying": "verifying" in allowed,
            "verify": status in ("new", "verifying"),
            "pause": "awaiting_clarification" in allowed and status != "awaiting_clarification",
            "resume": status == "awaiting_clarification",
            "extend": open_
            and d is not None
            and not d.summary.extended
            and d.summary.deadline.extended_due is not None
            and status not in ("new", "verifying"),
            "close": open_,
            "locate": open_ and status not in ("new",),
            "include": d is not None and self.items.rowCount() > 0,
            "exclude": d is not None and self.items.rowCount() > 0,
            "export": d is not None
            and d.summary.request_type in EXPORT_TYPES
            and self.items.rowCount() > 0,
            "erase": open_
            and d is not None
            and d.summary.request_type == "erasure"
            and status in ("in_progress", "extended")
            and self.items.rowCount() > 0,
            "letter": d is not None,
            "reveal": d is not None and d.masked,
            "certificate": d is not None and any(e.kind == "erase" for e in d.timeline),
        }
        for key, button in self.buttons.items():
            needed = BUTTON_PERMISSIONS.get(key)
            allowed_here = manage if needed is None else self.can(needed)
            button.setEnabled(allowed_here and bool(state[key]))

    # ------------------------------------------------------------ actions

    def _act(self, doing: str, call: Callable[[DsarService], RequestDetail]) -> None:
        service = self._service()
        self.banner.clear()
        self.tasks.submit(
            lambda control: call(service), on_done=self._acted, on_error=self._failed(doing)
        )

    def _acted(self, detail: RequestDetail) -> None:
        self.detail = detail
        self.refresh()

    def ask_new(self) -> None:
        dialog = IntakeDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.create_request(dialog.request()))
        dialog.open()

    def create_request(self, new: Any) -> None:
        self._act("recording the request", lambda s: s.create(new))

    def start_verification(self) -> None:
        ref = self._ref()
        self._act("starting verification", lambda s: s.start_verification(ref))

    def ask_verify(self) -> None:
        method, ok = QInputDialog.getText(
            self, "Identity verified", "How was identity verified? (no copies of ID documents)"
        )
        if ok:
            self.verify(method)

    def verify(self, method: str, evidence: str = "") -> None:
        ref = self._ref()
        self._act(
            "recording verification", lambda s: s.verify(ref, method=method, evidence_note=evidence)
        )

    def pause(self) -> None:
        ref = self._ref()
        self._act("pausing for clarification", lambda s: s.pause(ref))

    def resume(self) -> None:
        ref = self._ref()
        self._act("resuming", lambda s: s.resume(ref))

    def ask_extend(self) -> None:
        reasons, ok = QInputDialog.getMultiLineText(
            self, "Extend the deadline", "Reasons given to the requester in the notice:"
        )
        if ok:
            self.extend(reasons)

    def extend(self, reasons: str) -> None:
        ref = self._ref()
        self._act("extending", lambda s: s.extend(ref, reasons=reasons))

    def ask_close(self) -> None:
        outcome, ok = QInputDialog.getItem(
            self, "Close the request", "Outcome:", sorted(CLOSED), 0, False
        )
        if not ok:
            return
        reason, ok = QInputDialog.getText(
            self, "Close the request", "Reason or note (duplicate: the original's reference):"
        )
        if ok:
            duplicate = reason if outcome == "duplicate" else None
            self.close_request(outcome, reason, duplicate)

    def close_request(
        self, outcome: str, reason: str = "", duplicate_of: str | None = None
    ) -> None:
        ref = self._ref()
        self._act(
            "closing", lambda s: s.close(ref, outcome, reason=reason, duplicate_of=duplicate_of)
        )

    def locate(self) -> None:
        from app.dsar.locate import LocateService

        ref, service = self._ref(), LocateService(self.ctx, self.principal())
        self.tasks.submit(
            lambda control: service.locate(ref),
            on_done=self._located,
            on_error=self._failed("locating data"),
        )

    def _located(self, items: list[LocatedItem]) -> None:
        self.detail_tabs.setCurrentWidget(self.items_view)
        self.refresh()
        self.banner.show_message(f"Located {len(items)} items; review what to include.", "info")

    def set_included(self, included: bool) -> None:
        from app.dsar.locate import LocateService

        keys = [
            self.items.row_at(i.row()).key for i in self.items_view.selectionModel().selectedRows()
        ]
        ref, service = self._ref(), LocateService(self.ctx, self.principal())
        self.tasks.submit(
            lambda control: service.set_included(ref, keys, included),
            on_done=self._selection_saved,
            on_error=self._failed("saving the selection"),
        )

    def _selection_saved(self, items: list[LocatedItem]) -> None:
        self.items.set_rows(items)
        self._update_buttons()

    def _exported(self, r: Any) -> None:
        self.banner.show_message(
            f"Package written to {r.path} ({len(r.files)} files; {r.masked} pieces of other "
            "people's data masked).",
            "ok",
        )
        self.refresh()

    def _erased(self, r: Any) -> None:
        erased = r.certificate["erased"]
        self.banner.show_message(
            f"Erased {erased['people']} person record(s) and {erased['tickets']} ticket(s). "
            "The certificate and the help-desk deletion plan are saved on the request.",
            "ok",
        )
        self.refresh()

    def ask_export(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export package", f"{self._ref()}.zip", "ZIP files (*.zip)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        from app.dsar.export import ExportService
        from views.reports.pdf import render_pdf

        ref, ctx = self._ref(), self.ctx

        def pdf(page: str, title: str) -> bytes:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                return render_pdf(page, Path(tmp) / "summary.pdf", title=title).read_bytes()

        def action(principal: Principal) -> Callable[[JobControl], Any]:
            return lambda control: ExportService(ctx, principal).export(ref, path, pdf=pdf)

        run_guarded(
            self,
            self.ctx,
            self.principal,
            self.tasks,
            action,
            on_done=self._exported,
            on_error=self._failed("exporting the package"),
        )

    def ask_erase(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, service = self._ref(), ErasureService(self.ctx, self.principal())
        self.tasks.submit(
            lambda control: service.preview(ref),
            on_done=self._confirm_erase,
            on_error=self._failed("planning the erasure"),
        )

    def _confirm_erase(self, plan: Any) -> None:
        retained = "".join(
            f"<li>{r.object_type} {r.ref}: {html.escape(r.basis)} — {html.escape(r.reason)}</li>"
            for r in plan.retained
        )
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Erase personal data")
        box.setText(
            f"<b>This cannot be undone.</b><br>Erase {len(plan.people)} person record(s), "
            f"{len(plan.tickets)} ticket(s) they requested, the text of {len(plan.comments)} "
            f"comment(s) they wrote elsewhere and {len(plan.mentions)} mention(s)."
            + (f"<br><br>Retained:<ul>{retained}</ul>" if retained else "")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        erase = box.addButton("Erase", QMessageBox.ButtonRole.DestructiveRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        erase.clicked.connect(self.erase_now)
        box.open()
        self.erase_box = box

    def erase_now(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, ctx = self._ref(), self.ctx

        def action(principal: Principal) -> Callable[[JobControl], Any]:
            return lambda control: ErasureService(ctx, principal).erase(ref)

        run_guarded(
            self,
            self.ctx,
            self.principal,
            self.tasks,
            action,
            on_done=self._erased,
            on_error=self._failed("erasing"),
        )

    def ask_reveal(self) -> None:
        reason, ok = QInputDialog.getText(
            self,
            "Reveal personal data",
            "Why do you need to see the identifiers in full? (recorded in the audit log)",
        )
        if ok:
            self.reveal(reason)

    def reveal(self, reason: str) -> None:
        """Show the request's identifiers unmasked (`pii.reveal`, a reason; audited)."""
        if not reason.strip():
            self.banner.show_message("Give a reason to reveal personal data.")
            return
        ref, service = self._ref(), self._service()
        self.banner.clear()
        self.tasks.submit(
            lambda control: service.get(ref, reveal=True, reason=reason),
            on_done=self._revealed,
            on_error=self._failed("revealing personal data"),
        )

    def _revealed(self, detail: RequestDetail) -> None:
        self.detail = detail
        self.summary.setText(detail_html(detail))
        self._update_buttons()
        self.banner.show_message(
            "Identifiers shown in full until the request is reloaded; this was audited.", "info"
        )

    def show_certificate(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, service = self._ref(), ErasureService(self.ctx, self.principal())
        self.tasks.submit(
            lambda control: service.certificate(ref),
            on_done=self._show_certificate,
            on_error=self._failed("opening the erasure certificate"),
        )

    def _show_certificate(self, record: ErasureRecord) -> None:
        from app.dsar.erasure import certificate_text

        dialog = CertificateDialog(
            f"Erasure certificate — {record.reference}", certificate_text(record), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.certificate_dialog = dialog

    def open_letter(self) -> None:
        ref = self._ref()
        dialog: LetterDialog

        def draft(kind: str, reasons: str) -> None:
            service = self._service()
            self.tasks.submit(
                lambda control: service.draft_letter(ref, kind, reasons=reasons),
                on_done=dialog.text.setPlainText,
                on_error=lambda exc: dialog.banner.show_error(exc, doing="drafting"),
            )

        def saved(detail: RequestDetail) -> None:
            dialog.accept()
            self._acted(detail)

        def save(kind: str, body: str) -> None:
            service = self._service()
            self.tasks.submit(
                lambda control: service.save_letter(ref, kind, body),
                on_done=saved,
                on_error=lambda exc: dialog.banner.show_error(exc, doing="saving the letter"),
            )

        dialog = LetterDialog(draft, save, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.letter_dialog = dialog


def detail_html(d: RequestDetail) -> str:
    e = html.escape
    s, dl = d.summary, d.summary.deadline
    ids = ", ".join(e(x) for x in (*d.emails, *d.phones, *d.ids))
    due = f"<b>{dl.due}</b> ({STATE_TITLES[dl.state].lower()}"
    due += f", {dl.days_left:+d} days)" if dl.state != "closed" else ")"
    extra = []
    if dl.acknowledge_by:
        extra.append(f"acknowledge by {dl.acknowledge_by}")
    if dl.extended_due and not s.extended:
        extra.append(f"extendable to {dl.extended_due}")
    if dl.paused_days or dl.paused_now:
        extra.append(f"{dl.paused_days} paused days" + (" (paused now)" if dl.paused_now else ""))
    verified = (
        f"verified by {e(d.verifications[-1].verified_by)} ({e(d.verifications[-1].method)})"
        if d.verifications
        else "identity not verified yet"
    )
    return (
        f"<b>{e(s.reference)}</b> · {e(s.requester_name)} · {e(s.request_type)} under "
        f"{e(s.regime)} · <i>{e(STATUS_TITLES[s.status])}</i><br>"
        f"Identifiers: {ids or '—'}"
        + (" <i>(masked)</i>" if d.masked and ids else "")
        + f" · via {e(d.channel)}"
        + (f" · agent {e(d.agent)}" if d.agent else "")
        + f"<br>Received {s.received_date} · clock from {dl.clock_start} · legal due {due}"
        f" · 28-day target {dl.internal_target}"
        + (f" · {', '.join(extra)}" if extra else "")
        + f"<br>Calendar {e(d.calendar or 'weekends only')} · {verified}"
        + (f"<br>Outcome: {e(d.outcome_reason)}" if d.outcome_reason else "")
    )
