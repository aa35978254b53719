"""Monitoring pane: the alert queue, an alert's evidence and workflow, the access-volume
chart with alerts marked, and the log review sign-off (issue 20).

Every button calls the services, which enforce the permissions again. The chart's numbers
are computed in a worker (`TimelineService`), drawn here. A desktop notification (system
tray) is shown for new high-severity alerts when the platform has a tray; offscreen and
on desktops without one, nothing is shown and nothing is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QSystemTrayIcon,
    QTabWidget,
    QWidget,
)

from app.monitoring.logreview import LogReviewService
from app.monitoring.service import AlertService
from app.monitoring.timeline import TimelineService
from app.security.permissions import Permission
from views.common.pane import Pane
from views.common.table_model import Column, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox, wrapped
from views.monitoring.chart import VolumeChart

if TYPE_CHECKING:
    from app.context import AppContext
    from app.monitoring.logreview import ReviewDetail, ReviewStatus
    from app.monitoring.records import AlertDetail, AlertRow, EvidenceRow, RunResult

P = Permission
STATUS_FILTERS = ("all", "new", "acknowledged", "dismissed", "escalated")


class DismissDialog(QDialog):
    """A reason (required) and an optional suppression of the rule for the actor or IP."""

    def __init__(self, alert: AlertRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Dismiss alert #{alert.id}")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why this is a false positive")
        self.days = QSpinBox()
        self.days.setRange(0, 365)
        self.days.setSuffix(" days")
        self.what = QComboBox()
        self.what.addItems(["actor", "ip"])
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Reason", self.reason)
        form.addRow("Quiet this rule for", self.days)
        form.addRow("… for this", self.what)
        form.addRow(self.buttons)


class MonitoringPane(Pane):
    NAME, TITLE, ICON = "monitoring", "Monitoring", "security-medium"
    ORDER = 55
    PERMISSION = P.MONITORING_VIEW
    # Incident leads see the alerts escalated to incidents (and nothing else of monitoring).
    ALSO_PERMISSIONS = (P.MONITORING_ESCALATED,)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: AlertDetail | None = None
        self.review: ReviewDetail | None = None
        self.tray: QSystemTrayIcon | None = None
        self.dialog: DismissDialog | None = None
        self.notified: list[str] = []  # what the tray was asked to show (for tests too)
        self.review_id: int | None = None

        columns: list[Column[AlertRow]] = [
            Column("#", lambda a: str(a.id), sort_key=lambda a: a.id, align_right=True),
            Column("Severity", lambda a: a.severity, alert=lambda a: a.severity == "high"),
            Column("Status", lambda a: a.status),
            Column("Rule", lambda a: a.rule),
            Column("Subject", lambda a: a.subject),
            Column("First event (UTC)", lambda a: a.first_at.replace("T", " ")[:16]),
            Column("Events", lambda a: str(a.event_count), sort_key=lambda a: a.event_count),
        ]
        self.model: RowTableModel[AlertRow] = RowTableModel(columns, self)
        self.table = table_view(self.model, descending=True)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.full = self.can(P.MONITORING_VIEW)  # else only the escalated alerts
        self.body = LoadView(
            self.table,
            "No alerts. Run the rules after an import."
            if self.full
            else "No alert has been escalated to an incident.",
        )
        evidence_cols: list[Column[EvidenceRow]] = [
            Column("Time (UTC)", lambda e: e.at.replace("T", " ")[:19]),
            Column("Source", lambda e: e.source),
            Column("Event id", lambda e: e.event_id),
            Column("What", lambda e: e.detail),
        ]
        self.evidence: RowTableModel[EvidenceRow] = RowTableModel(evidence_cols, self)
        self.evidence_view = table_view(self.evidence)
        self.title = QLabel("Select an alert.")
        self.title.setWordWrap(True)
        self.explanation = wrapped()
        self.history = wrapped(selectable=True)
        self.ack = QPushButton("Acknowledge")
        self.dismiss = QPushButton("Dismiss…")
        self.escalate = QPushButton("Escalate to incident")
        self.ack.clicked.connect(self._ack)
        self.dismiss.clicked.connect(self._dismiss)
        self.escalate.clicked.connect(self._escalate)
        side = QWidget()
        side.setLayout(
            vbox(
                self.title,
                self.explanation,
                hbox(self.ack, self.dismiss, self.escalate, None),
                self.evidence_view,
                self.history,
            )
        )
        split = QSplitter()
        split.addWidget(self.body)
        split.addWidget(side)
        split.setSizes([640, 560])

        self.status_filter = QComboBox()
        self.status_filter.addItems(STATUS_FILTERS)
        self.status_filter.currentTextChanged.connect(lambda _: self._load_alerts())
        self.run_rules = QPushButton("Run rules now")
        self.run_rules.clicked.connect(self._run)

        self.chart = VolumeChart()
        self.review_label = wrapped()
        self.start_review = QPushButton("Start review")
        self.signoff = QPushButton("Sign off…")
        self.start_review.clicked.connect(self._start_review)
        self.signoff.clicked.connect(self._signoff)
        review = QWidget()
        review.setLayout(vbox(self.review_label, hbox(self.start_review, self.signoff, None), None))

        self.tabs = QTabWidget()
        alerts = QWidget()
        alerts.setLayout(vbox(split))
        self.tabs.addTab(alerts, "Alerts" if self.full else "Escalated alerts")
        if self.full:
            self.tabs.addTab(self.chart, "Access volume")
            self.tabs.addTab(review, "Log review")
        else:  # the service lists only the escalated ones; no filter, no rules to run
            self.status_filter.hide()
            self.run_rules.hide()
        self.setLayout(
            vbox(
                hbox(heading(self.TITLE), self.banner, self.status_filter, self.run_rules),
                self.tabs,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        self._enable_actions()

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        self._load_alerts()
        if not self.full:
            return
        timeline = TimelineService(self.ctx, self.principal())
        self.run(
            lambda control: timeline.access_volume(),
            self.chart.show_timeline,
            "drawing the access volume",
        )
        self._load_review()

    def _load_alerts(self) -> None:
        service = AlertService(self.ctx, self.principal())
        status = self.status_filter.currentText()
        wanted = None if status == "all" else status
        self.load(
            lambda control: service.list_alerts(wanted),
            self._alerts,
            "loading the alerts",
            is_empty=lambda rows: not rows,
        )

    def _alerts(self, rows: list[AlertRow]) -> None:
        keep = self.detail.alert.id if self.detail else None
        self.model.set_rows(rows)
        for n, row in enumerate(self.model.rows()):
            if row.id == keep:
                self.table.selectRow(n)
        if keep is None or all(r.id != keep for r in rows):
            self._show_detail(None)

    def _load_review(self) -> None:
        service = LogReviewService(self.ctx, self.principal())
        self.run(lambda control: service.status(), self._review_status, "reading the log review")

    def _review_status(self, st: ReviewStatus) -> None:
        state = st.review_status or "not started"
        due = st.period.due.strftime("%Y-%m-%d %H:%M")
        text = f"Last complete period: {st.period.label} — {state}, due {due}."
        if st.overdue:
            text += "  OVERDUE"
        self.review_label.setText(text)
        self.review_id = st.review_id
        self.enable_for(self.start_review, P.MONITORING_MANAGE)
        self.start_review.setEnabled(self.start_review.isEnabled() and st.review_id is None)
        self.enable_for(self.signoff, P.MONITORING_MANAGE)
        self.signoff.setEnabled(self.signoff.isEnabled() and st.review_status == "open")

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        alert = self.model.row_at(rows[0].row())
        service = AlertService(self.ctx, self.principal())
        self.run(lambda control: service.show(alert.id), self._show_detail, "opening the alert")

    def _show_detail(self, d: AlertDetail | None) -> None:
        self.detail = d
        if d is None:
            self.title.setText("Select an alert.")
            self.explanation.setText("")
            self.history.setText("")
            self.evidence.set_rows([])
        else:
            a = d.alert
            ip = f" · IP {d.ip_address}" if d.ip_address else ""
            incident = f" · incident #{a.run_id}" if a.run_id else ""
            self.title.setText(
                f"<b>#{a.id} {d.title}</b><br>{a.severity} · {a.status} · {a.subject}{ip}"
                f"{incident}<br>{a.summary}"
            )
            self.explanation.setText(d.explanation)
            self.evidence.set_rows(list(d.evidence))
            self.history.setText("\n".join(f"{t.at}  {t.actor}: {t.text}" for t in d.timeline))
        self._enable_actions()

    def _enable_actions(self) -> None:
        status = self.detail.alert.status if self.detail else None
        for button in (self.ack, self.dismiss, self.escalate, self.run_rules):
            self.enable_for(button, P.MONITORING_MANAGE)
        open_ = status in ("new", "acknowledged")
        self.ack.setEnabled(self.ack.isEnabled() and status == "new")
        self.dismiss.setEnabled(self.dismiss.isEnabled() and open_)
        self.escalate.setEnabled(self.escalate.isEnabled() and open_)

    # ------------------------------------------------------------ actions

    def _service(self) -> AlertService:
        return AlertService(self.ctx, self.principal())

    def _after(self, message: str) -> Any:
        def done(_result: object) -> None:
            self.banner.show_message(message, "info")
            self._load_alerts()
            if self.detail is not None:
                alert_id = self.detail.alert.id
                service = self._service()
                self.run(lambda c: service.show(alert_id), self._show_detail, "opening the alert")

        return done

    def _run(self) -> None:
        service = self._service()
        self.run(lambda control: service.run(), self._ran, "running the rules")

    def _ran(self, result: RunResult) -> None:
        self.banner.show_message(f"{result.new} new alert(s).", "info")
        high = [a for a in result.alerts if a.severity == "high"]
        if high:
            self.notify(f"{len(high)} new high-severity alert(s)", high[0].rule)
        self.refresh()

    def notify(self, title: str, text: str) -> None:
        """A tray notification when the desktop has a tray; otherwise nothing (no error)."""
        self.notified.append(title)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.windowIcon(), self)
            self.tray.show()
        self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning)

    def _ack(self) -> None:
        if self.detail is None:
            return
        alert_id, service = self.detail.alert.id, self._service()
        self.run(
            lambda c: service.ack(alert_id),
            self._after(f"Alert #{alert_id} acknowledged."),
            "acknowledging the alert",
        )

    def _dismiss(self) -> None:
        if self.detail is None:
            return
        self.dialog = DismissDialog(self.detail.alert, self)
        self.dialog.accepted.connect(self._dismissed)
        self.dialog.finished.connect(self.dialog.deleteLater)
        self.dialog.open()

    def _dismissed(self) -> None:
        if self.detail is None or self.dialog is None:
            return
        d, alert_id, service = self.dialog, self.detail.alert.id, self._service()
        reason, days, what = d.reason.text(), d.days.value(), d.what.currentText()
        self.dialog = None
        self.run(
            lambda c: service.dismiss(alert_id, reason, suppress_days=days, suppress=what),
            self._after(f"Alert #{alert_id} dismissed."),
            "dismissing the alert",
        )

    def _escalate(self) -> None:
        if self.detail is None:
            return
        alert_id, service = self.detail.alert.id, self._service()
        self.run(
            lambda c: service.escalate(alert_id),
            self._after(f"Alert #{alert_id} escalated: an incident run was opened."),
            "escalating the alert",
        )

    def _start_review(self) -> None:
        service = LogReviewService(self.ctx, self.principal())
        self.run(lambda c: service.start(), lambda _r: self._load_review(), "starting the review")

    def _signoff(self) -> None:
        review_id = self.review_id
        if review_id is None:
            return

        def action(principal: Any) -> Any:
            service = LogReviewService(self.ctx, principal)
            return lambda control: service.signoff(review_id)

        def done(_detail: object) -> None:
            self.banner.show_message("Log review signed off.", "info")
            self._load_review()

        self.run_guarded(action, done, "signing the review off")
