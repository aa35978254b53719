"""One module per pane; each registers itself with :func:`register_pane`."""

from views.panes.base import Pane, all_panes, panes_for, register_pane

__all__ = ["Pane", "all_panes", "panes_for", "register_pane"]
