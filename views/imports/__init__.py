"""Importing help-desk data from the GUI (the dialog behind Workspace → Import help-desk data…)."""

from views.imports.wizard import ImportDialog, ImportRequest

__all__ = ["ImportDialog", "ImportRequest"]
