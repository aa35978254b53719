"""The pane contract and its registry.

A pane declares who it is (NAME, TITLE, ICON, ORDER) and what it needs (PERMISSION); the
main window builds its navigation from :func:`panes_for`, so adding a pane is adding a
module, and a pane an operator may not use is never constructed for them. The services
enforce the permission again: hiding is a courtesy, not the control.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import TaskRunner
    from app.security.auth import Principal
    from app.security.permissions import Permission
    from views.session import CurrentOperator
    from views.widgets import Banner


class Pane(QWidget):
    NAME: ClassVar[str] = ""
    TITLE: ClassVar[str] = ""
    ICON: ClassVar[str | None] = None  # freedesktop theme icon name
    ORDER: ClassVar[int] = 100
    PERMISSION: ClassVar[Permission | None] = None

    sessionProblem = Signal(object)  # SessionLocked / SessionExpired: the window handles it
    settingsChanged = Signal()  # e.g. the idle timeout; the window re-reads what it uses

    def __init__(
        self,
        ctx: AppContext,
        principal: CurrentOperator,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # The live session, not just any principal provider: calling it gives the current
        # principal, and step-up (run_guarded) replaces the principal held in it.
        self.principal = principal
        self.tasks = tasks

    def refresh(self) -> None:
        """Reload what the pane shows (called when it is first shown and on demand)."""

    def can(self, permission: Permission) -> bool:
        """For enabling buttons only; the service checks again and decides."""
        return self.principal().can(permission)

    def report(self, exc: BaseException, banner: Banner, doing: str) -> None:
        """Show a service error; a locked or ended session goes to the window instead."""
        if type(exc).__name__ in ("SessionLocked", "SessionExpired"):
            self.sessionProblem.emit(exc)
        else:
            banner.show_error(exc, doing=doing)


P = TypeVar("P", bound=type[Pane])

_REGISTRY: dict[str, type[Pane]] = {}


def register_pane(cls: P) -> P:
    if not cls.NAME:
        raise ValueError(f"{cls.__name__} needs a NAME")
    _REGISTRY[cls.NAME] = cls
    return cls


def all_panes() -> list[type[Pane]]:
    _load_builtin()
    return sorted(_REGISTRY.values(), key=lambda c: (c.ORDER, c.NAME))


def panes_for(principal: Principal) -> list[type[Pane]]:
    """The panes this operator may open, in navigation order."""
    return [c for c in all_panes() if c.PERMISSION is None or principal.can(c.PERMISSION)]


def _load_builtin() -> None:
    # Every module in views/panes/ that defines a pane registers it on import; importing
    # them here (not at startup) keeps the first window light. Helper modules are skipped.
    import importlib
    import pkgutil

    import views.panes as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_") or info.name in _NOT_PANES:
            continue
        importlib.import_module(f"views.panes.{info.name}")


_NOT_PANES = frozenset({"base", "table_model", "operator_dialogs"})
