"""The audit log in the database: sealing events inside the caller's transaction,
evolving the epoch key, writing anchors outside the database, and verifying.

Only the current epoch key is stored (inside the encrypted DB). K0 leaves the program once,
in the verifier kit, at creation. Without the kit, `verify` checks everything it can — seq
continuity, MAC linkage, epochs, time, anchors, and the MACs of the current epoch — and says
that older epochs need the kit.

The key evolves at every start, at clean shutdown, daily and every
`audit.evolve_every_events` events; each evolution first writes a signed anchor of the
head (AUD-10, `app.audit.signing`), so the key at rest has sealed nothing yet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import anchors as anchor_file
from app.audit import signing
from app.audit.canonical import GENESIS_PREV_MAC, Anchor, AuditEvent, PruneStart
from app.audit.chain import seal_event
from app.audit.keys import evolve, new_k0
from app.audit.structure import check_recorded_anchors, verify_structure
from app.audit.verify import VerifyResult, VerifyStatus, verify_chain
from app.clock import Clock, utc_iso
from app.masking import mask_text
from app.settings import SETTINGS
from models.security import AuditEntry, AuditState

ANCHOR_EVERY = 1000
EPOCH_LENGTH = timedelta(days=1)
ANCHORS_NAME = anchor_file.ANCHOR_FILENAME
_PENDING_ANCHOR = "privdesk.audit.pending_anchor"  # Session.info key
_EVOLVE_EVERY = "privdesk.audit.evolve_every"  # Session.info key: the setting, read once
EVOLVE_SETTING = "audit.evolve_every_events"
ROOT_ACTION = "audit.anchor_key"


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
        # The first anchor signing key is derived from K0, so the kit knows its public half;
        # the first anchor it signs also evolves K0 away (see _anchor_after_commit).
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
                anchor_sign_key=signing.root_seed(k0),
                anchor_count=0,
                anchor_root_epoch=0,
                last_anchor_line=None,
                epoch_start_seq=0,
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
        self._repair_lost_anchor(state)
        self._evolve(s, state)

    def _repair_lost_anchor(self, state: AuditState) -> None:
        """Put back the one line a crash between commit and append lost (the DB kept it).

        Only the newest signed line, only when the file ends exactly one signed line before
        it, and only if its signature verifies: it is genuine evidence, never a new claim."""
        if not state.last_anchor_line or not state.anchor_count:
            return
        try:
            stored = anchor_file.parse_anchor_line(state.last_anchor_line)
            anchors = anchor_file.read_anchors(self.anchors_path)
        except ValueError:
            return
        part = stored.signature
        if (
            part is None
            or part.n != state.anchor_count - 1
            or stored.seq != state.last_anchor_seq
            or not signing.signature_valid(self.workspace_id, stored)
        ):
            return
        signed = [a.signature for a in anchors if a.signature is not None]
        if signed:
            lost = signed[-1].n == part.n - 1 and signed[-1].next_pk == part.pk
        else:
            lost = part.n == 0
        if lost:
            anchor_file.append_anchor(self.anchors_path, stored)

    def shutdown(self, s: Session) -> None:
        """Clean shutdown: a signed anchor of the head, then evolve, so the key left at rest
        has sealed nothing and the anchor's signing key is gone (AUD-10)."""
        self._evolve(s, self._state(s))

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
        if (
            now - started >= EPOCH_LENGTH
            or state.last_seq - state.epoch_start_seq >= self._evolve_every(s)
        ):
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

    def _evolve_every(self, s: Session) -> int:
        value = s.info.get(_EVOLVE_EVERY)
        if value is None:
            with s.no_autoflush:  # reading a setting must not flush the caller's work
                value = s.info[_EVOLVE_EVERY] = int(SETTINGS.get(s, EVOLVE_SETTING))
        return int(value)

    def _evolve(self, s: Session, state: AuditState) -> None:
        # The first signing key is derived from the key about to be evolved away, in this
        # transaction, so it is never at rest next to the key it was derived from.
        self._ensure_signing(s, state)
        # An anchor before every evolution: it pins the last event sealed with the old key,
        # so a thief holding only the new key cannot relabel the end of the old epoch.
        if state.last_seq and state.last_anchor_seq != state.last_seq:
            self._anchor_after_commit(s, state, evolving=True)
        self._evolve_key(state)

    def _evolve_key(self, state: AuditState) -> None:
        state.epoch_key = evolve(state.epoch_key)
        state.epoch += 1
        state.epoch_started = utc_iso(self.clock.now())
        state.epoch_start_seq = state.last_seq

    def _ensure_signing(self, s: Session, state: AuditState) -> None:
        """Give a workspace without a signing key its root key (new, or from before AUD-10).

        The root is derived from the current epoch key, and an event names its public half
        and epoch; the MAC chain authenticates that event for a verifier holding the kit."""
        if state.anchor_sign_key is not None:
            return
        seed = signing.root_seed(state.epoch_key)
        state.anchor_sign_key = seed
        state.anchor_root_epoch = state.epoch
        self.record(
            s,
            action=ROOT_ACTION,
            object_type="workspace",
            object_id=self.workspace_id,
            details={"public_key": signing.public_key_hex(seed), "root_epoch": state.epoch},
        )

    def _anchor_after_commit(
        self, s: Session, state: AuditState, *, evolving: bool = False
    ) -> Anchor | None:
        if not self._file_agrees(s, state):
            # The head went back below the last checkpoint, or the anchor file lost lines:
            # writing now would hide that (verify reports it), so the evidence stays as is.
            return None
        seed = state.anchor_sign_key
        if seed is None:
            # No signing key yet (a context that never started an epoch): start one, which
            # derives the root from this key, anchors the head with it and evolves the key.
            self._evolve(s, state)
            return None
        next_seed = signing.new_seed()
        anchor = signing.sign_anchor(
            self.workspace_id,
            Anchor(
                seq=state.last_seq,
                head_mac=state.head_mac,
                ts_utc=utc_iso(self.clock.now()),
                key_epoch=self._epoch_of_head(s, state),
            ),
            seed=seed,
            n=state.anchor_count,
            next_pk=signing.public_key_hex(next_seed),
            root_epoch=state.anchor_root_epoch or 0,
        )
        # The used key is replaced in this transaction: once committed, it is gone.
        state.anchor_sign_key = next_seed
        anchor_count_was_zero = state.anchor_count == 0
        state.anchor_count += 1
        state.last_anchor_seq = anchor.seq
        state.last_anchor_line = anchor_file.anchor_line(anchor)
        if anchor_count_was_zero and not evolving and state.epoch == state.anchor_root_epoch:
            # The root key can be derived again from the key of its epoch: that key must go
            # in the same transaction, or a thief could re-sign this first anchor.
            self._evolve_key(state)
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

    def verify(
        self,
        s: Session,
        k0: bytes | None = None,
        *,
        anchor_key: str | None = None,
        born_signed: bool = False,
    ) -> VerifyResult:
        """Full verification with K0 (the verifier kit); structural checks without it.

        The anchor file's signatures are checked first (a changed line is ANCHOR_FORGED),
        then the chain, then the file's root key against what pins it — `anchor_key` (the
        kit's `anchor_public_key`, or a public key given without K0), else with K0 the
        `audit.anchor_key` event the chain authenticates — and last that the file ends where
        the database's signing key continues (TRUNCATED). `born_signed` (a kit that names
        its anchor key) refuses unsigned lines. `anchor_check` says which level was done.
        """
        state = self._state(s)
        anchors = anchor_file.read_anchors(self.anchors_path)
        report = signing.check_anchor_file(anchors, workspace_id=self.workspace_id)
        if report.problem is not None:
            return signing.as_result(report.problem, report, None)
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
        first = start.next_seq if start else 1
        last = first - 1 + result.count
        if result.ok and state.last_seq != last:
            result = VerifyResult(
                VerifyStatus.TRUNCATED,
                state.last_seq,
                result.count,
                result.head_mac,
                f"the log ends at event {last}, before event {state.last_seq}, the last one "
                "written",
            )
        if result.ok:
            result = check_recorded_anchors(state.last_anchor_seq, anchors, last, result)
        if not result.ok:
            return replace(result, anchor_check=signing.describe(report, None))
        return self._check_signed_anchors(s, state, report, result, k0, anchor_key, born_signed)

    def _check_signed_anchors(
        self,
        s: Session,
        state: AuditState,
        report: signing.AnchorReport,
        result: VerifyResult,
        k0: bytes | None,
        anchor_key: str | None,
        born_signed: bool,
    ) -> VerifyResult:
        if report.root_epoch is not None and report.root_epoch > state.epoch:
            too_late = signing.AnchorProblem(
                "ANCHOR_FORGED",
                report.first_seq or 0,
                f"The signed checkpoints claim a root key of epoch {report.root_epoch}, "
                "after the current epoch.",
            )
            return signing.as_result(too_late, report, None, result)
        root_pk, source = signing.pinned_root(
            report,
            k0=k0,
            anchor_key=anchor_key,
            root_event_pk=self._root_event_key(s) if k0 is not None and not anchor_key else None,
        )
        problem: signing.AnchorProblem | None = None
        if root_pk is not None:
            problem = signing.check_anchor_root(
                report, root_pk=root_pk, root_source=source, born_signed=born_signed
            )
        problem = problem or signing.check_anchor_tail(
            report,
            root_pk=root_pk,
            stored_seed=state.anchor_sign_key,
            anchor_count=state.anchor_count,
            recorded_seq=state.last_anchor_seq,
        )
        pinned = source if root_pk is not None else None
        if problem is not None:
            return signing.as_result(problem, report, pinned, result)
        check = signing.describe(report, pinned)
        return replace(
            result, message=f"{result.message} Checkpoints: {check}.", anchor_check=check
        )

    def _root_event_key(self, s: Session) -> str | None:
        """The root anchor key named by the first `audit.anchor_key` event, if any."""
        details = s.scalar(
            select(AuditEntry.details_json)
            .where(AuditEntry.action == ROOT_ACTION)
            .order_by(AuditEntry.seq)
            .limit(1)
        )
        if details is None:
            return None
        value = json.loads(details).get("public_key")
        return value if isinstance(value, str) else None


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
