"""Tiny layout helpers, a busy overlay, an error banner and a table view shared by every screen.

The banner words service errors with :func:`views.common.errors.error_text`.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from views.common.errors import error_text

SPACING = 8
MARGIN = 12


Item = QWidget | QLayout | int | None


def vbox(*items: Item, margin: int = 0, spacing: int = SPACING) -> QVBoxLayout:
    """A vertical layout; an int adds that much space, None a stretch."""
    layout = QVBoxLayout()
    _fill(layout, items, margin, spacing)
    return layout


def hbox(*items: Item, margin: int = 0, spacing: int = SPACING) -> QHBoxLayout:
    """A horizontal layout; an int adds that much space, None a stretch."""
    layout = QHBoxLayout()
    _fill(layout, items, margin, spacing)
    return layout


def tab_page(*items: Item, grow: QWidget) -> QWidget:
    """A tab's page: `items` stacked with the pane margin, `grow` taking the spare height."""
    page = QWidget()
    layout = vbox(*items, margin=MARGIN)
    layout.setStretchFactor(grow, 1)
    page.setLayout(layout)
    return page


def _fill(layout: QBoxLayout, items: Iterable[Item], margin: int, spacing: int) -> None:
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.setSpacing(spacing)
    for item in items:
        if item is None:
            layout.addStretch(1)
        elif isinstance(item, int):
            layout.addSpacing(item)
        elif isinstance(item, QLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: a tall or wide page scrolls instead of
    forcing its minimum size on the window (which must fit a 1366×768 screen)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


class ScrollingTabs(QTabWidget):
    """A tab widget whose pages scroll (see :func:`scrolled`); ``currentWidget`` and
    ``setCurrentWidget`` speak of the pages themselves, not their scroll areas."""

    def addTab(self, page: QWidget, label: str) -> int:  # type: ignore[override]
        return super().addTab(scrolled(page), label)

    def page(self, index: int) -> QWidget | None:
        area = self.widget(index)
        return area.widget() if isinstance(area, QScrollArea) else area

    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        return self.page(self.currentIndex())

    def setCurrentWidget(self, page: QWidget) -> None:
        for index in range(self.count()):
            if self.page(index) is page:
                self.setCurrentIndex(index)
                return


def heading(text: str, *, size_delta: int = 4) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setPointSize(font.pointSize() + size_delta)
    font.setBold(True)
    label.setFont(font)
    return label


def wrapped(text: str = "", *, selectable: bool = False) -> QLabel:
    """A word-wrapped label that keeps its height when the window narrows."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Banner(QFrame):
    """A coloured message above a form; hidden while empty.

    ``reserve=True`` makes it a fixed message area: it keeps the height of ``lines`` lines
    of text while empty, so showing a message never moves the buttons below it under the
    mouse. A longer message is cut at that height; its full text is the tooltip.
    """

    _STYLES = {  # noqa: RUF012 - constant lookup table
        "error": ("#fdecea", "#8a1c1c", "#e0a3a3"),
        "info": ("#e8f1fb", "#1d3f6e", "#a9c4e6"),
        "ok": ("#e9f6ec", "#1e5b2b", "#a6d4b0"),
    }

    def __init__(
        self, parent: QWidget | None = None, *, reserve: bool = False, lines: int = 2
    ) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self._label = wrapped(selectable=True)
        self._label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setLayout(vbox(self._label, margin=4))
        self.kind = ""
        self.reserved = reserve
        if reserve:
            self.setFixedHeight(self._label.fontMetrics().lineSpacing() * lines + 10)
            # Its size never follows the text: a message moves nothing beside it either.
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            self._paint("")
        else:
            self.hide()

    @property
    def showing(self) -> bool:
        """True while a message is shown (a reserved area is visible even when empty)."""
        return bool(self.kind)

    def text(self) -> str:
        return self._label.text()

    def _paint(self, kind: str) -> None:
        if not kind:
            self.setStyleSheet("QFrame#banner { background: transparent; border: none; }")
            return
        background, foreground, border = self._STYLES[kind]
        self.setStyleSheet(
            f"QFrame#banner {{ background: {background}; border: 1px solid {border};"
            f" border-radius: 4px; }} QLabel {{ color: {foreground}; }}"
        )

    def show_message(self, text: str, kind: str = "error") -> None:
        self.kind = kind
        self._paint(kind)
        self._label.setText(text)
        self.setToolTip(text if self.reserved else "")
        self.show()

    def show_error(self, exc_or_text: BaseException | str, *, doing: str | None = None) -> None:
        text = exc_or_text if isinstance(exc_or_text, str) else error_text(exc_or_text, doing=doing)
        self.show_message(text, "error")

    def clear(self) -> None:
        self.kind = ""
        self._label.clear()
        self.setToolTip("")
        if self.reserved:
            self._paint("")
        else:
            self.hide()


LOADING_TEXT = "Loading…"
FAILED_TEXT = "Could not load this — the message above says why."


class LoadView(QStackedWidget):
    """Where a pane's data goes, with the three states around it: loading, empty, failed.

    The content widget is shown once a load succeeded with something to show; "Loading…"
    from the start of the load until its result arrives; the empty text only after a
    load that succeeded and found nothing; the failed text after a load that failed
    (never the empty text: an error is not an empty store). Driven by :meth:`Pane.load`.
    """

    def __init__(self, content: QWidget, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content

        def page(text: str) -> QLabel:
            label = wrapped(text)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # The theme's placeholder colour: readable in light and dark alike.
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            font = QFont(label.font())
            font.setPointSize(font.pointSize() + 2)
            label.setFont(font)
            return label

        self.loading_label = page(LOADING_TEXT)
        self.empty_label = page(empty_text)
        self.failed_label = page(FAILED_TEXT)
        for widget in (content, self.loading_label, self.empty_label, self.failed_label):
            self.addWidget(widget)
        self.setCurrentWidget(self.loading_label)

    @property
    def state(self) -> str:
        """ "loading", "empty", "failed" or "content": what the operator sees now."""
        current = self.currentWidget()
        if current is self.loading_label:
            return "loading"
        if current is self.empty_label:
            return "empty"
        if current is self.failed_label:
            return "failed"
        return "content"

    def show_loading(self) -> None:
        """ "Loading…" until the first result; a reload keeps the content (no flicker)."""
        if self.state != "content":
            self.setCurrentWidget(self.loading_label)

    def show_empty(self, text: str | None = None) -> None:
        if text is not None:
            self.empty_label.setText(text)
        self.setCurrentWidget(self.empty_label)

    def show_failed(self) -> None:
        self.setCurrentWidget(self.failed_label)

    def show_content(self) -> None:
        self.setCurrentWidget(self.content)


class BusyOverlay(QWidget):
    """Covers its parent with a translucent veil and a spinner while a job runs.

    Blocks clicks on the parent (so a form cannot be submitted twice) without blocking
    the event loop.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        # Kept explicitly: parentWidget() is typed Optional, but the overlay always
        # covers the widget it was built for.
        self._host = parent
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("BusyOverlay { background: rgba(255, 255, 255, 170); }")
        self._label = QLabel("Working…")
        self._label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar = QProgressBar()
        bar.setRange(0, 0)  # indeterminate
        bar.setFixedWidth(180)
        bar.setTextVisible(False)
        self.setLayout(vbox(None, self._label, hbox(None, bar, None), None))
        parent.installEventFilter(self)
        self.hide()

    def start(self, message: str = "Working…") -> None:
        self._label.setText(message)
        self.setGeometry(self._host.rect())
        self.raise_()
        self.show()

    def stop(self) -> None:
        self.hide()

    @property
    def busy(self) -> bool:
        return self.isVisibleTo(self._host)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False


def notify(parent: QWidget, title: str, text: str, *, ok: bool = True) -> QMessageBox:
    """A window-modal message that does not start a nested event loop (tests can read it)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def table_view(
    model: QAbstractItemModel, *, sort_column: int = 0, descending: bool = False
) -> QTableView:
    """A read-only, row-selecting, sortable table with compact rows."""
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    view.sortByColumn(sort_column, order)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view
