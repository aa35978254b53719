"""Dashboard charts: open requests by age, on-time rate per month, volume by type/regime.

matplotlib Figure + FigureCanvasQTAgg (never pyplot); numbers come from the service in a
worker, drawing happens here on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QWidget

from views.common.widgets import hbox

if TYPE_CHECKING:
    from app.dsar.dashboard import Dashboard

BAR = "#3b6ea8"


def _canvas() -> FigureCanvasQTAgg:
    canvas = FigureCanvasQTAgg(Figure(figsize=(4, 2.6), layout="constrained"))
    canvas.setMinimumHeight(200)
    return canvas


class DashboardCharts(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.age, self.on_time, self.volume = _canvas(), _canvas(), _canvas()
        self.setLayout(hbox(self.age, self.on_time, self.volume))

    def show_dashboard(self, d: Dashboard) -> None:
        ax = self._axes(self.age, "Open requests by age")
        ax.bar(list(d.open_by_age), list(d.open_by_age.values()), color=BAR)
        ax.tick_params(axis="x", labelsize=7)
        ax.yaxis.get_major_locator().set_params(integer=True)

        ax = self._axes(self.on_time, "On-time rate by month closed")
        if d.on_time_by_month:
            months = list(d.on_time_by_month)
            rates = [100 * a / b for a, b in d.on_time_by_month.values()]
            ax.bar(months, rates, color=["#2e7d32" if r == 100 else "#c62828" for r in rates])
            ax.set_ylim(0, 105)
            ax.set_ylabel("% on time", fontsize=8)
            ax.tick_params(axis="x", labelsize=7, rotation=30)
        else:
            ax.text(
                0.5,
                0.5,
                "No completed requests yet",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=8,
                color="#666",
            )
            ax.set_xticks([])
            ax.set_yticks([])

        ax = self._axes(self.volume, "Volume by type and regime")
        labels = [f"type: {k}" for k in d.by_type] + [f"regime: {k}" for k in d.by_regime]
        values = list(d.by_type.values()) + list(d.by_regime.values())
        colours = [BAR] * len(d.by_type) + ["#8e6bb8"] * len(d.by_regime)
        ax.barh(labels, values, color=colours)
        ax.invert_yaxis()
        ax.tick_params(axis="y", labelsize=7)
        ax.xaxis.get_major_locator().set_params(integer=True)
        for canvas in (self.age, self.on_time, self.volume):
            canvas.draw_idle()

    @staticmethod
    def _axes(canvas: FigureCanvasQTAgg, title: str) -> Any:
        fig = canvas.figure
        fig.clear()
        ax = fig.add_subplot()
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        return ax
