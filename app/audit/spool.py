"""Audit events a reader could not write at once, because another process held the lock.

A read (a search, a list) never waits for a writer, yet its audit event must not be lost
(AUTH-12). The chain can only grow inside a write transaction, so when the write lock is
taken the reader seals its events into an encrypted spool file in `audit-spool/`
(AES-256-GCM under a key derived from the KEK, so a rekey does not orphan them; details
masked as in the log). The next write transaction of any process claims each file (an
atomic rename, so two processes never merge the same one), appends its events to the
chain with the time they happened as `details.deferred_from`, and deletes the file after
its commit; on rollback the file is put back. A file that does not decrypt is recorded
as `audit.spool_invalid` and kept aside as `*.invalid`.

Guarantee: at least once. A crash between the commit and the deletion merges that file
again (the copies carry the same `spool` id). Deleting a spool file before it is merged
loses its events without a trace in the chain — the window is the length of the write
that held the lock; `privdesk verify` lists files still waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SPOOL_DIR = "audit-spool"
SUFFIX = ".spool"
KEY_PURPOSE = b"audit-spool-v1"
_MAGIC = b"PDSP1"
_NONCE = 12


@dataclass(frozen=True)
class PendingEvent:
    """One audit event as `AuditLog.record` takes it, with the time it happened."""

    ts_utc: str
    action: str
    actor: str | None = None
    session_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str = "ok"
    details: Mapping[str, Any] = field(default_factory=dict)


def spool_dir(folder: Path) -> Path:
    return folder / SPOOL_DIR


def waiting(folder: Path) -> list[Path]:
    """Spool files not merged yet (including ones claimed by a process that died)."""
    d = spool_dir(folder)
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix == SUFFIX or ".claimed-" in p.name)


def write(folder: Path, key: bytes, events: list[PendingEvent]) -> Path:
    """Seal `events` into a new spool file (atomic: a reader never sees half of one)."""
    d = spool_dir(folder)
    d.mkdir(mode=0o700, exist_ok=True)
    name = f"{events[0].ts_utc.replace(':', '')}-{os.getpid()}-{secrets.token_hex(6)}"
    body = json.dumps([asdict(e) for e in events], sort_keys=True).encode("utf-8")
    nonce = secrets.token_bytes(_NONCE)
    blob = _MAGIC + nonce + AESGCM(key).encrypt(nonce, body, _aad(name))
    tmp = d / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    target = d / f"{name}{SUFFIX}"
    os.replace(tmp, target)
    return target


def read(path: Path, key: bytes, name: str) -> list[PendingEvent] | None:
    """The events of one spool file, or None if it is not one of ours (or was altered)."""
    try:
        blob = path.read_bytes()
        if not blob.startswith(_MAGIC):
            return None
        nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
        body = AESGCM(key).decrypt(nonce, blob[len(_MAGIC) + _NONCE :], _aad(name))
        rows = json.loads(body.decode("utf-8"))
        return [PendingEvent(**row) for row in rows]
    except (OSError, ValueError, TypeError, InvalidTag):
        return None


@dataclass
class Claimed:
    """Spool files this transaction took; `release` puts them back, `done` deletes them."""

    files: list[tuple[Path, Path]] = field(default_factory=list)  # (claimed, original)

    def done(self) -> None:
        for claimed, _original in self.files:
            with contextlib.suppress(OSError):
                claimed.unlink()

    def release(self) -> None:
        for claimed, original in self.files:
            with contextlib.suppress(OSError):
                os.replace(claimed, original)


def claim(folder: Path) -> Iterator[tuple[str, Path]]:
    """Claim each waiting file by renaming it; yields (spool name, claimed path).

    Files claimed by a process that no longer runs are taken back first.
    """
    tag = f".claimed-{os.getpid()}-{threading.get_ident()}"
    for path in waiting(folder):
        if ".claimed-" in path.name:
            stem, _, owner = path.name.partition(".claimed-")
            pid = owner.split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            source = path
        else:
            stem, source = path.name.removesuffix(SUFFIX), path
        target = path.with_name(stem + tag)
        try:
            os.replace(source, target)
        except OSError:
            continue  # another process took it first
        yield stem, target


def set_aside(claimed: Path, stem: str) -> None:
    with contextlib.suppress(OSError):
        os.replace(claimed, claimed.with_name(stem + ".invalid"))


def _aad(name: str) -> bytes:
    return b"privdesk audit spool|" + name.encode("utf-8")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
