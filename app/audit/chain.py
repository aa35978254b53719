"""Forward-secure MAC chain for the audit log (SECURITY.md §4, AUD-2/3/4).

Pure functions and small value types only: no database, no Qt, no clock. The storage layer
reads and writes `AuditEvent` rows and calls `seal_event` / `verify_chain`.

Scheme (Schneier–Kelsey style):

* ``K0`` is 32 random bytes made at workspace creation; the privacy officer keeps a copy offline.
* ``K(e+1) = HMAC-SHA256(K(e), b"privdesk-audit-evolve")`` — one-way, so a thief holding
  ``K(e)`` cannot compute any earlier key.
* ``mac = HMAC-SHA256(K(key_epoch), canonical_bytes(event))``; ``prev_mac`` is inside the
  canonical bytes, which links the events into a chain.
* The verifier derives every epoch key from ``K0`` and insists that each event verifies under
  the key of the epoch it *declares* (the systemd CVE-2023-31439 lesson).

This module seals events (`seal_event`, `ChainWriter`); the event and its bytes are in
`app.audit.canonical`, the keys in `app.audit.keys`, verification in `app.audit.verify`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.audit.canonical import (
    GENESIS_PREV_MAC,
    MAX_EPOCH,
    MAX_SEQ,
    Anchor,
    AuditEvent,
    canonical_dumps,
    event_body,
    mac_prefix,
    require_hex64,
    require_int,
    require_key,
)
from app.audit.keys import compute_mac, evolve


def seal_event(
    *,
    key: bytes,
    key_epoch: int,
    seq: int,
    prev_mac: str,
    ts_utc: str,
    actor: str | None,
    session_id: str | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    outcome: str,
    details: Mapping[str, Any],
) -> AuditEvent:
    """Build and MAC the next event with the CURRENT epoch key.

    The caller (the storage layer) reads the last row's seq and mac inside the same
    transaction, so a rolled-back write leaves no gap. Raises ValueError on bad input
    (floats in details, unknown outcome, malformed ts_utc, …); nothing is sealed then.
    """
    body = event_body(
        ts_utc=ts_utc,
        actor=actor,
        session_id=session_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=details,
    )
    data = mac_prefix(seq, key_epoch, prev_mac) + canonical_dumps(body)
    # Store the normalised deep copy: a caller mutating its dict later cannot desync the mac.
    frozen_details: Mapping[str, Any] = body["details"]  # type: ignore[assignment]
    return AuditEvent(
        seq=seq,
        ts_utc=ts_utc,
        actor=actor,
        session_id=session_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=frozen_details,
        key_epoch=key_epoch,
        prev_mac=prev_mac,
        mac=compute_mac(key, data),
    )


def anchor_for(event: AuditEvent, *, ts_utc: str | None = None) -> Anchor:
    """Checkpoint of the chain head at `event`, to export outside the database."""
    return Anchor(
        seq=event.seq,
        head_mac=event.mac,
        ts_utc=event.ts_utc if ts_utc is None else ts_utc,
        key_epoch=event.key_epoch,
    )


class ChainWriter:
    """In-memory writer holding only the CURRENT epoch key (forward security).

    Handy for tests and tools. The database layer should prefer `seal_event` with the last
    row read inside its transaction, because this object advances even if a commit fails.
    Python cannot wipe immutable bytes; evolving drops the only reference to the old key.
    """

    __slots__ = ("_head_epoch", "_key", "_key_epoch", "_next_seq", "_prev_mac")

    def __init__(
        self,
        *,
        key: bytes,
        key_epoch: int,
        next_seq: int = 1,
        prev_mac: str = GENESIS_PREV_MAC,
    ) -> None:
        require_key(key)
        require_int("key_epoch", key_epoch, 0, MAX_EPOCH)
        require_int("next_seq", next_seq, 1, MAX_SEQ)
        require_hex64("prev_mac", prev_mac)
        self._key = key
        self._key_epoch = key_epoch
        self._next_seq = next_seq
        self._prev_mac = prev_mac
        self._head_epoch: int | None = None

    @property
    def key_epoch(self) -> int:
        """Epoch of the key the next event will be sealed with."""
        return self._key_epoch

    @property
    def next_seq(self) -> int:
        """Seq the next event will get."""
        return self._next_seq

    @property
    def prev_mac(self) -> str:
        """Mac of the last sealed event (genesis zeros before the first)."""
        return self._prev_mac

    def evolve(self) -> None:
        """Move to the next epoch; the old key becomes unreachable from this object."""
        if self._key_epoch >= MAX_EPOCH:
            raise ValueError("the audit key epoch counter is exhausted")
        self._key = evolve(self._key)
        self._key_epoch += 1

    def seal(
        self,
        *,
        ts_utc: str,
        action: str,
        outcome: str = "ok",
        actor: str | None = None,
        session_id: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """Seal the next event and advance; on ValueError the writer is unchanged."""
        event = seal_event(
            key=self._key,
            key_epoch=self._key_epoch,
            seq=self._next_seq,
            prev_mac=self._prev_mac,
            ts_utc=ts_utc,
            actor=actor,
            session_id=session_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            details={} if details is None else details,
        )
        self._next_seq += 1
        self._prev_mac = event.mac
        self._head_epoch = event.key_epoch
        return event

    def anchor(self, *, ts_utc: str) -> Anchor:
        """Checkpoint of the current head; raises ValueError before the first event."""
        if self._head_epoch is None:
            raise ValueError("no event has been sealed by this writer yet")
        return Anchor(
            seq=self._next_seq - 1,
            head_mac=self._prev_mac,
            ts_utc=ts_utc,
            key_epoch=self._head_epoch,
        )

    def __repr__(self) -> str:
        # Never show the key.
        return f"ChainWriter(key_epoch={self._key_epoch}, next_seq={self._next_seq})"
