"""Importers: Zendesk exports (API JSON and NDJSON), generic CSV and the HR roster.

Readers and row building are pure; :mod:`app.importers.loader` writes inside the caller's
transaction. Services call them through :class:`app.helpdesk.HelpdeskService`.
"""

from app.importers.problems import ImportFailed, ImportProblem, Location

__all__ = ["ImportFailed", "ImportProblem", "Location"]
