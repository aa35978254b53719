"""A run: the big clock, the checklist with its step actions, the injects panel, and tabs for
the breach record, the communication templates and the after-action report.

Keyboard: in the checklist, S starts, F finishes and K skips the selected step (the
reason/note field is used); Ctrl+Return answers the selected inject.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.drills.playbooks import PHASES, TEAM_ROLES
from app.drills.records import EXERCISE_BANNER
from app.security.permissions import Permission
from views.common.pane import needs_text
from views.common.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel
from views.common.widgets import hbox, table_view, vbox, wrapped
from views.drills.aar_view import AarView
from views.drills.breach_form import BreachForm
from views.drills.clock import BigClock
from views.drills.notices import NoticesView
from views.drills.tab import DrillsTab, when

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.records import InjectView, RunDetail, RunSummary, StepView
    from app.drills.runs import RunService

TICK_MS = 1000
STATUS_TEXT = {"pending": "to do", "active": "in progress", "done": "done", "skipped": "skipped"}


def step_status(s: StepView) -> str:
    text = STATUS_TEXT[s.status]
    if s.overdue:
        return f"OVERDUE — {text}"
    return f"{text} (late)" if s.late else text


def checklist_columns() -> list[Column[StepView]]:
    return [
        Column("#", lambda s: str(s.position + 1), lambda s: s.position, align_right=True),
        Column("Phase", lambda s: PHASES[s.phase][0]),
        Column(
            "Step",
            lambda s: s.title,
            tooltip=lambda s: s.note or s.title,
            alert=lambda s: s.overdue,
        ),
        Column("Owner", lambda s: s.assignee or TEAM_ROLES.get(s.owner_role, s.owner_role)),
        Column("Min", lambda s: str(s.minutes), lambda s: s.minutes, align_right=True),
        Column("Due (UTC)", lambda s: s.due_at.strftime("%H:%M"), lambda s: s.due_at),
        Column("Status", step_status, alert=lambda s: s.overdue or s.late),
        Column("Done by", lambda s: s.finished_by or s.started_by or ""),
    ]


class RunView(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: RunDetail | None = None
        self.run_id: int | None = None
        can_run = self.principal().can(Permission.DRILLS_RUN)
        self.needs_run = needs_text(Permission.DRILLS_RUN)

        self.runs = QComboBox()
        self.runs.setAccessibleName("Run")
        self.runs.setMinimumContentsLength(40)
        self.runs.activated.connect(lambda i: self.open_run(self.runs.itemData(i)))
        self.exercise = QLabel(EXERCISE_BANNER)
        self.exercise.setStyleSheet(
            "background: #fff3cd; color: #5c4400; padding: 4px 8px; font-weight: bold;"
        )
        self.close_button = QPushButton("Close run")
        self.close_button.clicked.connect(self.close_run)
        self.clock = BigClock()

        self.model: RowTableModel[StepView] = RowTableModel(checklist_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=0)
        self.table.setAccessibleName("Checklist")
        self.overdue = wrapped()
        self.overdue.setObjectName("overdue")
        self.overdue.setStyleSheet("QLabel#overdue { color: #b3261e; font-weight: bold; }")
        self.step_text = QLineEdit()
        self.step_text.setPlaceholderText("Note, skip reason or assignee for the selected step")
        self.start_button = QPushButton("&Start")
        self.finish_button = QPushButton("&Finish")
        self.skip_button = QPushButton("S&kip…")
        self.assign_button = QPushButton("&Assign")
        for button, action in (
            (self.start_button, "start"),
            (self.finish_button, "finish"),
            (self.skip_button, "skip"),
            (self.assign_button, "assign"),
        ):
            button.clicked.connect(lambda _=False, a=action: self.step_action(a))
        for key, action in (("S", "start"), ("F", "finish"), ("K", "skip")):
            shortcut = QShortcut(QKeySequence(key), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda a=action: self.step_action(a))

        self.injects = QListWidget()
        self.injects.setAccessibleName("Injects")
        self.injects.setWordWrap(True)
        self.response = QLineEdit()
        self.response.setPlaceholderText("How did the team react? (Ctrl+Return)")
        self.ack_button = QPushButton("Record reaction")
        self.ack_button.clicked.connect(self.acknowledge)
        QShortcut(QKeySequence("Ctrl+Return"), self.response).activated.connect(self.acknowledge)
        self.inject_box = QWidget()
        self.inject_box.setLayout(
            vbox(
                QLabel("<b>Injects</b> (drill only)"), self.injects, self.response, self.ack_button
            )
        )

        self.timeline = QListWidget()
        self.timeline.setAccessibleName("Timeline")
        self.breach = BreachForm(ctx, self)
        self.notices = NoticesView(ctx, self)
        self.aar = AarView(ctx, self)
        for inner in (self.breach, self.notices, self.aar):
            self.forward(inner)
        self.breach.changed.connect(self.reload)
        self.notices.changed.connect(self.reload)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.breach, "Breach record")
        self.tabs.addTab(self.notices, "Templates")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(self.aar, "After-action report")

        for widget in (
            self.close_button,
            self.start_button,
            self.finish_button,
            self.skip_button,
            self.assign_button,
            self.ack_button,
        ):
            widget.setEnabled(can_run)
            widget.setToolTip("" if can_run else self.needs_run)

        checklist = QWidget()
        checklist.setLayout(
            vbox(
                self.overdue,
                self.table,
                hbox(
                    self.step_text,
                    self.start_button,
                    self.finish_button,
                    self.skip_button,
                    self.assign_button,
                ),
            )
        )
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(checklist)
        top.addWidget(self.inject_box)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        self.empty = wrapped("No run yet. Start a drill from the Playbooks tab.")
        self.setLayout(
            vbox(
                hbox(QLabel("Run"), self.runs, None, self.close_button),
                self.empty,
                self.exercise,
                self.clock,
                body,
            )
        )
        self._body = (self.exercise, self.clock, body, self.close_button)
        for w in self._body:
            w.hide()

        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    # ------------------------------------------------------------ loading

    def _service(self) -> RunService:
        from app.drills.runs import RunService

        return RunService(self.ctx, self.principal())

    def refresh(self) -> None:
        service = self._service()
        self.run(lambda c: service.list_runs(), self._runs_loaded, "listing runs")

    def _runs_loaded(self, runs: list[RunSummary]) -> None:
        self.runs.clear()
        for r in runs:
            self.runs.addItem(f"{r.label} — {when(r.started_at)} ({r.status})", r.id)
        if not runs:
            return
        wanted = self.run_id if self.run_id in [r.id for r in runs] else runs[0].id
        self.runs.setCurrentIndex(self.runs.findData(wanted))
        self.open_run(wanted)

    def open_run(self, run_id: int | None) -> None:
        if run_id is None:
            return
        self.run_id = run_id
        self.reload()

    def reload(self) -> None:
        if self.run_id is None:
            return
        service, run_id = self._service(), self.run_id
        self.run(lambda c: service.detail(run_id), self.show_detail, "reading the run")

    def show_detail(self, d: RunDetail) -> None:
        selected = self.selected_step()
        self.detail = d
        self.empty.hide()
        for w in self._body:
            w.show()
        self.exercise.setVisible(d.run.is_drill)
        self.inject_box.setVisible(d.run.is_drill)
        closed = "" if d.run.status == "active" else f"run #{d.run.id} is closed"
        self.enable_for((self.close_button,), Permission.DRILLS_RUN, closed=closed)
        self.model.set_rows(d.steps)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        if selected is not None:
            self.select_step(selected.key)
        overdue = d.overdue_steps
        self.overdue.setVisible(bool(overdue))
        if overdue:
            self.overdue.setText(
                "Overdue: " + "; ".join(f"{s.position + 1}. {s.title}" for s in overdue)
            )
        self.injects.clear()
        for i in d.injects:
            if i.delivered_at is None:
                continue
            state = (
                f"reacted in {i.reaction_minutes:.0f} min: {i.response}"
                if i.acknowledged_at and i.reaction_minutes is not None
                else "WAITING FOR A REACTION"
            )
            item = QListWidgetItem(f"T+{i.offset_minutes} min — {i.text}\n→ {state}")
            item.setData(Qt.ItemDataRole.UserRole, i.id)
            self.injects.addItem(item)
            if i.acknowledged_at is None:
                self.injects.setCurrentItem(item)
        self.timeline.clear()
        for t in d.timeline:
            self.timeline.addItem(f"{when(t.at)}  {t.actor:<10}  {t.text}")
        self.timeline.scrollToBottom()
        self.clock.set_detail(d)
        self.breach.set_detail(d)
        self.notices.set_run(d)
        self.aar.set_run(d)
        self.tick()
        if d.run.status == "active":
            self.timer.start()
        else:
            self.timer.stop()

    # ------------------------------------------------------------ the tick

    def tick(self) -> None:
        d = self.detail
        if d is None:
            return
        now = self.ctx.clock.now()
        self.clock.tick(now)
        if (
            d.run.is_drill
            and d.run.status == "active"
            and d.due_injects(now)
            and self.principal().can(Permission.DRILLS_RUN)
        ):
            self.detail = None  # one delivery at a time
            service, run_id = self._service(), d.run.id
            self.run(
                lambda c: service.deliver_due_injects(run_id),
                lambda n: self.reload(),
                "delivering injects",
            )
        elif any(s.open and not s.overdue and s.due_at <= now for s in d.steps):
            self.reload()  # a step just became overdue: show it

    # ------------------------------------------------------------ actions

    def selected_step(self) -> StepView | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        step: StepView = self.proxy.index(index.row(), 0).data(ROW_ROLE)
        return step

    def select_step(self, key: str) -> None:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ROW_ROLE).key == key:
                self.table.selectRow(row)
                return

    def step_action(self, action: str) -> None:
        step, d = self.selected_step(), self.detail
        if step is None or d is None:
            self.say("Select a step in the checklist first.", "info")
            return
        text = self.step_text.text().strip()
        if action == "skip" and not text:
            self.say("Type the reason for skipping in the field next to the buttons.", "info")
            self.step_text.setFocus()
            return
        service, run_id = self._service(), d.run.id
        kwargs = {
            "start": {"note": text},
            "finish": {"note": text},
            "skip": {"reason": text},
            "assign": {"assignee": text},
        }[action]

        def done(_: object) -> None:
            self.step_text.clear()
            self.reload()

        self.run(
            lambda c: service.step(run_id, step.key, action, **kwargs),
            done,
            f"recording the step ({action})",
        )

    def acknowledge(self) -> None:
        item, d = self.injects.currentItem(), self.detail
        if item is None or d is None:
            return
        service, run_id = self._service(), d.run.id
        inject_id = item.data(Qt.ItemDataRole.UserRole)
        response = self.response.text()

        def done(_: float) -> None:
            self.response.clear()
            self.reload()

        self.run(
            lambda c: service.acknowledge_inject(run_id, inject_id, response),
            done,
            "recording the reaction",
        )

    def close_run(self) -> None:
        d = self.detail
        if d is None:
            return
        service, run_id = self._service(), d.run.id

        def done(_: object) -> None:
            self.tabs.setCurrentWidget(self.aar)
            self.refresh()  # the run list shows it closed

        self.run(lambda c: service.close(run_id), done, "closing the run")

    def set_high_contrast(self, on: bool) -> None:
        """Brighter warning colours on black (the pane swaps the style sheet)."""
        colour = "#ff6666" if on else "#b3261e"
        self.overdue.setStyleSheet(f"QLabel#overdue {{ color: {colour}; font-weight: bold; }}")
        self.model.ALERT = QColor(colour)  # instance override of the class default
        self.model.set_rows(self.model.rows())
        self.aar.model.ALERT = QColor(colour)
        self.aar.model.set_rows(self.aar.model.rows())
        self.breach.missing.setStyleSheet(f"color: {colour};")
        self.clock.high_contrast = on
        self.tick()

    def pending_injects(self) -> list[InjectView]:
        return [
            i for i in (self.detail.injects if self.detail else ()) if i.acknowledged_at is None
        ]
