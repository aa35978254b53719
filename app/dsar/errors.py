"""Errors of the DSAR services."""

from __future__ import annotations

from app.errors import PrivDeskError


class DsarError(PrivDeskError):
    pass


class NotFound(DsarError):
    pass
