"""Where save and export dialogs open: the workspace's ``exports/`` folder, never the
current directory (which for a desktop launch is wherever the launcher happened to be)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QWidget

if TYPE_CHECKING:
    from app.context import AppContext


def exports_folder(ctx: AppContext) -> Path:
    """The workspace's ``exports/`` folder, created on first use."""
    folder = Path(ctx.workspace.exports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_path(
    parent: QWidget, ctx: AppContext, title: str, suggested_name: str, file_filter: str
) -> Path | None:
    """Ask where to save ``suggested_name``, starting in the workspace's exports folder.

    Returns the chosen path, or None when the operator cancelled.
    """
    start = exports_folder(ctx) / suggested_name
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start), file_filter)
    return Path(name) if name else None


def choose_folder(parent: QWidget, ctx: AppContext, title: str) -> Path | None:
    """Ask for a folder to write into (an evidence pack), starting in the exports folder."""
    name = QFileDialog.getExistingDirectory(parent, title, str(exports_folder(ctx)))
    return Path(name) if name else None
