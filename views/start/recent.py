"""Recently opened workspaces, remembered in QSettings (paths only, never keys)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "start/recentWorkspaces"
LIMIT = 8


class RecentWorkspaces:
    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else QSettings()

    def paths(self) -> list[Path]:
        value = self._settings.value(KEY, [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-item list
            return [Path(value)] if value else []
        if not isinstance(value, (list, tuple)):  # missing, or junk in the settings file
            return []
        return [Path(str(p)) for p in value]

    def remember(self, folder: Path) -> None:
        folder = Path(folder).resolve()
        paths = [folder] + [p for p in self.paths() if p != folder]
        self._settings.setValue(KEY, [str(p) for p in paths[:LIMIT]])

    def forget(self, folder: Path) -> None:
        folder = Path(folder).resolve()
        self._settings.setValue(KEY, [str(p) for p in self.paths() if p != folder])
