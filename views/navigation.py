"""The panes of the main window, in navigation order: the one list to edit to add a pane.

The list holds import paths, resolved on first use, so the workspace picker and the
sign-in come up before any pane module (and what it imports) is loaded. Each pane still
declares its own NAME, TITLE, ICON, ORDER and PERMISSION; the list must follow ORDER
(a test checks it), so reading it shows the navigation as the operator sees it.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.security.auth import Principal
    from views.common.pane import Pane

PANES: tuple[str, ...] = (
    "views.review.pane:ReviewPane",
    "views.dsar.pane:DsarPane",
    "views.redaction.pane:RedactionPane",
    "views.drills.pane:DrillsPane",
    "views.inventory.pane:InventoryPane",
    "views.monitoring.pane:MonitoringPane",
    "views.vendors.pane:VendorsPane",
    "views.training.pane:TrainingPane",
    "views.compliance.pane:CompliancePane",
    "views.audit.pane:AuditPane",
    "views.directory.pane:DirectoryPane",
    "views.operators.pane:OperatorsPane",
    "views.security.pane:SecurityPane",
)


def _resolve(path: str) -> type[Pane]:
    from views.common.pane import Pane

    module, _, name = path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Pane) and cls.NAME):
        raise TypeError(f"{path} is not a Pane with a NAME")
    return cls


@functools.cache
def all_panes() -> tuple[type[Pane], ...]:
    """Every pane class, in navigation order (ORDER, then NAME)."""
    panes = [_resolve(path) for path in PANES]
    names = [cls.NAME for cls in panes]
    if len(set(names)) != len(names):
        raise ValueError(f"two panes share a NAME: {sorted(names)}")
    return tuple(sorted(panes, key=lambda c: (c.ORDER, c.NAME)))


def panes_for(principal: Principal) -> list[type[Pane]]:
    """The panes this operator may open, in navigation order."""
    return [c for c in all_panes() if c.visible_to(principal)]
