"""Trends across drills (time to the awareness decision and to a draft notice, per playbook),
the real-incident metrics (drills never counted) and the open improvement plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtWidgets import QLabel, QWidget

from views.common.table_model import SORT_ROLE, RowTableModel
from views.common.widgets import table_view, vbox, wrapped
from views.drills.aar_view import improvement_columns
from views.drills.tab import DrillsTab

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.aar import ImprovementItem, IncidentMetrics, TrendPoint

Loaded = tuple["list[TrendPoint]", "IncidentMetrics", "list[ImprovementItem]"]


class TrendsView(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.figure = Figure(figsize=(8, 3.2), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(260)
        self.metrics = wrapped()
        self.model: RowTableModel[ImprovementItem] = RowTableModel(improvement_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=4)
        self.table.setAccessibleName("Open improvement items")
        self.points: list[TrendPoint] = []
        self.setLayout(
            vbox(
                self.canvas,
                self.metrics,
                QLabel("<b>Open improvement items</b> (all playbooks)"),
                self.table,
            )
        )

    def refresh(self) -> None:
        from app.drills.aar import AarService

        service = AarService(self.ctx, self.principal())

        def job(control: object) -> tuple:
            return (
                service.trends(),
                service.incident_metrics(),
                service.improvements(open_only=True),
            )

        self.run(job, self._loaded, "reading the trends")

    def _loaded(self, result: tuple) -> None:
        points, metrics, open_items = result
        self.points = points
        self.model.set_rows(open_items)
        self.table.resizeColumnsToContents()
        median = metrics.median_minutes_to_awareness
        before = metrics.aware_before_start
        self.metrics.setText(
            f"<b>Real incidents</b> (drills never counted): {metrics.incidents}; authority "
            f"notified in {metrics.notified} ({metrics.notified_within_72h} within 72 h); "
            "median time from the run's start to awareness "
            + ("—" if median is None else f"{median:.0f} min")
            + (
                f"; {before} incident(s) became aware before their run was started "
                "(not in the median)"
                if before
                else ""
            )
        )
        self.draw()

    def draw(self) -> None:
        self.figure.clear()
        axes = self.figure.subplots(1, 2, sharey=True)
        by_playbook: dict[str, list[TrendPoint]] = {}
        for p in self.points:
            by_playbook.setdefault(p.playbook_title, []).append(p)
        for ax, attr, title in (
            (axes[0], "awareness_minutes", "Minutes to awareness decision"),
            (axes[1], "draft_notice_minutes", "Minutes to draft authority notice"),
        ):
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("drill (oldest → newest)", fontsize=8)
            ax.tick_params(labelsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(bottom=0, auto=True)
            for name, pts in by_playbook.items():
                values = [(n, getattr(p, attr)) for n, p in enumerate(pts, 1)]
                values = [(n, v) for n, v in values if v is not None]
                if values:
                    ax.plot([n for n, _ in values], [v for _, v in values], marker="o", label=name)
        top = max(
            (v for p in self.points for v in (p.awareness_minutes, p.draft_notice_minutes) if v),
            default=60,
        )
        axes[0].set_ylim(0, top * 1.15)
        if not self.points:
            axes[0].text(
                0.5, 0.5, "No drills yet", ha="center", va="center", transform=axes[0].transAxes
            )
        elif any(ax.get_legend_handles_labels()[0] for ax in axes):
            axes[0].legend(fontsize=7)
        self.canvas.draw_idle()
