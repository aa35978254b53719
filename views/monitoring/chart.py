"""Access volume per agent per day (busiest agents), alerts marked where they started.

matplotlib Figure + FigureCanvasQTAgg (never pyplot); the numbers come from
`TimelineService` in a worker, drawing happens here on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QWidget

from views.common.widgets import vbox

if TYPE_CHECKING:
    from app.monitoring.timeline import Timeline

SEVERITY_COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#757575"}


class VolumeChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = FigureCanvasQTAgg(Figure(figsize=(8, 3.6), layout="constrained"))
        self.canvas.setMinimumHeight(260)
        self.marked = 0  # alerts drawn (for tests)
        self.setLayout(vbox(self.canvas))

    def show_timeline(self, t: Timeline) -> None:
        fig = self.canvas.figure
        fig.clear()
        ax: Any = fig.add_subplot()
        ax.set_title("Access-log events per day, busiest agents", fontsize=9)
        ax.tick_params(labelsize=8)
        x = list(range(len(t.days)))
        self.marked = 0
        if not any(t.series.values()) and not any(t.others):
            ax.text(
                0.5,
                0.5,
                "No access-log records imported",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=9,
                color="#666",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            self.canvas.draw_idle()
            return
        for agent, values in t.series.items():
            ax.plot(x, values, linewidth=1.2, label=f"agent #{agent}" if agent else "unknown")
        if any(t.others):
            ax.plot(x, t.others, linewidth=1, color="#9e9e9e", linestyle="--", label="others")
        peak = max([max(v) for v in t.series.values()] + [max(t.others, default=0), 1])
        for mark in t.alerts:
            colour = SEVERITY_COLOURS.get(mark.severity, "#757575")
            at = t.days.index(mark.day)
            y = t.series[mark.agent][at] if mark.agent in t.series else peak
            ax.scatter([at], [y], marker="v", s=60, color=colour, zorder=3)
            ax.annotate(
                f"#{mark.id}",
                (mark.day, y),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
                color=colour,
            )
            self.marked += 1
        ax.legend(fontsize=7, loc="upper left")
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step], [d.strftime("%d %b") for d in t.days[::step]])
        ax.tick_params(axis="x", rotation=30)
        ax.yaxis.get_major_locator().set_params(integer=True)
        self.canvas.draw_idle()
