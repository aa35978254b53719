"""Shared bits of the drills widgets: the host contract, time text, the high-contrast style."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl, TaskRunner
    from views.widgets import Banner

T = TypeVar("T")

HIGH_CONTRAST = """
QWidget { background: #000000; color: #ffffff; font-size: 13pt; }
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QSpinBox, QTableView,
QListWidget { background: #000000; color: #ffffff; border: 2px solid #ffff00; }
QPushButton { background: #1a1a1a; color: #ffff00; border: 2px solid #ffff00; padding: 6px 10px; }
QPushButton:focus, QLineEdit:focus, QTableView:focus { border: 3px solid #00ffff; }
QPushButton:disabled { color: #808080; border-color: #808080; }
QHeaderView::section { background: #000000; color: #ffff00; border: 1px solid #ffff00; }
QTableView { selection-background-color: #ffff00; selection-color: #000000;
             alternate-background-color: #202020; }
QLabel#overdue { color: #ff6666; }
QCheckBox::indicator { border: 2px solid #ffff00; width: 14px; height: 14px; }
QCheckBox::indicator:checked { background: #ffff00; }
QTabBar::tab { background: #000000; color: #ffffff; border: 2px solid #ffffff; padding: 6px 12px; }
QTabBar::tab:selected { color: #000000; background: #ffff00; }
"""


class Host(Protocol):
    """What the drills widgets need from their pane."""

    ctx: AppContext
    tasks: TaskRunner
    banner: Banner

    def principal(self) -> Any: ...

    def fail(self, doing: str) -> Callable[[BaseException], None]: ...

    def changed(self) -> None: ...


def when(ts: str | None) -> str:
    """`2026-11-27 12:05` from a stored UTC timestamp (the UI says UTC in its headers)."""
    return ts[:16].replace("T", " ") if ts else "—"


def run_job(
    host: Host,
    job: Callable[[JobControl], T],
    done: Callable[[T], None],
    doing: str,
) -> None:
    host.banner.clear()
    host.tasks.submit(job, on_done=done, on_error=host.fail(doing))


def label_for(widget: QWidget, text: str) -> QWidget:
    """Accessible name for widgets with no visible label (screen readers, tests)."""
    widget.setAccessibleName(text)
    widget.setToolTip(text)
    return widget
