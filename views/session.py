"""The signed-in operator as the GUI sees it: one object panes ask for the current principal.

Step-up and unlock return a fresh Principal; holding it here means every pane uses the
newest one without being told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from app.security.auth import Principal


class CurrentOperator(QObject):
    """Holds the current principal; calling it returns the principal (a principal_provider)."""

    changed = Signal()

    def __init__(self, principal: Principal, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._principal = principal

    def __call__(self) -> Principal:
        return self._principal

    @property
    def principal(self) -> Principal:
        return self._principal

    def replace(self, principal: Principal) -> None:
        self._principal = principal
        self.changed.emit()
