"""The test bench: type or paste text, see matches highlighted live and the masked result.

Scanning is fast (a few ms for a page of text), so it runs on the GUI thread after a
short debounce; text above LIVE_LIMIT is not scanned per keystroke (the pane scans it as
a job). Offsets: findings are in code points, Qt's document positions in UTF-16 units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QTimer, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextEdit,
    QToolTip,
    QWidget,
)

from views.common.widgets import hbox, vbox
from views.redaction.columns import colour_for

if TYPE_CHECKING:
    from app.redaction.engine import RedactionEngine
    from app.redaction.examples import Label
    from app.redaction.types import Finding

DEBOUNCE_MS = 150
LIVE_LIMIT = 200_000  # characters


def utf16_index(text: str, cp: int) -> int:
    head = text[:cp]
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


def code_point_index(text: str, u16: int) -> int:
    count = 0
    for i, ch in enumerate(text):
        if count >= u16:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


class _Editor(QPlainTextEdit):
    """A plain-text editor whose tooltips explain the finding under the mouse."""

    def __init__(self, bench: TestBench) -> None:
        super().__init__()
        self._bench = bench
        self.setMouseTracking(True)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = self.cursorForPosition(event.pos()).position()  # type: ignore[attr-defined]
            tip = self._bench.explain(code_point_index(self.toPlainText(), pos))
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)  # type: ignore[attr-defined]
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class TestBench(QWidget):
    saveCase = Signal(str, object)  # text, list[Label]
    largeText = Signal()  # too big to scan per keystroke: the pane scans it as a job

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine: RedactionEngine | None = None
        self.findings: list[Finding] = []
        self.labels: list[Label] = []
        self._loading = False
        self.editor = _Editor(self)
        self.editor.setPlaceholderText(
            "Paste or type text to test the rules. Matches are highlighted as you type; "
            "hover over one to see which rule found it and why."
        )
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setPlaceholderText("The masked text appears here.")
        self.mask_style = QComboBox()
        self.mask_style.addItem("each rule's own mask", None)
        for name in ("block", "last4", "token", "pseudonym"):
            self.mask_style.addItem(name, name)
        self.mask_style.currentIndexChanged.connect(self._render)
        self.summary = QLabel("No rules loaded yet.")
        self.summary.setWordWrap(True)
        self.label_type = QComboBox()
        self.label_type.setEditable(True)
        self.label_button = QPushButton("Label selection")
        self.label_button.setToolTip("Mark the selected text as an entity of the chosen type.")
        self.label_button.clicked.connect(self.label_selection)
        self.save_button = QPushButton("Save as test case")
        self.save_button.clicked.connect(lambda: self.saveCase.emit(self.text(), self.labels))
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.rescan)
        self.editor.textChanged.connect(self._text_changed)
        split = QSplitter()
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setSizes([500, 500])
        self.setLayout(
            layout := vbox(
                split,
                self.summary,
                hbox(
                    None,
                    QLabel("Mask"),
                    self.mask_style,
                    QLabel("Label as"),
                    self.label_type,
                    self.label_button,
                    self.save_button,
                ),
            )
        )
        layout.setStretch(0, 1)

    # -- state ------------------------------------------------------------------------

    def text(self) -> str:
        return self.editor.toPlainText()

    def set_engine(self, engine: RedactionEngine, entity_types: Sequence[str]) -> None:
        self.engine = engine
        current = self.label_type.currentText()
        self.label_type.clear()
        self.label_type.addItems(list(entity_types))
        if current:
            self.label_type.setCurrentText(current)
        self.rescan()

    def load(self, text: str, labels: Sequence[Label] = (), select: tuple[int, int] | None = None):
        self._loading = True
        try:
            self.editor.setPlainText(text)
        finally:
            self._loading = False
        self.labels = list(labels)
        self.rescan()
        if select is not None:
            cursor = self.editor.textCursor()
            cursor.setPosition(utf16_index(text, select[0]))
            cursor.setPosition(utf16_index(text, select[1]), QTextCursor.MoveMode.KeepAnchor)
            self.editor.setTextCursor(cursor)
            self.editor.centerCursor()

    def _text_changed(self) -> None:
        if not self._loading:
            self.labels = []  # typed-over text: the labelled offsets no longer hold
        self.timer.start()

    # -- scanning -------------------------------------------------------------------

    def rescan(self) -> None:
        if self.engine is None:
            return
        text = self.text()
        if len(text) > LIVE_LIMIT:
            self.summary.setText(f"{len(text):,} characters: scanning in the background…")
            self.largeText.emit()
            return
        self.show_findings(self.engine.scan(text))

    def show_findings(self, findings: list[Finding]) -> None:
        self.findings = findings
        self._highlight()
        self._render()
        if not findings:
            self.summary.setText("No matches.")
            return
        counts = Counter(f.entity_type for f in findings)
        parts = ", ".join(f"{n} {t}" for t, n in counts.most_common())
        self.summary.setText(f"{len(findings)} match{'es' if len(findings) != 1 else ''}: {parts}")

    def _highlight(self) -> None:
        text = self.text()
        selections = []
        for f in self.findings:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(colour_for(f.entity_type)))
            sel.format = fmt
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(utf16_index(text, f.start))
            cursor.setPosition(utf16_index(text, f.end), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
        for lab in self.labels:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor("#1d3f6e"))
            fmt.setFontUnderline(True)
            sel.format = fmt
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(utf16_index(text, lab.start))
            cursor.setPosition(utf16_index(text, lab.end), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
        self.editor.setExtraSelections(selections)

    def _render(self) -> None:
        if self.engine is None:
            return
        from app.redaction.types import MaskStyle

        name = self.mask_style.currentData()
        style = MaskStyle(name) if name else None
        self.preview.setPlainText(self.engine.apply(self.text(), self.findings, style))

    def explain(self, pos: int) -> str:
        for f in self.findings:
            if f.start <= pos < f.end:
                rule = self.engine.rule(f.rule_id) if self.engine else None
                title = rule.title if rule else f.rule_id
                return f"{f.entity_type} — {title} (score {f.score:.2f})\n{f.reason}"
        for lab in self.labels:
            if lab.start <= pos < lab.end:
                return f"labelled {lab.entity_type} (not found by any rule)"
        return ""

    def label_selection(self) -> None:
        from app.redaction.examples import Label

        cursor = self.editor.textCursor()
        if not cursor.hasSelection():
            self.summary.setText("Select the text to label first.")
            return
        text = self.text()
        start = code_point_index(text, cursor.selectionStart())
        end = code_point_index(text, cursor.selectionEnd())
        etype = self.label_type.currentText().strip().upper()
        if not etype:
            return
        self.labels = [lab for lab in self.labels if lab.end <= start or lab.start >= end]
        self.labels.append(Label(start, end, etype))
        self.labels.sort(key=lambda lab: lab.start)
        self._highlight()
        self.summary.setText(f"{len(self.labels)} labelled span(s) in this text.")
