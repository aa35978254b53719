"""Widgets of the Incident drills pane (views/panes/drills.py hosts them)."""
