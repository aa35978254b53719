"""The audit log as stored in the encrypted workspace (SECURITY.md §4.3, AUD-1..AUD-8).

`test_audit_chain.py` proves the pure chain; these tests go through the real database:
`AuditLog.record` in the caller's transaction, the append-only triggers, the evolving key in
`audit_state`, the anchor file next to the database, and `AuditService` verify/export/query.

Attacks are done the way someone holding the database key would: raw SQL through a session,
after dropping the triggers (which are defence in depth, not the security boundary).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.admin import AdminService
from app.audit.anchors import ANCHOR_FILENAME, read_anchors, save_kit
from app.audit.canonical import Anchor
from app.audit.chain import seal_event
from app.audit.keys import key_for_epoch
from app.audit.log import ANCHOR_EVERY, EPOCH_LENGTH
from app.audit.service import AuditFilter, AuditService
from app.audit.verify import VerifyResult, VerifyStatus
from app.context import AppContext
from app.keystore import KeyringStore
from app.security.auth import AuthService, LoginFailed
from app.security.guard import PermissionDenied
from app.security.operators import OperatorService
from app.workspace import Workspace
from models.workspace import Setting
from tests.conftest import ADMIN_PASSWORD, SignedIn, scan_for_secrets

CSV_HEADER = [
    "seq",
    "ts_utc",
    "actor",
    "session_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "details",
]


class Injected(Exception):
    """A failure injected after the data write and before commit."""


# --------------------------------------------------------------------------- helpers


def rows(ctx: AppContext) -> list[dict[str, Any]]:
    """Every audit row as a plain dict, in seq order."""
    with ctx.read_session() as s:
        result = s.execute(text("SELECT * FROM audit_log ORDER BY seq"))
        return [dict(r) for r in result.mappings()]


def state(ctx: AppContext) -> dict[str, Any]:
    with ctx.read_session() as s:
        return dict(s.execute(text("SELECT * FROM audit_state WHERE id = 1")).mappings().one())


def sql(ctx: AppContext, statement: str, **params: Any) -> None:
    """Raw SQL in one committed write transaction (what a DB-key holder can do)."""
    with ctx.session() as s:
        s.execute(text(statement), params)


def drop_guards(ctx: AppContext) -> None:
    sql(ctx, "DROP TRIGGER audit_log_no_update")
    sql(ctx, "DROP TRIGGER audit_log_no_delete")


def record_many(ctx: AppContext, n: int, action: str = "record.view") -> list[int]:
    with ctx.session() as s:
        return [
            ctx.audit.record(s, action=action, actor="admin", details={"i": i}) for i in range(n)
        ]


def anchors_of(ctx: AppContext) -> list[Anchor]:
    return read_anchors(ctx.workspace.folder / ANCHOR_FILENAME)


def k0_of(a: SignedIn) -> bytes:
    return bytes.fromhex(a.kit["k0"])


def verify(a: SignedIn, kit_path: Path | None = None) -> VerifyResult:
    return AuditService(a.ctx, a.principal).verify(kit_path)


def restart(a: SignedIn, *, clean: bool = True) -> AppContext:
    """Close and reopen the workspace as the app does; the fixture then closes the new one."""
    folder = a.ctx.workspace.folder
    if clean:
        a.ctx.close()
    else:  # a crash: the store goes away without the shutdown checkpoint
        a.ctx.workspace.close()
    ws = Workspace.open(folder, keyring_store=KeyringStore(), clock=a.clock)
    a.ctx = AppContext.for_workspace(ws, a.clock)
    return a.ctx


def sign_in_again(a: SignedIn) -> None:
    a.principal = AuthService(a.ctx).login("admin", ADMIN_PASSWORD, a.code()).principal


@pytest.fixture
def kit_path(admin: SignedIn, tmp_path: Path) -> Path:
    """The officer's verifier kit, saved away from the workspace folder."""
    path = tmp_path / "officer" / "verifier-kit.json"
    path.parent.mkdir()
    save_kit(path, admin.kit)
    return path


# --------------------------------------------------------------------------- AUD-1


def test_aud1_rollback_leaves_neither_the_event_nor_the_change(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    before, head = rows(ctx), state(ctx)

    with pytest.raises(Injected), ctx.session() as s:
        seq = ctx.audit.record(
            s,
            action="settings.change",
            actor="admin",
            object_type="setting",
            object_id="idle_timeout_s",
            details={"after": 600},
        )
        ctx.settings.set(s, "idle_timeout_s", 600)
        s.flush()
        # Both really were written inside this transaction before the failure.
        assert seq == head["last_seq"] + 1
        found = s.execute(text("SELECT count(*) FROM audit_log WHERE seq = :q"), {"q": seq})
        assert found.scalar() == 1
        assert s.get(Setting, "idle_timeout_s") is not None
        raise Injected

    assert rows(ctx) == before
    assert state(ctx) == head
    with ctx.read_session() as s:
        assert s.get(Setting, "idle_timeout_s") is None
    assert verify(admin, kit_path).status is VerifyStatus.OK

    # A committed service action: its change and exactly one event, at the very next seq
    # (the rolled-back seq is reused, so the chain stays gapless).
    before = rows(ctx)
    AdminService(ctx, admin.principal).set_idle_timeout_s(600)
    new = rows(ctx)[len(before) :]
    assert [(r["seq"], r["action"], r["actor"]) for r in new] == [
        (before[-1]["seq"] + 1, "settings.change", "admin")
    ]
    assert json.loads(new[0]["details_json"]) == {"before": 900, "after": 600}
    with ctx.read_session() as s:
        assert ctx.settings.get(s, "idle_timeout_s") == 600
    assert verify(admin, kit_path).status is VerifyStatus.OK


def test_aud1_failure_after_a_services_audit_write_rolls_back_both(
    admin: SignedIn, kit_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = admin.ctx
    real_record = ctx.audit.record
    written: list[int] = []

    def record_then_fail(s: Any, **kwargs: Any) -> int:
        seq = real_record(s, **kwargs)
        if kwargs["action"] == "operator.add":
            written.append(seq)
            raise Injected  # after the operator row and its audit row, before commit
        return seq

    monkeypatch.setattr(ctx.audit, "record", record_then_fail)
    before, head = rows(ctx), state(ctx)
    with pytest.raises(Injected):
        OperatorService(ctx, admin.principal).add("olga", "Olga", ["auditor"])

    assert written == [head["last_seq"] + 1]
    assert rows(ctx) == before
    assert state(ctx) == head
    with ctx.read_session() as s:
        assert s.execute(text("SELECT count(*) FROM operators WHERE username='olga'")).scalar() == 0
    monkeypatch.undo()
    assert verify(admin, kit_path).status is VerifyStatus.OK


# --------------------------------------------------------------------------- AUD-5


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'error' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "DELETE FROM audit_log",
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_aud5_update_and_delete_on_audit_log_are_refused(admin: SignedIn, statement: str) -> None:
    ctx = admin.ctx
    before = rows(ctx)
    with pytest.raises(IntegrityError, match="audit_log is append-only"):
        sql(ctx, statement)
    assert rows(ctx) == before


# --------------------------------------------------------------------------- AUD-2 tampering


def test_aud2a_editing_details_in_the_current_epoch_is_modified_without_the_kit(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    assert verify(admin).status is VerifyStatus.OK
    target = rows(ctx)[1]
    assert (target["seq"], target["key_epoch"], state(ctx)["epoch"]) == (2, 0, 0)

    drop_guards(ctx)
    sql(ctx, "UPDATE audit_log SET details_json = :d WHERE seq = 2", d='{"roles": ["auditor"]}')

    result = verify(admin)
    assert (result.status, result.seq, result.count) == (VerifyStatus.MODIFIED, 2, 1)
    with_kit = verify(admin, kit_path)
    assert (with_kit.status, with_kit.seq) == (VerifyStatus.MODIFIED, 2)
    # The failed verification is itself audited, with the status and seq only.
    last = rows(ctx)[-1]
    assert (last["action"], last["outcome"]) == ("audit.verify", "error")
    assert json.loads(last["details_json"]) == {
        "status": "MODIFIED",
        "seq": 2,
        "count": 1,
        "with_kit": True,
    }


def test_aud2a_editing_an_older_epoch_is_only_found_with_the_kit(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = restart(admin)
    assert state(ctx)["epoch"] == 2  # evolved at the clean shutdown and again at start
    assert rows(ctx)[1]["key_epoch"] == 0
    drop_guards(ctx)
    sql(ctx, "UPDATE audit_log SET details_json = :d WHERE seq = 2", d='{"roles": ["auditor"]}')

    # Without K0 the epoch-0 MACs cannot be recomputed, and seq 2's stored mac (which seq 3
    # links to) is untouched, so the structural check passes and says the kit is needed.
    blind = verify(admin)
    assert blind.status is VerifyStatus.OK
    assert "verifier kit" in blind.message
    result = verify(admin, kit_path)
    assert (result.status, result.seq, result.count) == (VerifyStatus.MODIFIED, 2, 1)


def test_aud2b_deleting_a_middle_event_is_missing_at_its_seq(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    seqs = record_many(ctx, 10)
    middle = seqs[5]
    drop_guards(ctx)
    sql(ctx, "DELETE FROM audit_log WHERE seq = :q", q=middle)

    for result in (verify(admin), verify(admin, kit_path)):
        assert (result.status, result.seq, result.count) == (
            VerifyStatus.MISSING,
            middle,
            middle - 1,
        )


def test_aud2d_deleting_the_tail_after_an_anchor_is_truncated(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    seqs = record_many(ctx, 10)
    with ctx.session() as s:
        anchor = ctx.audit.checkpoint(s)
    assert anchor is not None
    assert anchors_of(ctx) == [anchor]
    assert anchor.seq == seqs[-1]

    # The thief deletes the last three events and makes audit_state agree with the new tail,
    # so only the anchor outside the database still knows the log was longer.
    keep = seqs[-4]
    drop_guards(ctx)
    sql(ctx, "DELETE FROM audit_log WHERE seq > :q", q=keep)
    head_mac = rows(ctx)[-1]["mac"]
    sql(
        ctx,
        "UPDATE audit_state SET last_seq = :q, head_mac = :m, last_anchor_seq = :q",
        q=keep,
        m=head_mac,
    )

    result = verify(admin)
    assert (result.status, result.seq, result.count) == (VerifyStatus.TRUNCATED, anchor.seq, keep)
    # That verification appended its own event at keep + 1 (the app carries on from the
    # rolled-back head); the anchor at the old head still exposes the truncation.
    assert rows(ctx)[-1]["seq"] == keep + 1
    result = verify(admin, kit_path)
    assert (result.status, result.seq, result.count) == (
        VerifyStatus.TRUNCATED,
        anchor.seq,
        keep + 1,
    )


def test_deleting_the_tail_before_any_anchor_is_caught_by_the_stored_head(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    seqs = record_many(ctx, 5)
    assert anchors_of(ctx) == []
    drop_guards(ctx)
    sql(ctx, "DELETE FROM audit_log WHERE seq > :q", q=seqs[-3])

    result = verify(admin)
    assert (result.status, result.seq, result.count) == (
        VerifyStatus.TRUNCATED,
        seqs[-1],
        seqs[-3],
    )
    # The verify event was sealed after the stored head, so the hole is now in the middle.
    assert rows(ctx)[-1]["seq"] == seqs[-1] + 1
    result = verify(admin, kit_path)
    assert (result.status, result.seq, result.count) == (
        VerifyStatus.MISSING,
        seqs[-2],
        seqs[-3],
    )


def test_aud2f_wall_clock_set_back_two_hours_is_clock_rollback(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    clock = admin.clock
    [before] = record_many(ctx, 1)
    clock.set_wall(clock.now() - timedelta(hours=2))
    [after] = record_many(ctx, 1)
    assert after == before + 1

    # Through AuditLog directly: the operator's session is (deliberately) locked when the
    # wall clock runs backwards, so AuditService would refuse before verifying.
    for k0 in (None, k0_of(admin)):
        with ctx.session() as s:
            result = ctx.audit.verify(s, k0)
        assert (result.status, result.seq, result.count) == (
            VerifyStatus.CLOCK_ROLLBACK,
            after,
            before,
        )


# --------------------------------------------------------------------------- AUD-3


def test_aud3_stored_key_after_restart_is_not_k0_and_old_epochs_still_verify(
    admin: SignedIn, kit_path: Path
) -> None:
    k0 = k0_of(admin)
    with admin.ctx.read_session() as s:
        assert s.execute(text("SELECT epoch_key FROM audit_state")).scalar() == k0  # epoch 0
    ctx = restart(admin)
    st = state(ctx)
    assert st["epoch"] == 2  # evolved at the clean shutdown and again at start
    assert st["epoch_key"] != k0
    assert st["epoch_key"] == key_for_epoch(k0, 2)
    # K0 (raw, hex or base64) is nowhere in the workspace folder: not in the DB, WAL,
    # anchor file or backups (the DB is encrypted, so this also covers the anchor file).
    assert scan_for_secrets(ctx.workspace.folder, [k0]) == []

    epochs = [r["key_epoch"] for r in rows(ctx)]
    assert epochs[0] == 0 and epochs[-1] == 2
    result = verify(admin, kit_path)
    assert (result.status, result.count) == (VerifyStatus.OK, len(epochs))


def test_aud2e_resealing_an_old_event_with_the_stolen_key_is_epoch_mismatch(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = restart(admin)
    stolen = state(ctx)["epoch_key"]  # K2: all a thief holding the DB key can get
    old = rows(ctx)[1]
    assert (old["seq"], old["key_epoch"]) == (2, 0)
    forged = seal_event(
        key=stolen,
        key_epoch=0,  # keeps its declared (old) epoch
        seq=2,
        prev_mac=old["prev_mac"],
        ts_utc=old["ts_utc"],
        actor=old["actor"],
        session_id=old["session_id"],
        action=old["action"],
        object_type=old["object_type"],
        object_id=old["object_id"],
        outcome=old["outcome"],
        details={"roles": ["auditor"]},
    )
    drop_guards(ctx)
    sql(
        ctx,
        "UPDATE audit_log SET details_json = :d, mac = :m WHERE seq = 2",
        d=json.dumps(dict(forged.details)),
        m=forged.mac,
    )

    # With K0 the verifier derives K0 for the declared epoch 0; the mac fails there but
    # verifies under K2 (its probe of other epochs), so it names the forgery precisely:
    # EPOCH_MISMATCH at 2 rather than a plain MODIFIED.
    result = verify(admin, kit_path)
    assert (result.status, result.seq, result.count) == (VerifyStatus.EPOCH_MISMATCH, 2, 1)
    assert "epoch 2" in result.message
    # Without K0, epoch-0 macs are not recomputed; the new mac breaks seq 3's prev_mac link.
    blind = verify(admin)
    assert (blind.status, blind.seq) == (VerifyStatus.MODIFIED, 3)


def test_rewriting_the_whole_chain_with_the_stolen_key_is_caught(
    admin: SignedIn, kit_path: Path
) -> None:
    """The thief re-seals seq 2..end with K1, keeping every declared epoch."""
    ctx = restart(admin)
    [close_anchor] = anchors_of(ctx)  # written at the clean shutdown, before evolving
    assert close_anchor.key_epoch == 0
    stolen = state(ctx)["epoch_key"]
    original = rows(ctx)
    prev = original[0]["mac"]
    drop_guards(ctx)
    for r in original[1:]:
        details = {"roles": ["auditor"]} if r["seq"] == 2 else json.loads(r["details_json"])
        ev = seal_event(
            key=stolen,
            key_epoch=r["key_epoch"],
            seq=r["seq"],
            prev_mac=prev,
            ts_utc=r["ts_utc"],
            actor=r["actor"],
            session_id=r["session_id"],
            action=r["action"],
            object_type=r["object_type"],
            object_id=r["object_id"],
            outcome=r["outcome"],
            details=details,
        )
        sql(
            ctx,
            "UPDATE audit_log SET details_json = :d, prev_mac = :p, mac = :m WHERE seq = :q",
            d=json.dumps(dict(ev.details), sort_keys=True),
            p=ev.prev_mac,
            m=ev.mac,
            q=ev.seq,
        )
        prev = ev.mac
    sql(ctx, "UPDATE audit_state SET head_mac = :m", m=prev)

    # Without K0 every link and every current-epoch mac checks out; only the anchor of the
    # last epoch-0 event, kept outside the DB, exposes the rewrite.
    blind = verify(admin)
    assert (blind.status, blind.seq) == (VerifyStatus.MODIFIED, close_anchor.seq)
    result = verify(admin, kit_path)
    assert (result.status, result.seq) == (VerifyStatus.EPOCH_MISMATCH, 2)


# --------------------------------------------------------------------------- epochs & anchors


def test_each_start_evolves_the_epoch_and_anchors_the_old_head(
    admin: SignedIn, kit_path: Path
) -> None:
    k0 = k0_of(admin)
    assert state(admin.ctx)["epoch"] == 0
    assert anchors_of(admin.ctx) == []

    for run in (1, 2):
        epoch = 2 * run  # each clean shutdown evolves the key, and each start again
        head = rows(admin.ctx)[-1]
        ctx = restart(admin)
        # Clean shutdown anchored (signed) the head sealed under the previous key.
        last = anchors_of(ctx)[-1]
        assert (last.seq, last.head_mac, last.key_epoch) == (head["seq"], head["mac"], epoch - 2)
        assert last.signature is not None and last.signature.n == run - 1
        assert len(anchors_of(ctx)) == run
        st = state(ctx)
        assert (st["epoch"], st["epoch_key"]) == (epoch, key_for_epoch(k0, epoch))
        unlock = rows(ctx)[len(rows(ctx)) - 1]
        assert (unlock["action"], unlock["key_epoch"]) == ("workspace.unlock", epoch)
        assert unlock["seq"] == head["seq"] + 1
        assert unlock["prev_mac"] == head["mac"]  # the chain continues across restarts

    assert verify(admin, kit_path).status is VerifyStatus.OK


def test_start_after_a_crash_anchors_the_old_head_before_evolving(
    admin: SignedIn, kit_path: Path
) -> None:
    head = rows(admin.ctx)[-1]
    ctx = restart(admin, clean=False)
    [anchor] = anchors_of(ctx)
    assert (anchor.seq, anchor.head_mac, anchor.key_epoch) == (head["seq"], head["mac"], 0)
    assert state(ctx)["epoch"] == 1
    assert verify(admin, kit_path).status is VerifyStatus.OK


def test_a_day_later_the_next_record_evolves_the_key(admin: SignedIn, kit_path: Path) -> None:
    ctx, clock = admin.ctx, admin.clock
    started = datetime.fromisoformat(state(ctx)["epoch_started"].replace("Z", "+00:00"))
    clock.set_wall(started + EPOCH_LENGTH - timedelta(seconds=1))
    [same] = record_many(ctx, 1)
    assert rows(ctx)[-1]["key_epoch"] == 0
    assert anchors_of(ctx) == []

    clock.set_wall(started + EPOCH_LENGTH + timedelta(hours=1))
    # A rolled-back transaction evolves nothing and anchors nothing.
    with pytest.raises(Injected), ctx.session() as s:
        ctx.audit.record(s, action="record.view", actor="admin")
        raise Injected
    assert state(ctx)["epoch"] == 0
    assert anchors_of(ctx) == []

    [evolved] = record_many(ctx, 1)
    assert evolved == same + 1  # the rolled-back seq is reused
    assert rows(ctx)[-1]["key_epoch"] == 1
    st = state(ctx)
    assert (st["epoch"], st["epoch_key"]) == (1, key_for_epoch(k0_of(admin), 1))
    [anchor] = anchors_of(ctx)
    assert (anchor.seq, anchor.key_epoch) == (same, 0)
    assert anchor.head_mac == rows(ctx)[-2]["mac"]
    sign_in_again(admin)  # the admin's session expired during that day
    assert verify(admin, kit_path).status is VerifyStatus.OK


def test_every_1000_events_append_an_anchor_after_commit(admin: SignedIn) -> None:
    ctx = admin.ctx
    assert state(ctx)["last_anchor_seq"] == 0
    with ctx.session() as s:
        seqs = [
            ctx.audit.record(s, action="record.view", actor="admin")
            for _ in range(ANCHOR_EVERY + 10 - state(ctx)["last_seq"])
        ]
        assert ANCHOR_EVERY in seqs
        assert anchors_of(ctx) == []  # only a committed head is ever anchored
    assert seqs[-1] == ANCHOR_EVERY + 10
    [anchor] = anchors_of(ctx)
    row = rows(ctx)[ANCHOR_EVERY - 1]
    assert (anchor.seq, anchor.head_mac, anchor.key_epoch) == (ANCHOR_EVERY, row["mac"], 0)
    assert state(ctx)["last_anchor_seq"] == ANCHOR_EVERY


def test_10000_events_in_the_database_verify_ok_with_the_kit(
    admin: SignedIn, kit_path: Path
) -> None:
    ctx = admin.ctx
    total = 10_000
    todo = total - state(ctx)["last_seq"]
    for chunk in (todo // 2, todo - todo // 2):
        record_many(ctx, chunk)
    assert state(ctx)["last_seq"] == total
    assert [a.seq for a in anchors_of(ctx)] == list(range(ANCHOR_EVERY, total + 1, ANCHOR_EVERY))

    # How long this takes is measured in tests/bench/bench_store.py, not asserted here.
    result = verify(admin, kit_path)
    blind = verify(admin)
    assert (result.status, result.count) == (VerifyStatus.OK, total)
    assert result.head_mac == rows(ctx)[total - 1]["mac"]
    assert (blind.status, blind.count) == (VerifyStatus.OK, total + 1)  # + the first verify


# --------------------------------------------------------------------------- service


@pytest.fixture
def auditor(admin: SignedIn) -> Any:
    principal, _secret = admin.add_operator("audra", ["auditor"])
    return principal


def test_export_csv_and_json_hold_every_event_and_are_audited(
    admin: SignedIn, auditor: Any
) -> None:
    ctx = admin.ctx
    svc = AuditService(ctx, auditor)
    stored = rows(ctx)

    parsed = list(csv.reader(io.StringIO(svc.export("csv"))))
    assert parsed[0] == CSV_HEADER
    assert len(parsed) == 1 + len(stored)
    for line, row in zip(parsed[1:], stored, strict=True):
        assert (int(line[0]), line[4], line[7]) == (row["seq"], row["action"], row["outcome"])
        assert json.loads(line[8]) == json.loads(row["details_json"])
    export_event = rows(ctx)[-1]
    assert (export_event["seq"], export_event["action"]) == (len(stored) + 1, "audit.export")
    assert (export_event["actor"], export_event["session_id"]) == ("audra", auditor.session_id)
    assert json.loads(export_event["details_json"]) == {"format": "csv", "rows": len(stored)}

    exported = json.loads(svc.export("json"))
    assert isinstance(exported, list)
    assert all(isinstance(e, dict) for e in exported)
    assert [(e["seq"], e["action"]) for e in exported] == [
        (r["seq"], r["action"]) for r in rows(ctx)[:-1]
    ]
    assert exported[-1]["action"] == "audit.export"  # the csv export is in the json one
    assert json.loads(rows(ctx)[-1]["details_json"]) == {"format": "json", "rows": len(exported)}


def test_administrator_cannot_export_and_the_denial_is_audited(admin: SignedIn) -> None:
    ctx = admin.ctx
    before = len(rows(ctx))
    with pytest.raises(PermissionDenied):
        AuditService(ctx, admin.principal).export("csv")
    new = rows(ctx)[before:]
    assert [(r["action"], r["actor"], r["outcome"]) for r in new] == [
        ("access.denied", "admin", "denied")
    ]
    assert json.loads(new[0]["details_json"]) == {
        "attempted": "audit.export",
        "permission": "audit.export",
        "reason": "PermissionDenied",
    }


def test_export_date_filters_select_whole_utc_days(admin: SignedIn) -> None:
    ctx, clock = admin.ctx, admin.clock
    assert clock.now().date() == date(2026, 11, 27)
    first_day = [r["seq"] for r in rows(ctx)]
    clock.advance(2 * 86400)  # 2026-11-29
    marker_a = record_many(ctx, 2, action="marker.a")
    clock.advance(2 * 86400)  # 2026-12-01
    marker_b = record_many(ctx, 1, action="marker.b")
    sign_in_again(admin)  # the admin's session expired over those days
    auditor, _ = admin.add_operator("audra", ["auditor"])
    svc = AuditService(ctx, auditor)

    def seqs(since: date | None, until: date | None) -> list[int]:
        return [e["seq"] for e in json.loads(svc.export("json", since, until))]

    assert seqs(date(2026, 11, 28), date(2026, 11, 30)) == marker_a
    assert seqs(date(2026, 11, 29), date(2026, 11, 29)) == marker_a
    assert seqs(None, date(2026, 11, 27)) == first_day
    assert seqs(date(2026, 11, 30), date(2026, 11, 30)) == []
    later = seqs(date(2026, 12, 1), None)
    assert later[0] == marker_b[0]
    assert all(r["ts_utc"].startswith("2026-12-01") for r in rows(ctx) if r["seq"] in later)
    assert json.loads(rows(ctx)[-1]["details_json"]) == {"format": "json", "rows": len(later)}


def test_query_is_recorded_as_one_audit_view_event(admin: SignedIn) -> None:
    ctx = admin.ctx
    before = len(rows(ctx))
    found = AuditService(ctx, admin.principal).query(AuditFilter(action="auth."))
    assert found and all(r.action.startswith("auth.") for r in found)
    assert [r.seq for r in found] == sorted((r.seq for r in found), reverse=True)
    new = rows(ctx)[before:]
    assert [(r["action"], r["actor"]) for r in new] == [("audit.view", "admin")]
    assert json.loads(new[0]["details_json"]) == {"filtered": ["action"]}


def test_the_page_count_is_the_count_a_verification_reports(admin: SignedIn) -> None:
    """The audit pane once said "106 events" beside "107 verified": the view it recorded
    after reading was counted by the verification but not by the page."""
    service = AuditService(admin.ctx, admin.principal)
    page = service.page()
    assert page.total == len(rows(admin.ctx)) == len(page.rows)
    assert page.rows[0].action == "audit.view"  # the read itself is on the page it produced
    result = service.verify()
    assert result.ok and result.count == page.total
    assert result.message.startswith(f"{page.total} events verified")
    hidden = service.page(AuditFilter(hide_routine=True))
    assert hidden.rows and all(not r.action.endswith(".view") for r in hidden.rows)
    assert hidden.total == page.total + 2  # the verification and this view


# --------------------------------------------------------------------------- AUD-8

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def test_aud8_no_personal_data_or_secrets_in_audit_rows(admin: SignedIn) -> None:
    ctx = admin.ctx
    unknown = "mallory.smith@example.com"
    wrong_password = "not the password 99"
    before = len(rows(ctx))
    with pytest.raises(LoginFailed):
        AuthService(ctx).login(unknown, wrong_password, "123456")
    [failed] = rows(ctx)[before:]
    assert (failed["action"], failed["outcome"], failed["actor"]) == ("auth.login", "denied", None)
    assert json.loads(failed["details_json"]) == {
        "reason": "unknown-or-inactive-account",
        "username_sha256": hashlib.sha256(unknown.encode()).hexdigest()[:16],
    }

    with pytest.raises(LoginFailed):
        AuthService(ctx).login("admin", wrong_password, admin.code())
    new = OperatorService(ctx, admin.principal).add(
        "olga", "Olga Ostrova", ["auditor"], email="olga.ostrova@example.org"
    )

    secrets_and_pii = [
        "mallory",
        unknown,
        wrong_password,
        ADMIN_PASSWORD,
        admin.secret,
        admin.kit["k0"],
        new.enrolment_code,
        "Olga Ostrova",
        "olga.ostrova",
    ]
    for row in rows(ctx):
        text_of_row = json.dumps(row, default=str).lower()
        for needle in secrets_and_pii:
            assert needle.lower() not in text_of_row, (row["seq"], needle)
        assert not EMAIL.search(text_of_row), row["seq"]
