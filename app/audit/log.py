"""The audit log in the database: sealing events inside the caller's transaction,
evolving the epoch key, writing anchors outside the database, and verifying.

Only the current epoch key is stored (inside the encrypted DB). K0 leaves the program once,
in the verifier kit, at creation. Without the kit, `verify` checks everything it can — seq
continuity, MAC linkage, epochs, time, anchors, and the MACs of the current epoch — and says
that older epochs need the kit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import anchors as anchor_file
from app.audit.canonical import GENESIS_PREV_MAC, Anchor, AuditEvent, PruneStart, canonical_bytes
from app.audit.chain import seal_event
from app.audit.keys import compute_mac, evolve, new_k0
from app.audit.verify import VerifyResult, VerifyStatus, verify_chain
from app.clock import Clock, utc_iso
from app.masking import mask_text
from models.security import AuditEntry, AuditState

ANCHOR_EVERY = 1000
EPOCH_LENGTH = timedelta(days=1)
ANCHORS_NAME = anchor_file.ANCHOR_FILENAME
_PENDING_ANCHOR = "privdesk.audit.pending_anchor"  # Session.info key


@dataclass(frozen=True)
class AuditRow:
    """An audit event as the UI and exports see it."""

    seq: int
    ts_utc: str
    actor: str | None
    session_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: Mapping[str, Any]


class AuditLog:
    """Writes and verifies the chain for one workspace."""

    def __init__(self, folder: Path, workspace_id: str, clock: Clock) -> None:
        self.anchors_path = folder / ANCHORS_NAME
        self.workspace_id = workspace_id
        self.clock = clock

    # ------------------------------------------------------------ setup

    def initialise(self, s: Session) -> bytes:
        """Create the chain state; returns K0 for the verifier kit (shown once, never stored)."""
        if s.get(AuditState, 1) is not None:
            raise RuntimeError("audit log already initialised")
        k0 = new_k0()
        s.add(
            AuditState(
                id=1,
                epoch=0,
                epoch_key=k0,
                epoch_started=utc_iso(self.clock.now()),
                last_seq=0,
                head_mac=GENESIS_PREV_MAC,
                last_anchor_seq=0,
                pruned_to_seq=0,
                pruned_prev_mac=None,
                pruned_epoch=0,
            )
        )
        return k0

    def initialised(self, s: Session) -> bool:
        return s.get(AuditState, 1) is not None

    def kit(self, k0: bytes) -> dict[str, str]:
        return anchor_file.make_kit(self.workspace_id, k0, created_utc=utc_iso(self.clock.now()))

    def start_epoch(self, s: Session) -> None:
        """Evolve the key at application start (forward security: yesterday's key is gone)."""
        state = self._state(s)
        self._evolve(s, state)

    # ------------------------------------------------------------ writing

    def record(
        self,
        s: Session,
        *,
        action: str,
        actor: str | None = None,
        session_id: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Append one sealed event in the caller's transaction; returns its seq (AUD-1)."""
        state = self._state(s)
        now = self.clock.now()
        started = datetime.fromisoformat(state.epoch_started.replace("Z", "+00:00"))
        if now - started >= EPOCH_LENGTH:
            self._evolve(s, state)
        sealed = seal_event(
            key=state.epoch_key,
            key_epoch=state.epoch,
            seq=state.last_seq + 1,
            prev_mac=state.head_mac,
            ts_utc=utc_iso(now),
            actor=actor,
            session_id=session_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            details=mask_details(details or {}),
        )
        s.add(
            AuditEntry(
                seq=sealed.seq,
                ts_utc=sealed.ts_utc,
                actor=sealed.actor,
                session_id=sealed.session_id,
                action=sealed.action,
                object_type=sealed.object_type,
                object_id=sealed.object_id,
                outcome=sealed.outcome,
                details_json=json.dumps(dict(sealed.details), sort_keys=True),
                key_epoch=sealed.key_epoch,
                prev_mac=sealed.prev_mac,
                mac=sealed.mac,
            )
        )
        state.last_seq, state.head_mac = sealed.seq, sealed.mac
        if sealed.seq - state.last_anchor_seq >= ANCHOR_EVERY:
            self._anchor_after_commit(s, state)
        return sealed.seq

    def checkpoint(self, s: Session) -> Anchor | None:
        """Record the current head outside the DB (clean shutdown, backups)."""
        state = self._state(s)
        if state.last_seq == 0 or state.last_anchor_seq == state.last_seq:
            return None
        return self._anchor_after_commit(s, state)

    def _state(self, s: Session) -> AuditState:
        state = s.get(AuditState, 1)
        if state is None:
            raise RuntimeError("audit log is not initialised")
        return state

    def _evolve(self, s: Session, state: AuditState) -> None:
        # An anchor before every evolution: it pins the last event sealed with the old key,
        # so a thief holding only the new key cannot relabel the end of the old epoch.
        if state.last_seq and state.last_anchor_seq != state.last_seq:
            self._anchor_after_commit(s, state)
        state.epoch_key = evolve(state.epoch_key)
        state.epoch += 1
        state.epoch_started = utc_iso(self.clock.now())

    def _anchor_after_commit(self, s: Session, state: AuditState) -> Anchor | None:
        if not self._file_agrees(s, state):
            # The head went back below the last checkpoint, or the anchor file lost lines:
            # writing now would hide that (verify reports it), so the evidence stays as is.
            return None
        anchor = Anchor(
            seq=state.last_seq,
            head_mac=state.head_mac,
            ts_utc=utc_iso(self.clock.now()),
            key_epoch=self._epoch_of_head(s, state),
        )
        state.last_anchor_seq = anchor.seq
        s.info[_PENDING_ANCHOR] = anchor.seq
        path = self.anchors_path

        # Only a committed head may be anchored; a rolled-back one would look like truncation.
        def _write(_session: Session) -> None:
            anchor_file.append_anchor(path, anchor)

        sa_event.listen(s, "after_commit", _write, once=True)
        return anchor

    def _file_agrees(self, s: Session, state: AuditState) -> bool:
        """True when the anchor file ends at the checkpoint the database last recorded."""
        if state.last_seq <= state.last_anchor_seq:
            return False
        if s.info.get(_PENDING_ANCHOR) == state.last_anchor_seq:
            return True  # recorded in this transaction; its line is written at commit
        try:
            anchors = anchor_file.read_anchors(self.anchors_path)
        except ValueError:
            return False
        newest = max((a.seq for a in anchors), default=0)
        return newest == state.last_anchor_seq

    def _epoch_of_head(self, s: Session, state: AuditState) -> int:
        pending = [o for o in s.new if isinstance(o, AuditEntry) and o.seq == state.last_seq]
        if pending:
            return pending[0].key_epoch
        row = s.get(AuditEntry, state.last_seq)
        return row.key_epoch if row is not None else state.epoch

    # ------------------------------------------------------------ reading

    def events(self, s: Session) -> Iterator[AuditEvent]:
        rows = s.execute(
            select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
        )
        for (row,) in rows:
            yield _to_event(row)

    def verify(self, s: Session, k0: bytes | None = None) -> VerifyResult:
        """Full verification with K0 (the verifier kit); structural checks without it."""
        state = self._state(s)
        anchors = anchor_file.read_anchors(self.anchors_path)
        start = None
        if state.pruned_to_seq:
            start = PruneStart(
                next_seq=state.pruned_to_seq + 1,
                prev_mac=state.pruned_prev_mac or GENESIS_PREV_MAC,
                key_epoch=state.pruned_epoch,
            )
        events = self.events(s)
        if k0 is not None:
            result = verify_chain(events, k0=k0, anchors=anchors, start=start)
        else:
            result = verify_structure(
                events,
                current_key=state.epoch_key,
                current_epoch=state.epoch,
                anchors=anchors,
                start=start,
            )
        if not result.ok:
            return result
        first = start.next_seq if start else 1
        last = first - 1 + result.count
        if state.last_seq != last:
            return VerifyResult(
                VerifyStatus.TRUNCATED,
                state.last_seq,
                result.count,
                result.head_mac,
                f"the log ends at event {last}, before event {state.last_seq}, the last one "
                "written",
            )
        return self._check_recorded_anchors(state, anchors, last, result)

    def _check_recorded_anchors(
        self, state: AuditState, anchors: list[Anchor], last: int, result: VerifyResult
    ) -> VerifyResult:
        """The anchors the database says were exported must still be there (issue 14).

        `audit_state.last_anchor_seq` is the seq of the newest checkpoint written to the
        anchor file. A log that ends before it was truncated; an anchor file that is gone or
        stops before it lost its checkpoints. (Someone with the DB key can lower that number
        too; then only a copy of the anchor file kept elsewhere can tell.)
        """
        recorded = state.last_anchor_seq
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
                f"{ANCHORS_NAME} is missing or empty, but the database records checkpoints "
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
                f"{ANCHORS_NAME} ends at event {newest}, but the database records a checkpoint "
                f"at event {recorded}; checkpoints were removed from the file",
            )
        return result


def mask_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """`details` with the personal data the redaction engine finds masked in every string.

    Free text reaches the details (reveal reasons, notes); an email or card number typed
    there must not be sealed into the log (AUD-8). Codes and ids contain nothing the engine
    finds, so they are unchanged; keys are kept as they are.
    """
    return {key: _mask_value(value) for key, value in details.items()}


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return mask_details(value)
    if isinstance(value, (list, tuple)):
        return [_mask_value(v) for v in value]
    return value


def _to_event(row: AuditEntry) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        ts_utc=row.ts_utc,
        actor=row.actor,
        session_id=row.session_id,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        outcome=row.outcome,
        details=json.loads(row.details_json),
        key_epoch=row.key_epoch,
        prev_mac=row.prev_mac,
        mac=row.mac,
    )


def to_row(row: AuditEntry) -> AuditRow:
    return AuditRow(
        seq=row.seq,
        ts_utc=row.ts_utc,
        actor=row.actor,
        session_id=row.session_id,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        outcome=row.outcome,
        details=json.loads(row.details_json),
    )


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
