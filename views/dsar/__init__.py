"""The DSAR queue pane (pane.py) and its actions, tables, dialogs and charts."""
