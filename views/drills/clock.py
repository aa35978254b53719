"""The large regulatory clock: readable across a room (and on a projector).

It ticks with a QTimer owned by the run view but always computes from the injectable
clock (`ctx.clock.now()`), so a test moving a FixedClock moves the display.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from app.drills.clocks import format_countdown
from app.drills.records import parse_ts
from views.common.widgets import hbox, vbox

if TYPE_CHECKING:
    from app.drills.records import RunDetail

WARN_HOURS = 12
BRIGHT = {
    "#555555": "#cccccc",
    "#1e5b2b": "#55ff55",
    "#8a1c1c": "#ff6666",
    "#b3261e": "#ff6666",
    "#1d3f6e": "#00ffff",
}


def _big(label: QLabel, points: int) -> QLabel:
    font = QFont(label.font())
    font.setPointSize(points)
    font.setBold(True)
    font.setStyleHint(QFont.StyleHint.Monospace)
    label.setFont(font)
    return label


class BigClock(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bigclock")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.detail: RunDetail | None = None
        self.high_contrast = False
        self.title = QLabel("GDPR Art. 33 — supervisory authority (72 h)")
        self.countdown = _big(QLabel("--:--:--"), 40)
        self.countdown.setAccessibleName("Art. 33 countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        metrics = self.countdown.fontMetrics()
        self.countdown.setMinimumWidth(
            max(metrics.horizontalAdvance(t) for t in ("-000:00:00", "NOTIFIED", "--:--:--")) + 8
        )
        self.due = QLabel()
        self.due.setMinimumWidth(self.due.fontMetrics().horizontalAdvance("x" * 70))
        self.elapsed = _big(QLabel("T+00:00:00"), 22)
        self.elapsed.setStyleSheet("font-size: 22pt; font-weight: bold;")  # beats a pane style
        self.elapsed.setAccessibleName("Time since the run started")
        self.others = QLabel()
        self.others.setWordWrap(True)
        self.others.setStyleSheet("font-size: 9pt;")
        self.setLayout(
            vbox(
                hbox(
                    vbox(self.title, self.countdown, self.due),
                    None,
                    vbox(QLabel("Run time"), self.elapsed, None),
                ),
                self.others,
                margin=10,
            )
        )

    def set_detail(self, detail: RunDetail) -> None:
        self.detail = detail
        others = [
            f"{c.title}: {c.due_text or 'no fixed time'}"
            + (f" ({c.condition})" if c.condition else "")
            for c in detail.clocks
            if c.key != "gdpr_art33_due"
        ]
        self.others.setText("   ·   ".join(others))
        self.others.setVisible(bool(others))

    def tick(self, now: datetime) -> None:
        d = self.detail
        if d is None:
            return
        start = parse_ts(d.run.started_at) or now
        end = parse_ts(d.run.closed_at) or now
        self.elapsed.setText("T+" + format_countdown(end - start))
        art33 = next((c for c in d.clocks if c.key == "gdpr_art33_due"), None)
        if art33 is None or art33.due is None:
            self._show("--:--:--", "#555555", "The 72 hours start at the awareness decision.")
            return
        due_text = f"due {art33.due.strftime('%a %d %b %Y %H:%M')} UTC"
        if art33.met_at:
            notified = parse_ts(art33.met_at) or now
            late = notified > art33.due
            self._show(
                "NOTIFIED",
                "#8a1c1c" if late else "#1e5b2b",
                f"recorded {art33.met_at[:16].replace('T', ' ')} UTC"
                + (" — late, reasons recorded" if late else " — within 72 h"),
            )
            return
        left = art33.due - now
        colour = "#b3261e" if left.total_seconds() < WARN_HOURS * 3600 else "#1d3f6e"
        self._show(
            format_countdown(left), colour, due_text + (" — OVERDUE" if left.days < 0 else "")
        )

    def _show(self, big: str, colour: str, small: str) -> None:
        self.countdown.setText(big)
        if self.high_contrast:
            colour = BRIGHT.get(colour, colour)
        self.countdown.setStyleSheet(f"color: {colour}; font-size: 40pt; font-weight: bold;")
        self.due.setText(small)
