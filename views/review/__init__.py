"""Widgets, item models, dialogs and charts of the access review pane."""
