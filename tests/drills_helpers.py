"""Shared test helper: an incident lead whose session survives a drill's long clock jumps."""

from __future__ import annotations

import json
from typing import Any

from models.workspace import Setting
from tests.conftest import SignedIn


def long_sessions(signed: SignedIn) -> None:
    """Drill tests jump the clock by hours; the idle lock and 12 h limit are not under test."""
    # Ten days is beyond what the registry lets an operator set, so the rows are written
    # directly: a test fixture, not a setting anyone could choose.
    with signed.ctx.session() as s:
        for key in ("idle_timeout_s", "absolute_session_s"):
            s.merge(Setting(key=key, value_json=json.dumps(10 * 24 * 3600)))


def incident_lead(signed: SignedIn, username: str = "ivan") -> Any:
    long_sessions(signed)
    principal, _ = signed.add_operator(username, ["incident_lead"])
    return principal
