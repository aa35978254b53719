"""Who holds the workspace's write lock: the lock record beside the database.

A long writer (an import, a history redaction) writes `.privdesk-busy.json` once it holds
SQLite's write lock and removes it when it ends. The record holds only the operation
kind, the operator's username, the start time (UTC) and the process id — no personal
data. A record whose process is gone is stale and ignored (a killed import leaves one
behind; the next long writer replaces it).

A writer that cannot get the lock within the busy timeout raises :class:`WorkspaceBusy`
with the record's sentence: "the workspace is busy: an import is running (started 10:42
by priya)". The time is UTC, like every time the CLI prints.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.clock import Clock, utc_iso
from app.errors import WorkspaceBusy

BUSY_NAME = ".privdesk-busy.json"
# Milliseconds a writer waits for the write lock before giving up with WorkspaceBusy.
BUSY_TIMEOUT_ENV = "PRIVDESK_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 10_000

RUNNING = {
    "import": "an import is running",
    "history-redaction": "a history redaction is running",
    "backup": "a backup is running",
    "rekey": "a key rotation is running",
    "retention": "a retention run is running",
}


@dataclass(frozen=True)
class BusyRecord:
    operation: str
    operator: str
    started_utc: str
    pid: int

    def sentence(self) -> str:
        running = RUNNING.get(self.operation, "another operation is running")
        try:
            started = datetime.fromisoformat(self.started_utc.replace("Z", "+00:00"))
            when = f"started {started:%H:%M} by {self.operator}"
        except ValueError:
            when = f"by {self.operator}"
        return f"the workspace is busy: {running} ({when})"


def busy_timeout_ms() -> int:
    """The busy timeout: PRIVDESK_BUSY_TIMEOUT_MS if set to a whole number, else 10 s."""
    raw = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if raw.isdigit():
        return min(int(raw), 600_000)
    return DEFAULT_BUSY_TIMEOUT_MS


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def read_record(folder: Path) -> BusyRecord | None:
    """The live lock record, or None (none, unreadable, or its process is gone)."""
    try:
        data = json.loads((folder / BUSY_NAME).read_text(encoding="utf-8"))
        record = BusyRecord(
            operation=str(data["operation"]),
            operator=str(data["operator"]),
            started_utc=str(data["started_utc"]),
            pid=int(data["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if _alive(record.pid) else None


def busy_error(folder: Path) -> WorkspaceBusy:
    record = read_record(folder)
    if record is None:
        return WorkspaceBusy(
            "the workspace is busy: another PrivDesk process is writing to it; try again"
        )
    return WorkspaceBusy(record.sentence())


@contextlib.contextmanager
def holding(folder: Path, operation: str, operator: str, clock: Clock) -> Iterator[BusyRecord]:
    """Announce a long write for its duration (call once the write lock is held)."""
    record = BusyRecord(operation, operator, utc_iso(clock.now()), os.getpid())
    path = folder / BUSY_NAME
    tmp = folder / f"{BUSY_NAME}.{os.getpid()}.tmp"
    body = json.dumps(record.__dict__, sort_keys=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.replace(tmp, path)
    try:
        yield record
    finally:
        with contextlib.suppress(OSError, ValueError):
            # Only our own record: a later writer may have replaced a stale one of ours.
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()
