"""Importing help-desk data from the GUI (the dialog behind Workspace → Import help-desk data…)."""

from views.imports.dialog import ImportDialog
from views.imports.request import ImportRequest

__all__ = ["ImportDialog", "ImportRequest"]
