"""Widgets of the Redaction pane: rule library, test bench, labelled set, impact/history."""
