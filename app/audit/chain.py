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
"""

from __future__ import annotations

import enum
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

__all__ = [
    "GENESIS_PREV_MAC",
    "KEY_BYTES",
    "OUTCOMES",
    "Anchor",
    "AuditEvent",
    "ChainWriter",
    "PruneStart",
    "VerifyResult",
    "VerifyStatus",
    "anchor_for",
    "canonical_bytes",
    "canonical_json",
    "compute_mac",
    "evolve",
    "key_for_epoch",
    "new_k0",
    "seal_event",
    "verify_chain",
]

MAGIC: Final = b"PRIVDESK-AUDITv1\x00"
EVOLVE_LABEL: Final = b"privdesk-audit-evolve"
KEY_BYTES: Final = 32
GENESIS_PREV_MAC: Final = "0" * 64
OUTCOMES: Final = frozenset({"ok", "denied", "error"})

MAX_SEQ: Final = 2**64 - 1  # 8-byte big-endian field
MAX_EPOCH: Final = 2**32 - 1  # 4-byte big-endian field
# I-JSON (RFC 7493) safe integers, so a verifier written in any language rebuilds the same bytes.
MAX_SAFE_INT: Final = 2**53 - 1
MAX_DETAILS_DEPTH: Final = 32

# Epochs advance daily and at each app start, so consecutive events are a handful of epochs
# apart. A stored event claiming a huge jump would make the verifier derive millions of keys;
# refuse it instead (it cannot be genuine).
MAX_EPOCH_JUMP: Final = 100_000
# How far past the declared epoch to look for a key that *does* verify a bad MAC (the thief's
# key is usually the newest one, so the chain's highest epoch is also tried).
EPOCH_PROBE_WINDOW: Final = 64

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class AuditEvent:
    """One sealed audit record, exactly as stored.

    `details` holds ids, counts and field names only — never personal-data values or secrets.
    """

    seq: int
    ts_utc: str
    actor: str | None
    session_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: Mapping[str, Any]
    key_epoch: int
    prev_mac: str
    mac: str


@dataclass(frozen=True)
class Anchor:
    """A checkpoint of the chain head recorded OUTSIDE the database (anchor file, backups)."""

    seq: int
    head_mac: str
    ts_utc: str
    key_epoch: int

    def __post_init__(self) -> None:
        _require_int("anchor seq", self.seq, 1, MAX_SEQ)
        _require_hex64("anchor head_mac", self.head_mac)
        _require_ts("anchor ts_utc", self.ts_utc)
        _require_int("anchor key_epoch", self.key_epoch, 0, MAX_EPOCH)


@dataclass(frozen=True)
class PruneStart:
    """Where verification starts after retention pruning removed seq 1..next_seq-1."""

    next_seq: int
    prev_mac: str
    key_epoch: int

    def __post_init__(self) -> None:
        _require_int("prune start next_seq", self.next_seq, 1, MAX_SEQ)
        _require_hex64("prune start prev_mac", self.prev_mac)
        _require_int("prune start key_epoch", self.key_epoch, 0, MAX_EPOCH)


class VerifyStatus(enum.Enum):
    """Outcome of `verify_chain`; everything except OK is an integrity incident."""

    OK = "ok"
    MODIFIED = "modified"
    MISSING = "missing"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    EPOCH_MISMATCH = "epoch_mismatch"
    CLOCK_ROLLBACK = "clock_rollback"


@dataclass(frozen=True)
class VerifyResult:
    """What the verifier found.

    `seq` is the first seq concerned (None when OK). `count` is the number of events that
    passed every check before the walk stopped; `head_mac` is the mac of the last of them.
    `message` is one plain-English sentence with seq numbers only, never event contents.
    """

    status: VerifyStatus
    seq: int | None
    count: int
    head_mac: str | None
    message: str

    @property
    def ok(self) -> bool:
        """True when the chain verified cleanly."""
        return self.status is VerifyStatus.OK


# --------------------------------------------------------------------------- validation


def _require_int(name: str, value: object, lo: int, hi: int) -> None:
    # bool is an int subclass; True must not pass as seq 1.
    if type(value) is not int or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}")


def _require_hex64(name: str, value: object) -> None:
    if not isinstance(value, str) or _HEX64.fullmatch(value) is None:
        raise ValueError(f"{name} must be 64 lower-case hex characters")


def _require_ts(name: str, value: object) -> None:
    if not isinstance(value, str) or _TS.fullmatch(value) is None:
        raise ValueError(f"{name} must be RFC 3339 UTC like 2026-11-27T12:00:00.123456Z")


def _require_opt_str(name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string or None")


def _require_key(key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        # Deliberately says nothing about the value: it may be a real key.
        raise ValueError(f"an audit key must be exactly {KEY_BYTES} bytes")
    return key


def _parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


# --------------------------------------------------------------------------- canonical form


def _normalise(value: object, path: str, depth: int) -> object:
    """Copy `value` into plain JSON types, rejecting anything ambiguous."""
    if depth > MAX_DETAILS_DEPTH:
        raise ValueError(f"details nest deeper than {MAX_DETAILS_DEPTH} levels at {path}")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise ValueError(f"integer at {path} is outside the JSON-safe range ±(2**53-1)")
        return int(value)  # int subclasses (IntEnum) would otherwise serialise by name
    if isinstance(value, float):
        raise ValueError(
            f"float at {path}: audit details allow integers only, so the canonical JSON "
            "is unambiguous; store a count or a string instead"
        )
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for k, v in value.items():
            # {1: x} and {"1": x} would serialise identically: refuse non-string keys.
            if not isinstance(k, str):
                raise ValueError(f"non-string key at {path}: JSON object keys must be strings")
            out[k] = _normalise(v, f"{path}.{k}", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    raise ValueError(
        f"unsupported type {type(value).__name__} at {path}: use str, int, bool, None, list or dict"
    )


def _dumps(value: object) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains an unpaired surrogate and is not valid UTF-8") from None


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Canonical UTF-8 JSON of a details mapping: sorted keys, no spaces, no floats.

    Raises ValueError for floats, non-string keys, unsupported types or unpaired surrogates.
    """
    return _dumps(_normalise(value, "details", 0))


def _body(
    *,
    ts_utc: str,
    actor: str | None,
    session_id: str | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    outcome: str,
    details: Mapping[str, Any],
) -> dict[str, object]:
    _require_ts("ts_utc", ts_utc)
    _require_opt_str("actor", actor)
    _require_opt_str("session_id", session_id)
    _require_opt_str("object_type", object_type)
    _require_opt_str("object_id", object_id)
    if not isinstance(action, str) or not action:
        raise ValueError("action must be a non-empty string")
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be one of: ok, denied, error")
    if not isinstance(details, Mapping):
        raise ValueError("details must be a mapping")
    return {
        "action": action,
        "actor": actor,
        "details": _normalise(details, "details", 0),
        "object_id": object_id,
        "object_type": object_type,
        "outcome": outcome,
        "session_id": session_id,
        "ts_utc": ts_utc,
    }


def _prefix(seq: int, key_epoch: int, prev_mac: str) -> bytes:
    _require_int("seq", seq, 1, MAX_SEQ)
    _require_int("key_epoch", key_epoch, 0, MAX_EPOCH)
    _require_hex64("prev_mac", prev_mac)
    return MAGIC + seq.to_bytes(8, "big") + key_epoch.to_bytes(4, "big") + bytes.fromhex(prev_mac)


def canonical_bytes(event: AuditEvent) -> bytes:
    """The exact bytes the mac covers: binary prefix + canonical JSON of the other fields.

    Prefix = magic + seq (8 bytes BE) + key_epoch (4 bytes BE) + prev_mac (32 raw bytes).
    The JSON holds every remaining field except `mac`. Raises ValueError on malformed fields.
    """
    body = _body(
        ts_utc=event.ts_utc,
        actor=event.actor,
        session_id=event.session_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=event.outcome,
        details=event.details,
    )
    return _prefix(event.seq, event.key_epoch, event.prev_mac) + _dumps(body)


# --------------------------------------------------------------------------- keys and macs


def new_k0() -> bytes:
    """Fresh random K0 for a new workspace (export it once in the verifier kit)."""
    return secrets.token_bytes(KEY_BYTES)


def evolve(key: bytes) -> bytes:
    """Next epoch key: K(e+1) = HMAC-SHA256(K(e), b"privdesk-audit-evolve"). One-way."""
    return hmac.digest(_require_key(key), EVOLVE_LABEL, "sha256")


def key_for_epoch(k0: bytes, epoch: int) -> bytes:
    """K(epoch) derived from K0 by evolving `epoch` times (verifier side only)."""
    _require_int("epoch", epoch, 0, MAX_EPOCH)
    key = _require_key(k0)
    for _ in range(epoch):
        key = hmac.digest(key, EVOLVE_LABEL, "sha256")
    return key


def compute_mac(key: bytes, data: bytes) -> str:
    """Hex HMAC-SHA256 of canonical bytes under an epoch key."""
    return hmac.digest(_require_key(key), data, "sha256").hex()


class _EpochKeys:
    """Epoch keys derived once each, incrementally, as the verifier needs them."""

    __slots__ = ("_keys",)

    def __init__(self, k0: bytes) -> None:
        self._keys = [_require_key(k0)]

    def get(self, epoch: int) -> bytes:
        keys = self._keys
        while len(keys) <= epoch:
            keys.append(hmac.digest(keys[-1], EVOLVE_LABEL, "sha256"))
        return keys[epoch]

    def __repr__(self) -> str:
        return f"<_EpochKeys derived={len(self._keys)}>"


# --------------------------------------------------------------------------- writing


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
    body = _body(
        ts_utc=ts_utc,
        actor=actor,
        session_id=session_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=details,
    )
    data = _prefix(seq, key_epoch, prev_mac) + _dumps(body)
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
        _require_key(key)
        _require_int("key_epoch", key_epoch, 0, MAX_EPOCH)
        _require_int("next_seq", next_seq, 1, MAX_SEQ)
        _require_hex64("prev_mac", prev_mac)
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


# --------------------------------------------------------------------------- verifying


@dataclass
class _Walk:
    """Mutable state of one verification walk."""

    expected: int
    prev_mac: str
    prev_epoch: int
    prev_ts: datetime | None = None
    count: int = 0
    head_mac: str | None = None
    anchors: dict[int, list[Anchor]] = field(default_factory=dict)

    def result(self, status: VerifyStatus, seq: int | None, message: str) -> VerifyResult:
        return VerifyResult(status, seq, self.count, self.head_mac, message)


def _probe_other_epochs(
    keys: _EpochKeys,
    data: bytes,
    mac: str,
    declared: int,
    rest: Iterator[AuditEvent],
    anchors: Sequence[Anchor],
) -> int | None:
    """Find an epoch other than `declared` whose key verifies `mac`, if any.

    A thief holding K(now) can re-sign old events but only with K(now) or later, so look
    upward first: a window past the declared epoch, then up to the highest epoch the rest of
    the chain or the anchors mention. Lower epochs are tried last (a writer bug, not a thief).
    """
    highest = declared + EPOCH_PROBE_WINDOW
    for later in rest:  # the walk stops here anyway; only read epochs, no macs
        if type(later.key_epoch) is int:
            highest = max(highest, later.key_epoch)
    for anchor in anchors:
        highest = max(highest, anchor.key_epoch)
    highest = min(highest + 2, declared + MAX_EPOCH_JUMP, MAX_EPOCH)
    candidates = itertools.chain(range(declared + 1, highest + 1), range(declared - 1, -1, -1))
    for epoch in itertools.islice(candidates, MAX_EPOCH_JUMP):
        if _mac_equal(compute_mac(keys.get(epoch), data), mac):
            return epoch
    return None


def _mac_equal(expected_hex: str, got: object) -> bool:
    if not isinstance(got, str) or len(got) != len(expected_hex):
        return False
    return hmac.compare_digest(expected_hex.encode("ascii"), got.encode("utf-8"))


def _anchor_conflict(walk: _Walk, seq: int, head_mac: str, key_epoch: int) -> VerifyResult | None:
    """Compare the chain at `seq` with any external anchor recorded there."""
    for anchor in walk.anchors.get(seq, ()):
        if anchor.head_mac == head_mac:
            continue
        if anchor.key_epoch != key_epoch:
            return walk.result(
                VerifyStatus.EPOCH_MISMATCH,
                seq,
                f"Audit event {seq} was re-sealed under key epoch {key_epoch}, but the external "
                f"checkpoint recorded epoch {anchor.key_epoch}.",
            )
        return walk.result(
            VerifyStatus.MODIFIED,
            seq,
            f"The audit log at event {seq} does not match the external checkpoint; "
            "the chain was rewritten.",
        )
    return None


def verify_chain(
    events: Iterable[AuditEvent],
    *,
    k0: bytes,
    anchors: Sequence[Anchor] = (),
    start: PruneStart | None = None,
    clock_tolerance_s: float = 2.0,
) -> VerifyResult:
    """Walk the events in STORAGE (rowid) order and report the first problem.

    Per event, in this order: REORDERED (seq not above the previous one; a repeated seq
    counts too), MISSING (a gap; if the skipped seq appears later in storage it is REORDERED
    instead, at that seq), EPOCH_MISMATCH (epoch decreases, or the mac fails under the
    declared epoch's key but verifies under another epoch's key), MODIFIED (mac or prev_mac
    link wrong, or a field cannot be canonicalised), an external anchor at this seq with a
    different head (MODIFIED; EPOCH_MISMATCH if the anchor's epoch differs too), then
    CLOCK_ROLLBACK (ts more than `clock_tolerance_s` before the previous event's). After the
    walk, an anchor beyond the last seq gives TRUNCATED at the newest such anchor's seq.

    `start` resumes mid-chain after retention pruning; anchors inside the pruned range are
    skipped, except one at `start.next_seq - 1`, which must equal `start.prev_mac`.
    Epoch keys are derived from `k0` once each, as the walk reaches them.
    """
    keys = _EpochKeys(k0)
    tolerance = timedelta(seconds=clock_tolerance_s)
    first = 1 if start is None else start.next_seq
    walk = _Walk(
        expected=first,
        prev_mac=GENESIS_PREV_MAC if start is None else start.prev_mac,
        prev_epoch=0 if start is None else start.key_epoch,
    )
    for anchor in anchors:
        if anchor.seq >= first - 1:
            walk.anchors.setdefault(anchor.seq, []).append(anchor)

    if start is not None and any(
        a.head_mac != start.prev_mac for a in walk.anchors.get(first - 1, ())
    ):
        return walk.result(
            VerifyStatus.MODIFIED,
            first - 1,
            f"The prune start does not match the external checkpoint at event {first - 1}.",
        )

    rest = iter(events)
    for event in rest:
        seq = event.seq
        if type(seq) is not int:
            return walk.result(
                VerifyStatus.MODIFIED, walk.expected, "An audit event has no valid seq number."
            )
        if seq < walk.expected:
            if walk.count == 0:
                return walk.result(
                    VerifyStatus.MODIFIED,
                    seq,
                    f"The audit log starts at event {seq}, before the expected first event "
                    f"{walk.expected}.",
                )
            where = "again" if seq == walk.expected - 1 else f"after event {walk.expected - 1}"
            return walk.result(
                VerifyStatus.REORDERED,
                seq,
                f"Audit event {seq} is stored {where}; the log was reordered.",
            )
        if seq > walk.expected:
            missing = walk.expected
            if any(later.seq == missing for later in rest):
                return walk.result(
                    VerifyStatus.REORDERED,
                    missing,
                    f"Audit event {missing} is stored out of order; the log was reordered.",
                )
            return walk.result(
                VerifyStatus.MISSING,
                missing,
                f"Audit event {missing} is missing from the log."
                if seq - 1 == missing
                else f"Audit events {missing} to {seq - 1} are missing from the log.",
            )

        try:
            data = canonical_bytes(event)
        except ValueError:
            return walk.result(
                VerifyStatus.MODIFIED,
                seq,
                f"Audit event {seq} has malformed fields; it was altered after it was written.",
            )
        epoch = event.key_epoch
        if epoch < walk.prev_epoch:
            return walk.result(
                VerifyStatus.EPOCH_MISMATCH,
                seq,
                f"Audit event {seq} declares key epoch {epoch}, earlier than the epoch "
                f"{walk.prev_epoch} before it.",
            )
        if epoch - walk.prev_epoch > MAX_EPOCH_JUMP:
            return walk.result(
                VerifyStatus.EPOCH_MISMATCH,
                seq,
                f"Audit event {seq} declares an implausible jump in key epoch.",
            )
        if not _mac_equal(compute_mac(keys.get(epoch), data), event.mac):
            other = _probe_other_epochs(keys, data, event.mac, epoch, rest, anchors)
            if other is not None:
                return walk.result(
                    VerifyStatus.EPOCH_MISMATCH,
                    seq,
                    f"Audit event {seq} declares key epoch {epoch} but was sealed with the key "
                    f"of epoch {other}; it was forged with a later key.",
                )
            return walk.result(
                VerifyStatus.MODIFIED,
                seq,
                f"Audit event {seq} was changed after it was written (its MAC does not match).",
            )
        if event.prev_mac != walk.prev_mac:
            return walk.result(
                VerifyStatus.MODIFIED,
                seq,
                f"Audit event {seq} does not link to the event before it; the chain was altered.",
            )
        conflict = _anchor_conflict(walk, seq, event.mac, epoch)
        if conflict is not None:
            return conflict
        ts = _parse_ts(event.ts_utc)
        if walk.prev_ts is not None and ts < walk.prev_ts - tolerance:
            return walk.result(
                VerifyStatus.CLOCK_ROLLBACK,
                seq,
                f"Audit event {seq} is dated earlier than the event before it; the system "
                "clock went backwards.",
            )

        walk.expected = seq + 1
        walk.prev_mac = event.mac
        walk.prev_epoch = epoch
        walk.prev_ts = ts
        walk.count += 1
        walk.head_mac = event.mac

    last_seq = walk.expected - 1
    beyond = [a.seq for a in anchors if a.seq > last_seq]
    if beyond:
        expected_seq = max(beyond)
        return walk.result(
            VerifyStatus.TRUNCATED,
            expected_seq,
            f"The audit log ends at event {last_seq}, but an external checkpoint records "
            f"event {expected_seq}; the log was truncated or rolled back.",
        )
    return walk.result(
        VerifyStatus.OK,
        None,
        f"All {walk.count} audit events verified.",
    )
