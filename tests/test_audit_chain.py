"""Tamper-evident audit chain (SECURITY.md §4.3, AUD-2/3/4/6/7).

Every attack here is done the way someone holding the database key would do it: rows are
edited, deleted, swapped or re-sealed with whatever audit key the attacker could have stolen.
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.audit.anchors import (
    KIT_FORMAT,
    append_anchor,
    kit_from_json,
    kit_to_json,
    load_kit,
    make_kit,
    read_anchors,
    save_kit,
)
from app.audit.canonical import GENESIS_PREV_MAC, Anchor, AuditEvent, PruneStart, canonical_bytes
from app.audit.chain import ChainWriter, anchor_for, seal_event
from app.audit.keys import evolve, key_for_epoch
from app.audit.verify import VerifyResult, VerifyStatus, verify_chain

K0 = bytes(range(32))
N_EVENTS = 10_000
EVOLVE_EVERY = 2_500
BASE = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ACTIONS = ("record.view", "record.update", "dsar.export", "auth.login")


def ts(offset_s: float) -> str:
    """RFC 3339 UTC with microseconds, as the app writes it."""
    when = BASE + timedelta(seconds=offset_s)
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclasses.dataclass(frozen=True)
class Chain:
    events: tuple[AuditEvent, ...]
    anchors: tuple[Anchor, ...]  # one at the end of every epoch and one at the head

    def at(self, seq: int) -> AuditEvent:
        return self.events[seq - 1]


def build_chain(n: int = N_EVENTS) -> Chain:
    writer = ChainWriter(key=K0, key_epoch=0)
    events: list[AuditEvent] = []
    anchors: list[Anchor] = []
    for i in range(1, n + 1):
        events.append(
            writer.seal(
                ts_utc=ts(i),
                actor=f"op-{i % 5}",
                session_id=f"s-{i // 100}",
                action=ACTIONS[i % len(ACTIONS)],
                object_type="ticket",
                object_id=str(10_000 + i),
                details={"fields": ["status", "priority"], "count": i % 7, "subject_ref": i},
            )
        )
        if i % EVOLVE_EVERY == 0:
            # Checkpoint before evolving, as the app will (SECURITY.md §4.2 "every epoch change").
            anchors.append(writer.anchor(ts_utc=ts(i)))
            writer.evolve()
    return Chain(tuple(events), tuple(anchors))


@pytest.fixture(scope="module")
def chain() -> Chain:
    return build_chain()


def verify(events: list[AuditEvent] | tuple[AuditEvent, ...], **kwargs: object) -> VerifyResult:
    return verify_chain(events, k0=K0, **kwargs)  # type: ignore[arg-type]


def reseal(event: AuditEvent, *, key: bytes, key_epoch: int, prev_mac: str) -> AuditEvent:
    """Seal `event`'s content again, as an attacker holding `key` would."""
    return seal_event(
        key=key,
        key_epoch=key_epoch,
        seq=event.seq,
        prev_mac=prev_mac,
        ts_utc=event.ts_utc,
        actor=event.actor,
        session_id=event.session_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=event.outcome,
        details=event.details,
    )


def reseal_from(
    events: list[AuditEvent], from_seq: int, *, key: bytes, epoch_of: dict[int, int] | None = None
) -> None:
    """Re-seal every event from `from_seq` on with `key`, relinking prev_mac (in place)."""
    prev = events[from_seq - 2].mac
    for idx in range(from_seq - 1, len(events)):
        old = events[idx]
        epoch = old.key_epoch if epoch_of is None else epoch_of.get(old.seq, old.key_epoch)
        events[idx] = reseal(old, key=key, key_epoch=epoch, prev_mac=prev)
        prev = events[idx].mac


# --------------------------------------------------------------------------- AUD-2 clean


def test_clean_chain_of_10k_events_verifies_ok_quickly(chain: Chain) -> None:
    """AUD-2: a clean 10,000-event chain over four key epochs verifies OK with the right head."""
    assert {e.key_epoch for e in chain.events} == {0, 1, 2, 3}
    started = time.perf_counter()
    result = verify_chain(chain.events, k0=K0, anchors=chain.anchors)
    elapsed = time.perf_counter() - started
    print(f"\nverify_chain: {N_EVENTS} events in {elapsed * 1000:.0f} ms")
    assert result.status is VerifyStatus.OK
    assert result.ok
    assert result.count == N_EVENTS
    assert result.seq is None
    assert result.head_mac == chain.at(N_EVENTS).mac
    assert result.message == "All 10000 audit events verified."
    assert elapsed < 1.5  # typically ~0.1 s; generous for slow CI machines


def test_verifier_accepts_a_stream(chain: Chain) -> None:
    """AUD-2: verification streams rows (a DB cursor), it need not get a list."""

    def rows() -> Iterator[AuditEvent]:
        yield from chain.events

    result = verify_chain(rows(), k0=K0)
    assert (result.status, result.count) == (VerifyStatus.OK, N_EVENTS)


# --------------------------------------------------------------------------- AUD-2 attacks


@pytest.mark.parametrize(
    "change",
    [
        {"details": {"fields": ["status", "priority"], "count": 2, "subject_ref": 5001}},
        {"action": "auth.logout"},
        {"outcome": "denied"},
        {"actor": "op-4"},
        {"ts_utc": ts(4999.5)},
    ],
    ids=["details", "action", "outcome", "actor", "ts"],
)
def test_changing_one_field_of_event_5000_is_modified_5000(
    chain: Chain, change: dict[str, object]
) -> None:
    """AUD-2(a): editing any field of row 5000 gives MODIFIED(5000)."""
    events = list(chain.events)
    events[4999] = dataclasses.replace(events[4999], **change)  # type: ignore[arg-type]
    assert events[4999] != chain.at(5000)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 5000)
    assert result.count == 4999
    assert result.head_mac == chain.at(4999).mac


def test_changing_one_byte_of_details_is_modified(chain: Chain) -> None:
    """AUD-2(a): a one-character edit inside a details string is caught."""
    events = list(chain.events)
    details = dict(events[4999].details)
    details["fields"] = ["statue", "priority"]
    events[4999] = dataclasses.replace(events[4999], details=details)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 5000)


def test_breaking_the_prev_mac_link_is_modified(chain: Chain) -> None:
    """AUD-2: a row whose prev_mac no longer points at its predecessor is MODIFIED."""
    events = list(chain.events)
    events[4999] = dataclasses.replace(events[4999], prev_mac="ab" * 32)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 5000)


def test_deleting_event_5000_is_missing_5000(chain: Chain) -> None:
    """AUD-2(b): deleting row 5000 gives MISSING(5000)."""
    events = list(chain.events)
    del events[4999]
    result = verify(events)
    assert (result.status, result.seq, result.count) == (VerifyStatus.MISSING, 5000, 4999)
    assert "5000" in result.message


def test_deleting_the_first_events_is_missing_1(chain: Chain) -> None:
    """AUD-2(b): without a prune start the chain must begin at seq 1."""
    result = verify(chain.events[50:])
    assert (result.status, result.seq, result.count) == (VerifyStatus.MISSING, 1, 0)


@pytest.mark.parametrize("first", [4000, 10])
def test_swapping_two_rows_is_reordered_at_the_lower_seq(chain: Chain, first: int) -> None:
    """AUD-2(c): swapping rows N and N+1 in storage gives REORDERED(N) — not MISSING.

    Seq N+1 arrives where N was expected; the verifier looks ahead, finds N stored later,
    and names N, the event that is out of place.
    """
    events = list(chain.events)
    events[first - 1], events[first] = events[first], events[first - 1]
    result = verify(events)
    assert (result.status, result.seq, result.count) == (
        VerifyStatus.REORDERED,
        first,
        first - 1,
    )


def test_moving_a_row_to_the_end_is_reordered(chain: Chain) -> None:
    """AUD-2(c): a row moved far away in storage is still REORDERED at its own seq."""
    events = list(chain.events)
    moved = events.pop(2999)
    events.append(moved)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.REORDERED, 3000)


def test_duplicated_row_is_reported(chain: Chain) -> None:
    """AUD-2: a replayed copy of an earlier row is out of order (REORDERED at its seq)."""
    events = [*chain.events[:100], chain.at(50), *chain.events[100:]]
    result = verify(events)
    assert (result.status, result.seq, result.count) == (VerifyStatus.REORDERED, 50, 100)


def test_deleting_the_last_100_events_is_truncated_by_the_anchor(chain: Chain) -> None:
    """AUD-2(d): dropping the tail is invisible to the chain alone but the anchor catches it."""
    events = list(chain.events[:-100])
    head = anchor_for(chain.at(N_EVENTS))
    assert verify(events).status is VerifyStatus.OK  # why anchors must live outside the DB
    result = verify(events, anchors=[head])
    assert (result.status, result.seq, result.count) == (VerifyStatus.TRUNCATED, 10_000, 9_900)
    assert result.head_mac == chain.at(9_900).mac


def test_truncating_and_resealing_with_the_current_key_is_detected(chain: Chain) -> None:
    """AUD-2(d)/AUD-7: a thief with the current key rewrites the tail; anchors still catch it."""
    k3 = key_for_epoch(K0, 3)
    head = anchor_for(chain.at(N_EVENTS))

    shorter = list(chain.events[:-100])
    reseal_from(shorter, 9_000, key=k3)  # recompute the macs: nothing to see in the chain
    assert verify(shorter).status is VerifyStatus.OK
    result = verify(shorter, anchors=[head])
    assert (result.status, result.seq) == (VerifyStatus.TRUNCATED, 10_000)

    rewritten = list(chain.events)
    rewritten[9_499] = dataclasses.replace(rewritten[9_499], outcome="ok", action="auth.logout")
    reseal_from(rewritten, 9_500, key=k3)
    assert verify(rewritten).status is VerifyStatus.OK
    result = verify(rewritten, anchors=[head])
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 10_000)


def test_resealing_from_7000_with_a_later_key_is_epoch_mismatch_7000(chain: Chain) -> None:
    """AUD-2(e): re-sealing events from 7000 with K(3), keeping their declared epochs, is
    EPOCH_MISMATCH(7000): 7000 declares epoch 2 but only verifies under epoch 3's key."""
    assert chain.at(7000).key_epoch == 2
    events = list(chain.events)
    events[6999] = dataclasses.replace(events[6999], details={"count": 0})
    reseal_from(events, 7000, key=key_for_epoch(K0, 3))
    result = verify(events)
    assert (result.status, result.seq, result.count) == (VerifyStatus.EPOCH_MISMATCH, 7000, 6999)
    assert "epoch 3" in result.message


def test_rewriting_row_10_with_the_current_key_is_epoch_mismatch_10(chain: Chain) -> None:
    """AUD-2(e): row 10 (epoch 0) rewritten with a valid mac under the newest key."""
    events = list(chain.events)
    forged = dataclasses.replace(events[9], object_id="99999")
    events[9] = reseal(forged, key=key_for_epoch(K0, 3), key_epoch=0, prev_mac=events[8].mac)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.EPOCH_MISMATCH, 10)


def test_wall_clock_going_back_two_hours_is_clock_rollback() -> None:
    """AUD-2(f): an honestly sealed event dated 2 h before its predecessor is CLOCK_ROLLBACK."""
    writer = ChainWriter(key=K0, key_epoch=0)
    events = [writer.seal(ts_utc=ts(60 * i), action="record.view") for i in range(1, 6)]
    events.append(writer.seal(ts_utc=ts(300 - 7200), action="record.view"))
    result = verify(events)
    assert (result.status, result.seq, result.count) == (VerifyStatus.CLOCK_ROLLBACK, 6, 5)
    assert result.head_mac == events[4].mac


def test_small_clock_jitter_within_tolerance_is_ok() -> None:
    """AUD-2(f): a 1 s step back (NTP slew) stays within the 2 s tolerance."""
    writer = ChainWriter(key=K0, key_epoch=0)
    events = [
        writer.seal(ts_utc=ts(10), action="a"),
        writer.seal(ts_utc=ts(9), action="a"),
        writer.seal(ts_utc=ts(11), action="a"),
    ]
    assert verify(events).status is VerifyStatus.OK
    strict = verify(events, clock_tolerance_s=0.5)
    assert (strict.status, strict.seq) == (VerifyStatus.CLOCK_ROLLBACK, 2)


def test_epoch_going_backwards_is_epoch_mismatch() -> None:
    """AUD-2: epochs never decrease, even when each mac is valid for its declared epoch."""
    k1 = key_for_epoch(K0, 1)
    first = seal_event(
        key=k1,
        key_epoch=1,
        seq=1,
        prev_mac=GENESIS_PREV_MAC,
        ts_utc=ts(1),
        actor=None,
        session_id=None,
        action="a",
        object_type=None,
        object_id=None,
        outcome="ok",
        details={},
    )
    second = seal_event(
        key=K0,
        key_epoch=0,
        seq=2,
        prev_mac=first.mac,
        ts_utc=ts(2),
        actor=None,
        session_id=None,
        action="a",
        object_type=None,
        object_id=None,
        outcome="ok",
        details={},
    )
    result = verify([first, second])
    assert (result.status, result.seq) == (VerifyStatus.EPOCH_MISMATCH, 2)


# --------------------------------------------------------------------------- AUD-3


def test_keys_evolve_one_way_and_deterministically() -> None:
    """AUD-3: K(e) is reproducible from K0, every epoch key differs, and evolving is HMAC."""
    keys = [key_for_epoch(K0, e) for e in range(5)]
    assert len(set(keys)) == 5
    assert all(evolve(keys[e]) == keys[e + 1] for e in range(4))
    assert all(len(k) == 32 for k in keys)
    with pytest.raises(ValueError, match="32 bytes"):
        evolve(b"short")


def test_current_key_cannot_forge_an_event_of_an_earlier_epoch(chain: Chain) -> None:
    """AUD-3: a thief holding only K(3) re-seals event 6000 (epoch 2) unchanged: detected."""
    assert chain.at(6000).key_epoch == 2
    events = list(chain.events)
    k3 = key_for_epoch(K0, 3)
    events[5999] = reseal(events[5999], key=k3, key_epoch=2, prev_mac=events[5998].mac)
    result = verify(events)
    assert (result.status, result.seq) == (VerifyStatus.EPOCH_MISMATCH, 6000)


def test_redeclaring_old_events_under_the_stolen_epoch_is_caught_by_epoch_anchors(
    chain: Chain,
) -> None:
    """AUD-3: the thief re-seals 7000..7500 (epoch 2) *declaring* epoch 3. The chain alone
    cannot tell, but the checkpoint taken when epoch 2 ended (seq 7500) does."""
    events = list(chain.events)
    events[6999] = dataclasses.replace(events[6999], details={"count": 0})
    reseal_from(
        events, 7000, key=key_for_epoch(K0, 3), epoch_of=dict.fromkeys(range(7000, 7501), 3)
    )
    assert verify(events).status is VerifyStatus.OK  # the limit of a bare chain
    result = verify(events, anchors=chain.anchors)
    assert (result.status, result.seq) == (VerifyStatus.EPOCH_MISMATCH, 7500)


def test_writer_repr_never_shows_the_key() -> None:
    """Keys stay out of logs and tracebacks."""
    writer = ChainWriter(key=K0, key_epoch=0)
    writer.evolve()
    text = repr(writer)
    assert K0.hex() not in text
    assert key_for_epoch(K0, 1).hex() not in text
    assert text == "ChainWriter(key_epoch=1, next_seq=1)"


# --------------------------------------------------------------------------- AUD-4


def test_details_key_order_does_not_change_bytes_or_mac() -> None:
    """AUD-4: the same logical record with dict keys in another order seals identically."""
    common = dict(
        key=K0,
        key_epoch=0,
        seq=1,
        prev_mac=GENESIS_PREV_MAC,
        ts_utc="2026-11-27T12:00:00Z",
        actor="op-1",
        session_id="s-1",
        action="record.update",
        object_type="ticket",
        object_id="42",
        outcome="ok",
    )
    a = seal_event(**common, details={"b": 1, "a": {"y": [1, 2], "x": "é"}})  # type: ignore[arg-type]
    b = seal_event(**common, details={"a": {"x": "é", "y": [1, 2]}, "b": 1})  # type: ignore[arg-type]
    assert canonical_bytes(a) == canonical_bytes(b)
    assert a.mac == b.mac


# Golden vector (AUD-4). If this changes, every stored audit log stops verifying.
GOLDEN_MAC = "4b739f8bbcb0ecb8c6898627028a0919f543b7ec44b980c7005839bceaf82452"


def test_golden_vector_is_stable() -> None:
    """AUD-4: the canonical bytes and mac of a fixed record never change."""
    event = seal_event(
        key=key_for_epoch(K0, 1),
        key_epoch=1,
        seq=7,
        prev_mac="11" * 32,
        ts_utc="2026-11-27T12:00:00.123456Z",
        actor="op-1",
        session_id=None,
        action="workspace.backup",
        object_type="workspace",
        object_id="ws-1",
        outcome="ok",
        details={"files": 3, "name": "Zoë", "ok": True, "n": None},
    )
    assert canonical_bytes(event) == (
        b"PRIVDESK-AUDITv1\x00"
        + (7).to_bytes(8, "big")
        + (1).to_bytes(4, "big")
        + b"\x11" * 32
        + '{"action":"workspace.backup","actor":"op-1","details":{"files":3,"n":null,'
        '"name":"Zoë","ok":true},"object_id":"ws-1","object_type":"workspace",'
        '"outcome":"ok","session_id":null,"ts_utc":"2026-11-27T12:00:00.123456Z"}'.encode()
    )
    assert event.mac == GOLDEN_MAC  # computed independently with hmac/hashlib
    start = PruneStart(next_seq=7, prev_mac="11" * 32, key_epoch=1)
    assert verify([event], start=start).status is VerifyStatus.OK


@pytest.mark.parametrize(
    "details",
    [
        {"ratio": 0.5},
        {"nested": {"deep": [1, 2.0]}},
        {"nan": math.nan},
        {1: "int key"},
        {"obj": object()},
        {"big": 2**60},
    ],
    ids=["float", "nested-float", "nan", "int-key", "object", "unsafe-int"],
)
def test_ambiguous_details_are_refused_and_nothing_is_sealed(details: dict[object, object]) -> None:
    """AUD-4: floats (and other ambiguous values) are rejected with ValueError."""
    writer = ChainWriter(key=K0, key_epoch=0)
    with pytest.raises(ValueError):
        writer.seal(ts_utc=ts(1), action="a", details=details)  # type: ignore[arg-type]
    assert (writer.next_seq, writer.prev_mac) == (1, GENESIS_PREV_MAC)


def test_float_error_message_says_what_to_do() -> None:
    """AUD-4: the error names the offending path and the fix."""
    with pytest.raises(ValueError, match=r"float at details\.stats\.ratio.*integers only"):
        ChainWriter(key=K0, key_epoch=0).seal(
            ts_utc=ts(1), action="a", details={"stats": {"ratio": 0.25}}
        )


def test_sealed_details_are_a_private_copy() -> None:
    """Mutating the caller's dict after sealing cannot break the chain."""
    details: dict[str, object] = {"fields": ["email_hash"]}
    writer = ChainWriter(key=K0, key_epoch=0)
    event = writer.seal(ts_utc=ts(1), action="a", details=details)
    details["fields"] = ["changed"]
    assert verify([event]).status is VerifyStatus.OK


@pytest.mark.parametrize(
    ("field", "value"),
    [("ts_utc", "2026-11-27 12:00:00"), ("outcome", "maybe"), ("action", "")],
)
def test_malformed_fields_are_refused(field: str, value: str) -> None:
    """Only RFC 3339 'Z' timestamps, known outcomes and named actions are sealed."""
    kwargs: dict[str, object] = {"ts_utc": ts(1), "action": "a", "outcome": "ok", field: value}
    with pytest.raises(ValueError):
        ChainWriter(key=K0, key_epoch=0).seal(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- AUD-6 pruning


def test_verification_resumes_from_a_prune_start(chain: Chain) -> None:
    """AUD-6: after pruning 1..5000, verifying from the prune anchor is OK; older anchors in
    the pruned range are skipped and the one at 5000 must match the prune start."""
    last_pruned = chain.at(5000)
    start = PruneStart(next_seq=5001, prev_mac=last_pruned.mac, key_epoch=last_pruned.key_epoch)
    kept = chain.events[5000:]
    result = verify(kept, start=start, anchors=chain.anchors)
    assert (result.status, result.count, result.head_mac) == (
        VerifyStatus.OK,
        5000,
        chain.at(N_EVENTS).mac,
    )
    assert verify(kept).status is VerifyStatus.MISSING  # without the prune start

    forged_start = dataclasses.replace(start, prev_mac="cd" * 32)
    result = verify(kept, start=forged_start)
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 5001)
    result = verify(kept, start=forged_start, anchors=chain.anchors)
    assert (result.status, result.seq) == (VerifyStatus.MODIFIED, 5000)


# --------------------------------------------------------------------------- anchor file


def test_anchor_file_round_trip_is_private(tmp_path: Path, chain: Chain) -> None:
    """AUD-2(d): anchors survive a write/read cycle; the file is owner-only (0o600)."""
    path = tmp_path / "audit-anchors.jsonl"
    assert read_anchors(path) == []
    for anchor in chain.anchors:
        append_anchor(path, anchor)
    assert read_anchors(path) == list(chain.anchors)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(chain.anchors)


@pytest.mark.parametrize(
    "bad_line",
    [
        '{"seq": 5, "head_mac": "',
        '{"seq": 5, "ts_utc": "2026-11-27T12:00:00Z", "key_epoch": 0}',
        '{"seq": 0, "head_mac": "' + "a" * 64 + '", "ts_utc": "2026-11-27T12:00:00Z", '
        '"key_epoch": 0}',
        "[1, 2]",
    ],
    ids=["torn", "missing-field", "bad-seq", "not-object"],
)
def test_malformed_anchor_line_names_file_and_line(
    tmp_path: Path, chain: Chain, bad_line: str
) -> None:
    """A damaged anchor file is reported with its path and line number, never ignored."""
    path = tmp_path / "audit-anchors.jsonl"
    append_anchor(path, chain.anchors[0])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(bad_line + "\n")
    with pytest.raises(ValueError, match=r"audit-anchors\.jsonl, line 2"):
        read_anchors(path)


# --------------------------------------------------------------------------- verifier kit


def test_verifier_kit_round_trip(tmp_path: Path, chain: Chain) -> None:
    """The officer's offline kit alone is enough to verify the chain."""
    kit = make_kit("ws-123", K0, created_utc="2026-11-27T12:00:00Z")
    assert kit["format"] == KIT_FORMAT
    assert kit_from_json(kit_to_json(kit)) == ("ws-123", K0)
    path = tmp_path / "verifier-kit.json"
    save_kit(path, kit)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    workspace_id, k0 = load_kit(path)
    assert workspace_id == "ws-123"
    assert verify_chain(chain.events[:100], k0=k0).status is VerifyStatus.OK
    with pytest.raises(FileExistsError):
        save_kit(path, kit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        (
            '{"format": "other/2", "workspace_id": "w", "k0": "00"}',
            "expected 'privdesk-audit-kit/1'",
        ),
        ('{"format": "privdesk-audit-kit/1", "k0": "00"}', "no workspace_id"),
        ('{"format": "privdesk-audit-kit/1", "workspace_id": "w", "k0": "zz"}', "64 hex"),
    ],
    ids=["json", "format", "workspace", "k0"],
)
def test_bad_kit_gives_clear_error(tmp_path: Path, text: str, message: str) -> None:
    """A wrong file is refused with a message naming the file and the problem."""
    path = tmp_path / "kit.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        load_kit(path)
    assert "kit.json" in str(info.value)


def test_kit_error_never_echoes_the_key() -> None:
    """A damaged K0 is never quoted back (it may be nearly the real key)."""
    almost = K0.hex()[:-1] + "g"
    text = kit_to_json({"format": KIT_FORMAT, "workspace_id": "w", "k0": almost})
    with pytest.raises(ValueError) as info:
        kit_from_json(text)
    assert almost not in str(info.value)
    assert K0.hex()[:16] not in str(info.value)
