"""The discovery heat map (fields × entity types) and the retention simulation chart.

Both are matplotlib embedded in Qt (never pyplot). The numbers they draw are computed in
the background job (`heat_matrix`, plain Python), so painting only draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


@dataclass(frozen=True)
class HeatMatrix:
    fields: tuple[str, ...]
    types: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]  # [field][type]
    flagged: frozenset[tuple[str, str]]  # (field, type) cells that are findings

    def cell(self, field: str, entity: str) -> int:
        return self.counts[self.fields.index(field)][self.types.index(entity)]


def heat_matrix(
    fields: Sequence[Mapping[str, Any]], findings: Sequence[Mapping[str, Any]]
) -> HeatMatrix:
    """Rows: help-desk fields that hold anything; columns: entity types found anywhere."""
    rows = [f for f in fields if f["types"]]
    types = sorted({t for f in rows for t in f["types"]})
    counts = tuple(tuple(int(f["types"].get(t, 0)) for t in types) for f in rows)
    flagged = frozenset((x["field"], x["entity_type"]) for x in findings)
    return HeatMatrix(tuple(f["field"] for f in rows), tuple(types), counts, flagged)


class HeatMap(FigureCanvasQTAgg):
    def __init__(self) -> None:
        self.figure = Figure(figsize=(6, 3.2), layout="constrained")
        super().__init__(self.figure)
        self.matrix: HeatMatrix | None = None
        self.show_matrix(None)

    def show_matrix(self, m: HeatMatrix | None) -> None:
        self.matrix = m
        self.figure.clear()
        ax = self.figure.add_subplot()
        if m is None or not m.fields:
            ax.text(0.5, 0.5, "No scan yet: press Scan the help desk", ha="center", va="center")
            ax.set_axis_off()
            self.draw_idle()
            return
        # log colour, so one huge cell does not wash out the others
        shade = [[math.log10(c + 1) for c in row] for row in m.counts]
        top = max((v for row in shade for v in row), default=1.0) or 1.0
        ax.imshow(shade, cmap="OrRd", aspect="auto", vmin=0, vmax=top)
        ax.set_xticks(range(len(m.types)), m.types, rotation=35, ha="right", fontsize=7)
        ax.set_yticks(range(len(m.fields)), m.fields, fontsize=7)
        for y, row in enumerate(m.counts):
            for x, c in enumerate(row):
                if c:
                    bad = (m.fields[y], m.types[x]) in m.flagged
                    ax.text(
                        x,
                        y,
                        f"{c:,}{' !' if bad else ''}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        fontweight="bold" if bad else "normal",
                        color="white" if shade[y][x] > 0.6 * top else "black",
                    )
        ax.set_title("Records holding each type (! = not expected there)", fontsize=8)
        self.draw_idle()


class MonthsChart(FigureCanvasQTAgg):
    """Records a retention run would affect, by month of last activity."""

    def __init__(self) -> None:
        self.figure = Figure(figsize=(5, 2.2), layout="constrained")
        super().__init__(self.figure)
        self.show_months({}, "")

    def show_months(self, months: Mapping[str, int], title: str) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot()
        if not months:
            ax.text(0.5, 0.5, "Simulate a policy to see what it would change", ha="center",
                    va="center")  # fmt: skip
            ax.set_axis_off()
        else:
            names = list(months)
            ax.bar(names, [months[n] for n in names], color="#b3261e")
            ax.tick_params(axis="x", labelrotation=45, labelsize=7)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_ylabel("records", fontsize=8)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title, fontsize=8)
        self.draw_idle()
