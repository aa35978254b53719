"""The redaction pane (pane.py) and its tabs: rules, test bench, labelled set, impact/history."""
