"""Signed audit anchors under attack (issue 14; AUD-10, AUD-2, AUD-3, AUD-7).

The attacker holds the database key, so they also hold what `audit_state` keeps: the
current epoch key and the private key of the NEXT anchor. They write the workspace folder.
Each attack is done on a real workspace (raw SQL after dropping the append-only triggers,
the anchor file rewritten by hand), through `privdesk audit verify` or `AuditService`.
What the design does NOT stop is tested too, so the README's list stays true.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.audit import signing
from app.audit.anchors import ANCHOR_FILENAME, append_anchor, read_anchors, save_kit
from app.audit.canonical import Anchor
from app.audit.chain import seal_event
from app.audit.keys import key_for_epoch
from app.audit.verify import VerifyResult, VerifyStatus
from tests import test_audit_anchors
from tests.conftest import SignedIn
from tests.test_audit_anchors import Cli
from tests.test_audit_log import drop_guards, record_many, restart, rows, sql, state

cli = test_audit_anchors.cli  # the same CLI-made workspace fixture

VECTORS = Path(__file__).parent / "data" / "audit" / "rfc8032-ed25519.json"


# --------------------------------------------------------------------------- helpers


def public_key(cli: Cli) -> str:
    return str(json.loads(Path(cli.kit).read_text())["anchor_public_key"])


def verify_pk(cli: Cli, key: str) -> tuple[int, dict[str, Any]]:
    from tests.test_audit_anchors import run

    cli.clock.advance(60)
    code, out, err = run(
        cli.capsys, "audit", "verify", "-w", str(cli.ws), "--public-key", key, "--json"
    )
    assert "Traceback" not in err, err
    return code, json.loads(out)


def all_three(cli: Cli) -> list[dict[str, Any]]:
    """Verify without anything, with only the public anchor key, and with the kit."""
    return [cli.verify()[1], verify_pk(cli, public_key(cli))[1], cli.verify(kit=True)[1]]


def write_anchors(path: Path, anchors: list[Anchor]) -> None:
    path.unlink(missing_ok=True)
    for anchor in anchors:
        append_anchor(path, anchor)


def kit_file(a: SignedIn, tmp_path: Path, *, old_format: bool = False) -> Path:
    kit = dict(a.kit)
    if old_format:  # a kit made before signed anchors
        kit.pop("anchor_public_key")
    path = tmp_path / ("old-kit.json" if old_format else "kit.json")
    save_kit(path, kit)
    return path


def check(a: SignedIn, kit: Path | None = None, key: str | None = None) -> VerifyResult:
    from app.audit.service import AuditService

    return AuditService(a.ctx, a.principal).verify(kit, key)


def reseal_from(a: SignedIn, seq: int, details: dict[str, Any]) -> None:
    """Change event `seq` and re-MAC it and every later one with the STORED epoch key."""
    ctx = a.ctx
    key = state(ctx)["epoch_key"]
    chain = rows(ctx)
    prev = chain[seq - 2]["mac"]
    drop_guards(ctx)
    for row in chain[seq - 1 :]:
        sealed = seal_event(
            key=key,
            key_epoch=row["key_epoch"],
            seq=row["seq"],
            prev_mac=prev,
            ts_utc=row["ts_utc"],
            actor=row["actor"],
            session_id=row["session_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            outcome=row["outcome"],
            details=details if row["seq"] == seq else json.loads(row["details_json"]),
        )
        sql(
            ctx,
            "UPDATE audit_log SET details_json = :d, prev_mac = :p, mac = :m WHERE seq = :q",
            d=json.dumps(dict(sealed.details), sort_keys=True),
            p=sealed.prev_mac,
            m=sealed.mac,
            q=sealed.seq,
        )
        prev = sealed.mac
    sql(ctx, "UPDATE audit_state SET head_mac = :m WHERE id = 1", m=prev)


def resign(anchors: list[Anchor], workspace_id: str, *, seed: bytes, start: int) -> bytes:
    """Re-sign anchors[start:] in place as a chain from `seed`; returns the next seed."""
    for i in range(start, len(anchors)):
        old = anchors[i]
        part = old.signature
        assert part is not None
        nxt = signing.new_seed()
        anchors[i] = signing.sign_anchor(
            workspace_id,
            Anchor(old.seq, old.head_mac, old.ts_utc, old.key_epoch),
            seed=seed,
            n=part.n,
            next_pk=signing.public_key_hex(nxt),
            root_epoch=part.root_epoch,
        )
        seed = nxt
    return seed


# --------------------------------------------------------------------------- AUD-10 basics


def test_ed25519_matches_the_rfc8032_vectors() -> None:
    """AUD-10: the signing key derivation and check agree with RFC 8032 §7.1."""
    for vector in json.loads(VECTORS.read_text()):
        seed = bytes.fromhex(vector["secret_key"])
        assert signing.public_key_hex(seed) == vector["public_key"], vector["name"]
        message = bytes.fromhex(vector["message"])
        assert signing.verify_bytes(vector["public_key"], message, vector["signature"])
        assert not signing.verify_bytes(vector["public_key"], message + b"x", vector["signature"])
        ours = Ed25519PrivateKey.from_private_bytes(seed).sign(message).hex()
        assert ours == vector["signature"]  # Ed25519 is deterministic


def test_aud10_every_anchor_is_signed_and_verifies_with_only_the_public_key(cli: Cli) -> None:
    """AUD-10 "verify with only the public key": no K0 needed to check the signatures."""
    anchors = read_anchors(cli.anchors_path)
    assert anchors and all(a.signature is not None for a in anchors)
    parts = [a.signature for a in anchors if a.signature]
    assert [p.n for p in parts] == list(range(len(parts)))
    assert parts[0].pk == public_key(cli)  # the kit names the root key
    for before, after in itertools.pairwise(parts):
        assert after.pk == before.next_pk  # each key was named by the anchor before
    # The database keeps only the key of the NEXT anchor: no key that signed a line.
    [(seed,)] = cli.db("SELECT anchor_sign_key FROM audit_state WHERE id = 1")
    assert signing.public_key_hex(seed) == parts[-1].next_pk
    assert signing.public_key_hex(seed) not in {p.pk for p in parts}

    blind, public, kit = all_three(cli)
    assert [r["status"] for r in (blind, public, kit)] == ["OK", "OK", "OK"]
    assert "nothing pinned" in blind["anchors"]
    assert "public anchor key given" in public["anchors"] and public["with_public_key"]
    assert "kit's anchor key" in kit["anchors"]
    # A wrong public key: the file is not this workspace's.
    other = signing.public_key_hex(signing.new_seed())
    code, report = verify_pk(cli, other)
    assert (code, report["status"]) == (1, "ANCHOR_FORGED"), report
    code, report = verify_pk(cli, "not-a-key")
    assert code == 2


@pytest.mark.parametrize(
    "field", ["seq", "head_mac", "ts_utc", "key_epoch", "n", "pk", "next_pk", "root_epoch", "sig"]
)
def test_aud10_a_modified_anchor_line_is_anchor_forged(cli: Cli, field: str) -> None:
    """AUD-10: changing any field of a signed line fails verification, naming its seq."""
    lines = cli.anchors_path.read_text().splitlines()
    index = len(lines) // 2
    record = json.loads(lines[index])
    value = record[field]
    if isinstance(value, int):
        record[field] = value + 1
    elif field == "ts_utc":
        record[field] = value.replace("Z", "1Z") if "." in value else value[:-1] + ".5Z"
    else:  # flip one hex digit
        record[field] = ("1" if value[0] == "0" else "0") + value[1:]
    lines[index] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    cli.anchors_path.write_text("\n".join(lines) + "\n")

    for report in all_three(cli):
        assert (report["status"], report["seq"]) == ("ANCHOR_FORGED", record["seq"]), report
        assert f"line {index + 1}" in report["message"]


def test_aud10_unsigned_line_after_signed_ones_is_anchor_forged(cli: Cli) -> None:
    """Stripping the signature (a downgrade to a legacy line) does not make a line pass."""
    lines = cli.anchors_path.read_text().splitlines()
    record = json.loads(lines[-1])
    for name in ("n", "pk", "next_pk", "root_epoch", "sig"):
        del record[name]
    lines[-1] = json.dumps(record, sort_keys=True, separators=(",", ":"))
    cli.anchors_path.write_text("\n".join(lines) + "\n")
    for report in all_three(cli):
        assert (report["status"], report["seq"]) == ("ANCHOR_FORGED", record["seq"]), report
        assert "unsigned" in report["message"]


# ------------------------------------------------------------------ truncation (AUD-2d, AUD-7)


def test_cutting_log_and_anchors_back_consistently_is_truncated_with_the_kit(cli: Cli) -> None:
    """Issue 14: log tail, anchor lines and `last_anchor_seq` cut back to an earlier anchor,
    all consistent — this verified OK while anchors were unsigned. The file's last anchor
    names a next key the database no longer holds, and no one can make that key."""
    anchors = read_anchors(cli.anchors_path)
    keep = anchors[-3]
    cli.cut_tail(keep.seq)
    cli.db("UPDATE audit_state SET last_anchor_seq = :k WHERE id = 1", k=keep.seq)
    write_anchors(cli.anchors_path, anchors[:-2])

    code, report = cli.verify(kit=True)
    assert (code, report["status"]) == (1, "TRUNCATED"), report
    assert "removed from the end" in report["message"]
    # The app then appended its own anchor after the cut (its key continues the real chain):
    # the gap in the count of signed anchors still shows, in every mode.
    for report in all_three(cli):
        assert report["status"] == "TRUNCATED", report
        assert "were removed before" in report["message"]


def test_dropping_the_newest_anchor_lines_is_truncated(cli: Cli) -> None:
    """The last lines go and `last_anchor_seq` is lowered to match: TRUNCATED, any mode."""
    anchors = read_anchors(cli.anchors_path)
    write_anchors(cli.anchors_path, anchors[:-1])
    cli.db("UPDATE audit_state SET last_anchor_seq = :k WHERE id = 1", k=anchors[-2].seq)
    code, report = cli.verify(kit=True)
    assert (code, report["status"]) == (1, "TRUNCATED"), report


# ------------------------------------------------------------------ forgery with the DB key


@pytest.fixture
def live(admin: SignedIn, tmp_path: Path) -> tuple[SignedIn, Path, int, int]:
    """A session in progress: 20 events, a checkpoint, 10 more, all in the current epoch.

    Returns (admin, kit path, seq of the checkpoint, seq of the first event of the epoch)."""
    restart(admin)  # a normal start: the create session's epoch 0 is over
    first = state(admin.ctx)["last_seq"] + 1
    record_many(admin.ctx, 20)
    with admin.ctx.session() as s:
        anchor = admin.ctx.audit.checkpoint(s)
    assert anchor is not None and anchor.key_epoch == state(admin.ctx)["epoch"]
    record_many(admin.ctx, 10)
    return admin, kit_file(admin, tmp_path), anchor.seq, first


def test_resealed_current_epoch_events_with_a_resigned_anchor_are_detected(
    live: tuple[SignedIn, Path, int, int],
) -> None:
    """AUD-10/AUD-2: an event of the CURRENT epoch behind a checkpoint is changed and the
    chain re-MACed with the stolen epoch key; the anchor is re-signed with the only
    signing key in the database (the next one). Its place in the key chain gives it away."""
    a, kit, anchored, first = live
    target = first + 5
    reseal_from(a, target, {"roles": ["auditor"]})
    assert check(a, kit).status is VerifyStatus.MODIFIED  # the old anchor disagrees

    path = a.ctx.workspace.folder / ANCHOR_FILENAME
    anchors = read_anchors(path)
    index = next(i for i, x in enumerate(anchors) if x.seq == anchored)
    new_head = rows(a.ctx)[anchored - 1]["mac"]
    old = anchors[index]
    anchors[index] = Anchor(old.seq, new_head, old.ts_utc, old.key_epoch, old.signature)
    stolen = state(a.ctx)["anchor_sign_key"]
    next_seed = resign(anchors, a.ctx.workspace.workspace_id, seed=stolen, start=index)
    write_anchors(path, anchors)
    sql(a.ctx, "UPDATE audit_state SET anchor_sign_key = :k WHERE id = 1", k=next_seed)

    for result in (check(a), check(a, key=a.kit["anchor_public_key"]), check(a, kit)):
        assert (result.status, result.seq) == (VerifyStatus.ANCHOR_FORGED, anchored), result
        assert "not signed by the key the checkpoint before it named" in result.message


def test_resealed_current_epoch_events_with_the_anchor_dropped_are_truncated(
    live: tuple[SignedIn, Path, int, int],
) -> None:
    """Same forgery, but the anchor line that pins the changed event is deleted instead."""
    a, kit, anchored, first = live
    reseal_from(a, first + 5, {"roles": ["auditor"]})
    path = a.ctx.workspace.folder / ANCHOR_FILENAME
    anchors = [x for x in read_anchors(path) if x.seq != anchored]
    write_anchors(path, anchors)
    sql(a.ctx, "UPDATE audit_state SET last_anchor_seq = :k WHERE id = 1", k=anchors[-1].seq)
    for result in (check(a), check(a, kit)):
        assert result.status is VerifyStatus.TRUNCATED, result


def test_events_after_the_newest_anchor_remain_forgeable_as_the_readme_says(
    live: tuple[SignedIn, Path, int, int],
) -> None:
    """Honest limit: what is not anchored yet, in the live epoch, can be rewritten by someone
    holding the database key (README "Not detected"). The next evolution closes it."""
    a, kit, anchored, _first = live
    reseal_from(a, anchored + 3, {"roles": ["auditor"]})
    assert check(a, kit).ok


def test_a_whole_new_key_chain_is_caught_by_the_kit_or_the_public_key(
    live: tuple[SignedIn, Path, int, int],
) -> None:
    """The attacker re-signs EVERY line with a fresh chain of their own keys, rooted at a
    key they made, and stores its next key: only a pinned root catches this."""
    a, kit, _anchored, _first = live
    path = a.ctx.workspace.folder / ANCHOR_FILENAME
    anchors = read_anchors(path)
    next_seed = resign(anchors, a.ctx.workspace.workspace_id, seed=signing.new_seed(), start=0)
    write_anchors(path, anchors)
    sql(a.ctx, "UPDATE audit_state SET anchor_sign_key = :k WHERE id = 1", k=next_seed)

    blind = check(a)
    assert blind.ok and "nothing pinned" in blind.anchor_check  # documented limit
    for result in (check(a, key=a.kit["anchor_public_key"]), check(a, kit)):
        assert (result.status, result.seq) == (VerifyStatus.ANCHOR_FORGED, anchors[0].seq)
        assert "the file was replaced" in result.message


def test_aud3_anchors_of_an_earlier_epoch_cannot_be_resigned_with_todays_keys(
    admin: SignedIn, tmp_path: Path
) -> None:
    """AUD-3 for anchors: with everything the DB holds today (epoch key, next signing key,
    even the root derived again from today's key), an anchor of an earlier epoch cannot be
    replaced by one that verifies."""
    restart(admin)
    restart(admin)
    kit = kit_file(admin, tmp_path)
    path = admin.ctx.workspace.folder / ANCHOR_FILENAME
    anchors = read_anchors(path)
    now = state(admin.ctx)
    assert anchors[0].key_epoch < now["epoch"]
    for seed in (now["anchor_sign_key"], signing.root_seed(now["epoch_key"])):
        forged = list(anchors)
        resign(forged, admin.ctx.workspace.workspace_id, seed=seed, start=0)
        write_anchors(path, forged)
        for result in (check(admin, key=admin.kit["anchor_public_key"]), check(admin, kit)):
            assert result.status is VerifyStatus.ANCHOR_FORGED, result
    # The root really is the one derived from K0, which is gone from the workspace.
    assert anchors[0].signature is not None
    k0 = bytes.fromhex(admin.kit["k0"])
    assert anchors[0].signature.pk == signing.public_key_hex(signing.root_seed(k0))
    assert now["epoch_key"] != key_for_epoch(k0, 0)


# --------------------------------------------------------------------------- evolution


def test_the_key_evolves_every_n_events_and_at_shutdown_with_a_signed_anchor(
    admin: SignedIn, tmp_path: Path
) -> None:
    ctx = admin.ctx
    restart(admin)
    with ctx.session() as s:
        ctx.settings.set(s, "audit.evolve_every_events", 10)
    before = state(ctx)
    lines_before = len(read_anchors(ctx.workspace.folder / ANCHOR_FILENAME))
    for _ in range(7):  # 35 events, in separate transactions like real use
        record_many(ctx, 5)
    after = state(ctx)
    anchors = read_anchors(ctx.workspace.folder / ANCHOR_FILENAME)
    assert after["epoch"] - before["epoch"] == 3  # at 10, 20 and 30 events
    new = anchors[lines_before:]
    assert len(new) == 3 and all(x.signature is not None for x in new)
    epochs = {r["key_epoch"] for r in rows(ctx)[before["last_seq"] :]}
    assert epochs == set(range(before["epoch"], after["epoch"] + 1))

    # Clean shutdown: the head is anchored and the key evolves, so the key at rest has
    # sealed nothing and the signing key that signed the last line is gone.
    head = rows(ctx)[-1]
    with ctx.session() as s:
        ctx.audit.shutdown(s)
    last = read_anchors(ctx.workspace.folder / ANCHOR_FILENAME)[-1]
    at_rest = state(ctx)
    assert (last.seq, last.head_mac) == (head["seq"], head["mac"])
    assert at_rest["epoch"] == after["epoch"] + 1 and at_rest["last_seq"] == head["seq"]
    assert last.signature is not None
    assert signing.public_key_hex(at_rest["anchor_sign_key"]) == last.signature.next_pk
    assert check(admin, kit_file(admin, tmp_path)).ok


def test_evolution_setting_is_bounded() -> None:
    from app.settings import REGISTRY, SettingError

    [spec] = [x for x in REGISTRY if x.key == "audit.evolve_every_events"]
    assert spec.default == 1000
    with pytest.raises(SettingError):
        spec.validate(5)


# --------------------------------------------------------------------------- legacy files


def make_legacy(a: SignedIn) -> None:
    """The workspace as a version before signed anchors left it (migration 0501 applied)."""
    path = a.ctx.workspace.folder / ANCHOR_FILENAME
    plain = [Anchor(x.seq, x.head_mac, x.ts_utc, x.key_epoch) for x in read_anchors(path)]
    write_anchors(path, plain)
    sql(
        a.ctx,
        "UPDATE audit_state SET anchor_sign_key = NULL, anchor_count = 0, "
        "anchor_root_epoch = NULL WHERE id = 1",
    )


def test_an_unsigned_legacy_file_is_read_reported_and_then_signed(
    admin: SignedIn, tmp_path: Path
) -> None:
    """Older workspaces: unsigned lines are legacy (not authenticated, and said so); the
    next start roots a signing chain at that epoch and names its key in the log."""
    restart(admin)
    make_legacy(admin)
    old_kit = kit_file(admin, tmp_path, old_format=True)
    legacy = len(read_anchors(admin.ctx.workspace.folder / ANCHOR_FILENAME))
    result = check(admin, old_kit)
    assert result.ok and "no signed checkpoints yet" in result.anchor_check
    assert f"{legacy} older unsigned checkpoints not authenticated" in result.anchor_check

    ctx = restart(admin)
    anchors = read_anchors(ctx.workspace.folder / ANCHOR_FILENAME)
    assert [x.signature is None for x in anchors] == [True] * legacy + [False] * (
        len(anchors) - legacy
    )
    root = [r for r in rows(ctx) if r["action"] == "audit.anchor_key"]
    assert len(root) == 1
    first = anchors[legacy].signature
    assert first is not None and json.loads(root[0]["details_json"])["public_key"] == first.pk
    result = check(admin, old_kit)
    assert result.ok, result
    assert "root key named in the log" in result.anchor_check
    assert "older unsigned checkpoints not authenticated" in result.anchor_check
    assert check(admin).ok
    # A kit made with signed anchors refuses unsigned lines: this is not that workspace's
    # history (born signed), so it is not taken for one.
    assert check(admin, kit_file(admin, tmp_path)).status is VerifyStatus.ANCHOR_FORGED


def test_rerooting_an_upgraded_workspace_at_todays_epoch_is_caught_with_the_kit(
    admin: SignedIn, tmp_path: Path
) -> None:
    """The attacker turns the signed lines of an upgraded workspace back into legacy lines
    and starts a new root from TODAY's epoch key (the scheme's own derivation). The kit
    authenticates the `audit.anchor_key` event of the real root, so this is forged."""
    restart(admin)
    make_legacy(admin)
    old_kit = kit_file(admin, tmp_path, old_format=True)
    restart(admin)
    restart(admin)
    now = state(admin.ctx)
    path = admin.ctx.workspace.folder / ANCHOR_FILENAME
    anchors = read_anchors(path)
    signed_from = next(i for i, x in enumerate(anchors) if x.signature is not None)
    plain = [Anchor(x.seq, x.head_mac, x.ts_utc, x.key_epoch) for x in anchors]
    keep = len(plain) - 1  # legacy up to here, a new root for the newest line
    last = anchors[-1]
    assert last.signature is not None
    nxt = signing.new_seed()
    plain[keep] = signing.sign_anchor(
        admin.ctx.workspace.workspace_id,
        plain[keep],
        seed=signing.root_seed(now["epoch_key"]),
        n=0,
        next_pk=signing.public_key_hex(nxt),
        root_epoch=now["epoch"],
    )
    write_anchors(path, plain)
    sql(
        admin.ctx,
        "UPDATE audit_state SET anchor_sign_key = :k, anchor_count = 1, anchor_root_epoch = :e",
        k=nxt,
        e=now["epoch"],
    )
    assert signed_from < keep
    result = check(admin, old_kit)
    assert (result.status, result.seq) == (VerifyStatus.ANCHOR_FORGED, last.seq), result
    assert check(admin).ok  # without the kit nothing pins the root: documented


def test_a_line_lost_between_commit_and_append_is_put_back_at_the_next_start(cli: Cli) -> None:
    """AUD-2/AUD-7 false alarm removed: the database keeps the newest signed line, so a
    crash after the commit and before the append (the line missing, nothing else changed)
    is repaired with that genuine line at the next start, not reported TRUNCATED forever."""
    lines = cli.anchors_path.read_text().splitlines(keepends=True)
    cli.anchors_path.write_text("".join(lines[:-1]))
    code, report = cli.verify(kit=True)
    assert (code, report["status"]) == (0, "OK"), report
    assert cli.anchors_path.read_text().splitlines(keepends=True)[: len(lines)] == lines
