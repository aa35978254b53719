"""DSAR settings (defaults, stored overrides) and the controller's local calendar day."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from app.dsar.errors import DsarError
from models.dsar import DsarSetting

SETTINGS: dict[str, Any] = {
    # How clarification pauses count (UK): "ico" (days between asking and the answer) or
    # "dpa-s54" (DPA 2018 s.54(3C): both end days excluded too).
    "pause_method": "ico",
    # The controller's time zone: decides the local date of receipt ("day one").
    "timezone": "Europe/London",
}


def setting(s: Session, key: str) -> Any:
    row = s.get(DsarSetting, key)
    return SETTINGS[key] if row is None else json.loads(row.value_json)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DsarError(f"unknown time zone {name!r}: use an IANA name like Europe/London") from exc


def local_today(s: Session, now: datetime) -> date:
    return now.astimezone(zone(setting(s, "timezone"))).date()
