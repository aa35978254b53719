"""Hits per rule, coloured by entity type (matplotlib embedded, never pyplot)."""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure

from views.redaction.columns import colour_for


class HitsChart(FigureCanvasQTAgg):
    def __init__(self) -> None:
        self.figure = Figure(figsize=(5, 3), layout="constrained")
        super().__init__(self.figure)
        self.axes = self.figure.add_subplot()
        self.show_counts({}, {}, "")

    def show_counts(self, by_rule: Mapping[str, int], rule_types: Mapping[str, str], title: str):
        ax = self.axes
        ax.clear()
        if not by_rule:
            ax.text(0.5, 0.5, "No hits yet: run a preview", ha="center", va="center")
            ax.set_axis_off()
        else:
            ax.set_axis_on()
            items = sorted(by_rule.items(), key=lambda kv: kv[1])
            names = [k for k, _ in items]
            values = [v for _, v in items]
            colours = [colour_for(rule_types.get(k, "")) for k in names]
            ax.barh(names, values, color=colours)
            for y, v in enumerate(values):
                ax.text(v, y, f" {v:,}", va="center", fontsize=8)
            ax.set_xlabel("hits")
            ax.margins(x=0.15)
            ax.tick_params(labelsize=8)
        ax.set_title(title, fontsize=9)
        self.draw_idle()
