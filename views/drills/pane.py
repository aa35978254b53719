"""Incident drills pane: playbook library, runs (drill or real incident), team, trends.

Built for a room under stress: a large clock, a high-contrast mode for projectors
(Ctrl+Shift+H), and keyboard access (Ctrl+1…4 switch tabs; S/F/K on the checklist).
Drills are tagged as exercises everywhere and nothing is ever sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QWidget

from app.security.permissions import Permission
from views.common.pane import Pane
from views.common.widgets import MARGIN, ScrollingTabs, hbox, heading, vbox
from views.drills.high_contrast import HIGH_CONTRAST
from views.drills.library import PlaybookLibrary
from views.drills.run_view import RunView
from views.drills.team import TeamView
from views.drills.trends import TrendsView

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.records import RunSummary


class DrillsPane(Pane):
    NAME = "drills"
    TITLE = "Incident drills"
    ICON = "dialog-warning"
    ORDER = 45
    PERMISSION = Permission.DRILLS_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.library = PlaybookLibrary(ctx)
        self.run_view = RunView(ctx)
        self.team = TeamView(ctx)
        self.trends = TrendsView(ctx)
        for tab in (self.library, self.run_view, self.team, self.trends):
            tab.messageShown.connect(self.banner.show_message)
            tab.messageCleared.connect(self.banner.clear)
            tab.failed.connect(self.report)
        # Each tab scrolls: a long checklist or playbook must not make the window taller
        # than a 1366×768 screen (it once forced 874 px).
        self.tabs = ScrollingTabs()
        self.tabs.addTab(self.library, "Playbooks")
        self.tabs.addTab(self.run_view, "Run")
        self.tabs.addTab(self.team, "Team")
        self.tabs.addTab(self.trends, "Trends")
        self.tabs.currentChanged.connect(lambda _: self._refresh_tab())
        self.library.runStarted.connect(self.show_run)
        self.high_contrast = QCheckBox("High contrast (Ctrl+Shift+H)")
        self.high_contrast.toggled.connect(self.set_high_contrast)
        QShortcut(QKeySequence("Ctrl+Shift+H"), self).activated.connect(self.high_contrast.toggle)
        for n in range(4):
            QShortcut(QKeySequence(f"Ctrl+{n + 1}"), self).activated.connect(
                lambda i=n: self.tabs.setCurrentIndex(i)
            )
        self.setLayout(
            vbox(
                hbox(heading("Incident drills"), self.banner, self.high_contrast),
                self.tabs,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )

    def refresh(self) -> None:
        self.library.refresh()
        self.run_view.refresh()
        self._refresh_tab()

    def _refresh_tab(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.team:
            self.team.refresh()
        elif current is self.trends:
            self.trends.refresh()

    def show_run(self, run: RunSummary) -> None:
        self.run_view.run_id = run.id
        self.tabs.setCurrentWidget(self.run_view)
        self.run_view.refresh()
        kind = "Drill (exercise)" if run.is_drill else "Incident response"
        self.banner.show_message(f"{kind} started: {run.title}.", "info")

    def set_high_contrast(self, on: bool) -> None:
        self.setStyleSheet(HIGH_CONTRAST if on else "")
        self.run_view.set_high_contrast(on)

    def hideEvent(self, event: Any) -> None:
        self.run_view.timer.stop()
        super().hideEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        d = self.run_view.detail
        if d is not None and d.run.status == "active":
            self.run_view.timer.start()
