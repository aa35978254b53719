"""The access review pane (pane.py) and its widgets, item models, dialogs and charts."""
