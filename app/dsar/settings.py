"""DSAR settings (the `dsar.*` keys of the settings registry) and the controller's local day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from app.dsar.errors import DsarError
from app.settings import SETTINGS

PREFIX = "dsar."
NAMES = tuple(spec.key.removeprefix(PREFIX) for spec in SETTINGS.in_area(PREFIX))


def setting(s: Session, name: str) -> Any:
    """A DSAR setting by its short name (``timezone``, ``pause_method``)."""
    return SETTINGS.get(s, PREFIX + name)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DsarError(f"unknown time zone {name!r}: use an IANA name like Europe/London") from exc


def local_today(s: Session, now: datetime) -> date:
    return now.astimezone(zone(setting(s, "timezone"))).date()
