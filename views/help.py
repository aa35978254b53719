"""Help → Keyboard shortcuts: read from the window's own actions, so the list never goes stale."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QWidget

from views.common.widgets import MARGIN, table_view, vbox, wrapped

# Keys every Qt window understands; listed so people know they work here too.
GENERAL = (
    ("Tab / Shift+Tab", "Move to the next / previous field"),
    ("Enter", "Press the highlighted (default) button"),
    ("Esc", "Close a dialog without changes"),
    ("Up / Down", "Move through a list or table"),
    ("Ctrl+A", "Select everything in a field or table"),
    ("Ctrl+C", "Copy the selected text"),
)


def _label(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def action_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what it does) for every action in `window` that has a shortcut, sorted."""
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or not action.text():
            continue
        text = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        seen.setdefault(text, _label(action))
    return sorted(seen.items(), key=lambda kv: (kv[1].lower(), kv[0]))


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Keyboard shortcuts")
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table = table_view(self.model)
        self.table.setSortingEnabled(False)  # the order below is the meaning: window, then Qt
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.rows = action_shortcuts(window) + list(GENERAL)
        for keys, what in self.rows:
            self.model.appendRow([QStandardItem(keys), QStandardItem(what)])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionMode(self.table.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.setLayout(
            vbox(
                wrapped("Shortcuts of this window, then keys that work everywhere."),
                self.table,
                buttons,
                margin=MARGIN * 2,
                spacing=MARGIN,
            )
        )
        self.resize(500, 520)

    def keys_for(self, action_text: str) -> str | None:
        return next((keys for keys, what in self.rows if what == action_text), None)
