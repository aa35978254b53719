"""Verification without the kit: what can be checked with only the current epoch key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from app.audit.anchors import ANCHOR_FILENAME
from app.audit.canonical import GENESIS_PREV_MAC, Anchor, AuditEvent, PruneStart, canonical_bytes
from app.audit.keys import compute_mac
from app.audit.verify import VerifyResult, VerifyStatus


def verify_structure(
    events: Iterator[AuditEvent],
    *,
    current_key: bytes,
    current_epoch: int,
    anchors: list[Anchor],
    start: PruneStart | None,
    clock_tolerance_s: float = 2.0,
) -> VerifyResult:
    """Checks that need no K0: continuity, linkage, epochs, time, anchors, current-epoch MACs."""
    expected = start.next_seq if start else 1
    prev_mac = start.prev_mac if start else GENESIS_PREV_MAC
    prev_epoch = start.key_epoch if start else 0
    prev_ts: datetime | None = None
    by_seq = {a.seq: a for a in sorted(anchors, key=lambda a: a.ts_utc)}
    count = 0
    head: str | None = None
    for ev in events:
        if ev.seq < expected:
            return _bad(
                VerifyStatus.REORDERED, ev.seq, count, head, f"event {ev.seq} is out of order"
            )
        if ev.seq > expected:
            return _bad(
                VerifyStatus.MISSING,
                expected,
                count,
                head,
                f"events {expected}–{ev.seq - 1} are missing",
            )
        if ev.key_epoch < prev_epoch or ev.key_epoch > current_epoch:
            return _bad(
                VerifyStatus.EPOCH_MISMATCH,
                ev.seq,
                count,
                head,
                f"event {ev.seq} declares an impossible key epoch",
            )
        if ev.prev_mac != prev_mac:
            return _bad(
                VerifyStatus.MODIFIED,
                ev.seq,
                count,
                head,
                f"event {ev.seq} does not link to the event before it",
            )
        if (
            ev.key_epoch == current_epoch
            and compute_mac(current_key, canonical_bytes(ev)) != ev.mac
        ):
            return _bad(
                VerifyStatus.MODIFIED,
                ev.seq,
                count,
                head,
                f"event {ev.seq} was altered after it was written",
            )
        ts = datetime.fromisoformat(ev.ts_utc.replace("Z", "+00:00"))
        if prev_ts is not None and (prev_ts - ts).total_seconds() > clock_tolerance_s:
            return _bad(
                VerifyStatus.CLOCK_ROLLBACK,
                ev.seq,
                count,
                head,
                f"event {ev.seq} is dated before the event preceding it",
            )
        anchor = by_seq.get(ev.seq)
        if (
            anchor is not None
            and anchor.head_mac != ev.mac
            and ts > datetime.fromisoformat(anchor.ts_utc.replace("Z", "+00:00"))
        ):
            return _bad(
                VerifyStatus.TRUNCATED,
                ev.seq,
                count,
                head,
                f"the log was truncated before event {ev.seq} and written again: event "
                f"{ev.seq} is dated after the checkpoint that recorded a different event {ev.seq}",
            )
        if anchor is not None and anchor.head_mac != ev.mac:
            return _bad(
                VerifyStatus.MODIFIED,
                ev.seq,
                count,
                head,
                f"event {ev.seq} differs from the checkpoint recorded outside the DB",
            )
        prev_mac, prev_epoch, prev_ts, head = ev.mac, ev.key_epoch, ts, ev.mac
        expected += 1
        count += 1
    beyond = [a.seq for a in anchors if a.seq >= expected]
    if beyond:
        newest = max(beyond)
        return _bad(
            VerifyStatus.TRUNCATED,
            newest,
            count,
            head,
            f"the log ends at {expected - 1} but a checkpoint records event {newest}",
        )
    return VerifyResult(
        VerifyStatus.OK,
        None,
        count,
        head,
        f"{count} events verified (structure and current-epoch MACs; "
        "load the verifier kit to check every epoch)",
    )


def _bad(
    status: VerifyStatus, seq: int, count: int, head: str | None, message: str
) -> VerifyResult:
    return VerifyResult(status, seq, count, head, message)


def check_recorded_anchors(
    recorded: int, anchors: list[Anchor], last: int, result: VerifyResult
) -> VerifyResult:
    """The anchors the database says were exported must still be there (issue 14).

    `audit_state.last_anchor_seq` is the seq of the newest checkpoint written to the
    anchor file. A log that ends before it was truncated; an anchor file that is gone or
    stops before it lost its checkpoints. (Someone with the DB key can lower that number
    too; then only a copy of the anchor file kept elsewhere can tell.)
    """
    if not recorded:
        return result
    if last < recorded:
        return VerifyResult(
            VerifyStatus.TRUNCATED,
            recorded,
            result.count,
            result.head_mac,
            f"the log ends at event {last}, but the database records a checkpoint at "
            f"event {recorded}; the log was truncated or rolled back",
        )
    if not anchors:
        return VerifyResult(
            VerifyStatus.ANCHORS_MISSING,
            recorded,
            result.count,
            result.head_mac,
            f"{ANCHOR_FILENAME} is missing or empty, but the database records checkpoints "
            f"up to event {recorded}; the external checkpoints were deleted (put back a "
            "copy of the file kept elsewhere)",
        )
    newest = max(a.seq for a in anchors)
    if newest < recorded:
        return VerifyResult(
            VerifyStatus.TRUNCATED,
            recorded,
            result.count,
            result.head_mac,
            f"{ANCHOR_FILENAME} ends at event {newest}, but the database records a checkpoint "
            f"at event {recorded}; checkpoints were removed from the file",
        )
    return result
