"""DSAR queue pane: the queue (sortable by due date, coloured by time left, filtered),
a request's detail with its timeline and located items, and the dashboard.

What the buttons do (status changes, locate, export, erasure, reveal, letters) is
`views.dsar.actions.RequestActions`, this pane's base class.

While shown, the pane follows other officers' changes (`views.common.live`): the queue
and the open request reload, keeping the selection and the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.dsar.deadlines import REGIMES
from app.dsar.vocabulary import REQUEST_TYPES, STATUS_TITLES, STATUSES
from app.jobs import JobControl
from app.security.guard import AllowedActions
from app.security.permissions import Permission, needs_role
from views.common.live import LiveChanges
from views.common.table_model import ROW_ROLE, SORT_ROLE, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox, wrapped
from views.dsar.actions import RequestActions
from views.dsar.charts import DashboardCharts
from views.dsar.summary import detail_html
from views.dsar.tables import (
    QueueFilter,
    QueueModel,
    item_columns,
    queue_columns,
    timeline_columns,
)

if TYPE_CHECKING:
    from app.context import AppContext
    from app.dsar.dashboard import Dashboard
    from app.dsar.locate import LocatedItem
    from app.dsar.records import RequestDetail, RequestSummary

ANY = "(any)"
DUE_COLUMN = 6
# Button → the service's action name (app.dsar.actions); the service decides each one.
BUTTON_ACTIONS = {
    "verifying": "verifying",
    "verify": "verify",
    "pause": "pause",
    "resume": "resume",
    "extend": "extend",
    "close": "close",
    "reveal": "reveal",
    "locate": "locate",
    "include": "select",
    "exclude": "select",
    "export": "export",
    "erase": "erase",
    "letter": "letter",
    "certificate": "certificate",
}


def _combo(values: list[tuple[str, str | None]]) -> QComboBox:
    box = QComboBox()
    for text, data in values:
        box.addItem(text, data)
    return box


class DsarPane(RequestActions):
    NAME = "dsar"
    TITLE = "DSAR queue"
    ICON = "mail-message-new"
    ORDER = 30
    PERMISSION = Permission.DSAR_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: RequestDetail | None = None
        self.allowed: AllowedActions | None = None  # what the service says, for `detail`
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
        self.tips = {
            "reveal": "Show the identifiers in full: needs a reason, and is audited",
            "export": "Export package: for access and portability requests",
            "erase": "Erase the person's data (shows what will go and what is kept first)",
        }
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
        # "Loading…" until the queue arrives, "Could not load" if that fails; the empty text
        # only when no request was ever recorded.
        self.body = LoadView(self.table, "No requests yet — record one with New request…")
        split.addWidget(self.body)
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
        if not self.can(Permission.DSAR_MANAGE):
            self.new_button.setToolTip(
                f"Recording a request needs {needs_role(Permission.DSAR_MANAGE)}"
            )
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.setLayout(
            vbox(
                # The reserved message area sits in the heading row: a message moves nothing.
                hbox(heading("DSAR queue"), self.banner, self.new_button, refresh),
                self.tabs,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        self._update_buttons()
        self.live = LiveChanges(ctx, ("dsar",), self)
        self.live.changed.connect(lambda _area: self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.live.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.live.stop()
        super().hideEvent(event)

    # ------------------------------------------------------------ plumbing

    def _button(self, key: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self.buttons[key] = button
        return button

    # ------------------------------------------------------------ queue

    def refresh(self) -> None:
        service = self._service()

        def job(control: JobControl) -> tuple[list[RequestSummary], Dashboard]:
            return service.list(), service.dashboard()

        self.load(job, self._loaded, "loading the queue", is_empty=lambda result: not result[0])

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
            else ""  # the queue's own area says "No requests yet…"
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

        def job(
            control: JobControl,
        ) -> tuple[RequestDetail, list[LocatedItem], AllowedActions]:
            return dsar.get(r.id), locate.items(r.id), dsar.allowed_actions(r.id)

        self.run(job, self._show, "opening the request")

    def _show(self, result: tuple[RequestDetail, list[LocatedItem], AllowedActions]) -> None:
        self.detail, items, self.allowed = result
        self.timeline.set_rows(list(self.detail.timeline))
        self.items.set_rows(items)
        self.summary.setText(detail_html(self.detail))
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Enabled exactly when the service would accept the action now; otherwise the
        tooltip says why (the service's own words)."""
        d, allowed = self.detail, self.allowed
        # What the view itself adds: something to select, something still masked.
        view_reason = {
            "include": "Select located items first" if self.items.rowCount() == 0 else "",
            "exclude": "Select located items first" if self.items.rowCount() == 0 else "",
            "reveal": "The identifiers are shown in full" if d is not None and not d.masked else "",
        }
        for key, button in self.buttons.items():
            action = BUTTON_ACTIONS[key]
            if d is None or allowed is None:
                ok, why = False, "Select a request first"
            elif action not in allowed:
                ok, why = False, allowed.why_not(action)
            else:
                why = view_reason.get(key, "")
                ok = not why
            button.setEnabled(ok)
            button.setToolTip(self.tips.get(key, "") if ok else why)

    def refresh_allowed(self) -> None:
        """Ask the service again (after a change that does not reload the request)."""
        if self.detail is None:
            return
        ref, service = self.detail.id, self._service()

        def done(allowed: AllowedActions) -> None:
            self.allowed = allowed
            self._update_buttons()

        self.run(lambda control: service.allowed_actions(ref), done, "checking what is possible")
