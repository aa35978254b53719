"""Campaign charts: completion over time, findings by type, quarter-over-quarter counts.

matplotlib's Qt canvas on an explicit Figure (never pyplot); data comes from the service in
a worker, drawing happens here on the GUI thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from app.review.records import DiffSummary, Progress

BLUE, RED = "#3566a8", "#b3261e"
PALETTE = (
    "#b3261e",
    "#e07b39",
    "#d4a017",
    "#6b4fa3",
    "#3566a8",
    "#2a9d8f",
    "#7a7a7a",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
)


class ReviewCharts(FigureCanvasQTAgg):
    def __init__(self) -> None:
        self.figure = Figure(figsize=(9, 3), layout="constrained")
        super().__init__(self.figure)
        self.setMinimumHeight(220)

    def show_campaign(self, progress: Progress, diff: DiffSummary) -> None:
        from app.review.findings import FINDING_TITLES

        fig = self.figure
        fig.clear()
        done, types, qoq = fig.subplots(1, 3)

        done.set_title("Completion over time", fontsize=9)
        if progress.timeline:
            days = [d[5:] for d, _n in progress.timeline]
            counts = [n for _d, n in progress.timeline]
            done.plot(days, counts, marker="o", color=BLUE)
            done.axhline(progress.total, color="#999999", linestyle="--", linewidth=1)
            done.set_ylim(0, max(progress.total, 1) * 1.05)
        else:
            done.text(0.5, 0.5, "no decisions yet", ha="center", va="center", color="#777777")
            done.set_xticks([])
            done.set_yticks([])

        types.set_title("Agents by finding type", fontsize=9)
        if progress.findings_by_type:
            labels = [FINDING_TITLES.get(k, k) for k in progress.findings_by_type]
            values = list(progress.findings_by_type.values())
            types.barh(labels[::-1], values[::-1], color=RED)
        else:
            types.text(0.5, 0.5, "no findings", ha="center", va="center", color="#777777")
            types.set_xticks([])
            types.set_yticks([])

        qoq.set_title("Quarter over quarter (agents flagged)", fontsize=9)
        names = [name for name, _c in diff.trend]
        bottom = [0] * len(names)
        kinds = sorted({k for _n, c in diff.trend for k in c})
        for i, kind in enumerate(kinds):
            values = [c.get(kind, 0) for _n, c in diff.trend]
            qoq.bar(
                names,
                values,
                bottom=bottom,
                color=PALETTE[i % len(PALETTE)],
                label=FINDING_TITLES.get(kind, kind),
                width=0.5,
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        if kinds:
            qoq.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
        types.xaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (done, qoq):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in (done, types, qoq):
            ax.tick_params(labelsize=7)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        self.draw_idle()
