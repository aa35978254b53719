"""Verification of the audit chain: the first problem, named, with its seq."""

from __future__ import annotations

import enum
import hmac
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from app.audit.canonical import (
    GENESIS_PREV_MAC,
    MAX_EPOCH,
    Anchor,
    AuditEvent,
    PruneStart,
    canonical_bytes,
    parse_ts,
)
from app.audit.keys import EpochKeys, compute_mac

# Epochs advance daily and at each app start, so consecutive events are a handful of epochs
# apart. A stored event claiming a huge jump would make the verifier derive millions of keys;
# refuse it instead (it cannot be genuine).
MAX_EPOCH_JUMP: Final = 100_000
# How far past the declared epoch to look for a key that *does* verify a bad MAC (the thief's
# key is usually the newest one, so the chain's highest epoch is also tried).
EPOCH_PROBE_WINDOW: Final = 64


class VerifyStatus(enum.Enum):
    """Outcome of `verify_chain`; everything except OK is an integrity incident."""

    OK = "ok"
    MODIFIED = "modified"
    MISSING = "missing"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    EPOCH_MISMATCH = "epoch_mismatch"
    CLOCK_ROLLBACK = "clock_rollback"
    # The database records that checkpoints were exported (audit_state.last_anchor_seq) but
    # the anchor file outside it is gone or empty: the external evidence was deleted.
    ANCHORS_MISSING = "anchors_missing"
    # A line of the anchor file does not verify: its signature fails, it is not signed by the
    # key the line before it named, or the chain of keys does not start at the workspace's
    # anchor key (AUD-10).
    ANCHOR_FORGED = "anchor_forged"


@dataclass(frozen=True)
class VerifyResult:
    """What the verifier found.

    `seq` is the first seq concerned (None when OK). `count` is the number of events that
    passed every check before the walk stopped; `head_mac` is the mac of the last of them.
    `message` is one plain-English sentence with seq numbers only, never event contents.
    `anchor_check` says how the anchor file's signatures were checked (AUD-10).
    """

    status: VerifyStatus
    seq: int | None
    count: int
    head_mac: str | None
    message: str
    anchor_check: str = ""

    @property
    def ok(self) -> bool:
        """True when the chain verified cleanly."""
        return self.status is VerifyStatus.OK


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
    keys: EpochKeys,
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


def _anchor_conflict(
    walk: _Walk, seq: int, head_mac: str, key_epoch: int, ts_utc: str
) -> VerifyResult | None:
    """Compare the chain at `seq` with any external anchor recorded there."""
    for anchor in walk.anchors.get(seq, ()):
        if anchor.head_mac == head_mac:
            continue
        if parse_ts(ts_utc) > parse_ts(anchor.ts_utc):
            # The event at `seq` is dated after the checkpoint of `seq` was taken, and it
            # verified under its own epoch's key: the log was cut back below `seq` and
            # written again (today's key seals the new tail; it cannot restore the old).
            return walk.result(
                VerifyStatus.TRUNCATED,
                seq,
                f"The audit log was truncated before event {seq} and written again: event "
                f"{seq} is dated after the external checkpoint that recorded a different "
                f"event {seq}.",
            )
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
    different head (TRUNCATED if the event is dated after the anchor, i.e. the log was cut
    back and grown again; else MODIFIED, or EPOCH_MISMATCH if the anchor's epoch differs), then
    CLOCK_ROLLBACK (ts more than `clock_tolerance_s` before the previous event's). After the
    walk, an anchor beyond the last seq gives TRUNCATED at the newest such anchor's seq.

    `start` resumes mid-chain after retention pruning; anchors inside the pruned range are
    skipped, except one at `start.next_seq - 1`, which must equal `start.prev_mac`.
    Epoch keys are derived from `k0` once each, as the walk reaches them.
    """
    keys = EpochKeys(k0)
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
        conflict = _anchor_conflict(walk, seq, event.mac, epoch, event.ts_utc)
        if conflict is not None:
            return conflict
        ts = parse_ts(event.ts_utc)
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
