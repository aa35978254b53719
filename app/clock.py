"""Injectable clocks: every timer and timestamp in PrivDesk goes through one of these."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class FixedClock:
    """A clock tests move by hand; wall time and monotonic time can diverge on purpose."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    mono: float = 1000.0

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self.mono += seconds

    def set_wall(self, when: datetime) -> None:
        """Move only the wall clock (as a user changing the OS time would)."""
        self.current = when


def utc_iso(when: datetime) -> str:
    """RFC 3339 UTC with a trailing Z, second precision with microseconds if present."""
    text = when.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")
