"""Labelled test cases: precision and recall per entity type and rule, and the false
positives / negatives to click through (each opens in the test bench)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QSplitter, QWidget

from views.common.table_model import SORT_ROLE, Column, RowTableModel
from views.common.widgets import hbox, heading, table_view, vbox
from views.redaction.columns import miss_columns

if TYPE_CHECKING:
    from app.redaction.examples import Evaluation, Miss


@dataclass(frozen=True)
class ScoreRow:
    scope: str  # type | rule
    name: str
    tp: int
    fp: int
    fn: int | None
    precision: float
    recall: float | None


def score_columns() -> list[Column[ScoreRow]]:
    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    return [
        Column("By", lambda r: r.scope),
        Column("Name", lambda r: r.name),
        Column("TP", lambda r: str(r.tp), lambda r: r.tp, align_right=True),
        Column("FP", lambda r: str(r.fp), lambda r: r.fp, align_right=True),
        Column("FN", lambda r: "—" if r.fn is None else str(r.fn), lambda r: r.fn or 0),
        Column(
            "Precision",
            lambda r: pct(r.precision),
            lambda r: r.precision,
            alert=lambda r: r.precision < 0.99,
            align_right=True,
        ),
        Column(
            "Recall",
            lambda r: pct(r.recall),
            lambda r: r.recall if r.recall is not None else 2.0,
            alert=lambda r: r.recall is not None and r.recall < 0.99,
            align_right=True,
        ),
    ]


class LabelsTab(QWidget):
    importRequested = Signal()
    loadSetRequested = Signal()
    evaluateRequested = Signal()
    missOpened = Signal(object)  # Miss

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.import_button = QPushButton("Import demo labels…")
        self.import_button.setToolTip("A demo export folder (planted.json + tickets.ndjson)")
        self.import_button.clicked.connect(self.importRequested)
        self.load_button = QPushButton("Load labelled set…")
        self.load_button.setToolTip(
            "A labelled set in PrivDesk's JSONL format: the sets shipped with PrivDesk "
            "(Presidio's, python-stdnum's, libphonenumber's and Stripe's test data, and a "
            "negative corpus) or your own. It is scored against the current rules and not "
            "stored in the workspace."
        )
        self.load_button.clicked.connect(self.loadSetRequested)
        self.evaluate_button = QPushButton("Evaluate rules")
        self.evaluate_button.clicked.connect(self.evaluateRequested)
        self.summary = QLabel(
            "Label text in the test bench (select, then “Label selection”) and save it as a "
            "test case, or import the labelled demo set; then evaluate the rules."
        )
        self.summary.setWordWrap(True)
        self.scores: RowTableModel[ScoreRow] = RowTableModel(score_columns(), self)
        self.score_proxy = QSortFilterProxyModel(self)
        self.score_proxy.setSourceModel(self.scores)
        self.score_proxy.setSortRole(SORT_ROLE)
        self.score_table = table_view(self.score_proxy, sort_column=-1)
        self.misses: RowTableModel[Miss] = RowTableModel(miss_columns(), self)
        self.miss_proxy = QSortFilterProxyModel(self)
        self.miss_proxy.setSourceModel(self.misses)
        self.miss_proxy.setSortRole(SORT_ROLE)
        self.miss_table = table_view(self.miss_proxy, sort_column=-1)
        self.miss_table.doubleClicked.connect(self._open)
        self.miss_table.activated.connect(self._open)
        left = QWidget()
        left.setLayout(vbox(heading("Precision and recall", size_delta=1), self.score_table))
        right = QWidget()
        right.setLayout(
            vbox(heading("Misses (double-click to open)", size_delta=1), self.miss_table)
        )
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        layout = vbox(
            hbox(self.import_button, self.load_button, self.evaluate_button, None),
            self.summary,
            split,
        )
        layout.setStretch(2, 1)
        self.setLayout(layout)

    def show_evaluation(self, evaluation: Evaluation, cases: int, source: str = "") -> None:
        rows = [
            ScoreRow("type", t, s.tp, s.fp, s.fn, s.precision, s.recall)
            for t, s in evaluation.by_type.items()
        ] + [
            ScoreRow("rule", r, s.tp, s.fp, None, s.precision, None)
            for r, s in evaluation.by_rule.items()
        ]
        self.scores.set_rows(rows)
        self.misses.set_rows(evaluation.misses)
        fps = sum(1 for m in evaluation.misses if m.kind == "fp")
        fns = len(evaluation.misses) - fps
        where = f"{source}: " if source else ""
        self.summary.setText(
            f"{where}{cases:,} labelled texts: {fps} false positive(s), {fns} false negative(s)."
        )

    def _open(self, index) -> None:
        if index.isValid():
            self.missOpened.emit(self.misses.row_at(self.miss_proxy.mapToSource(index).row()))
