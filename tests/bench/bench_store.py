"""Store and audit benchmarks. Run: `make bench` (or python tests/bench/bench_store.py).

Every figure is a ratio against a baseline measured in the same run on the same machine,
so the numbers mean something on any computer:
  1. SQLCipher vs plain SQLite: 20,000 inserts in one transaction, and a full scan.
  2. Opening a connection with the raw 32-byte key vs a passphrase (PBKDF2, 256,000 rounds):
     why PrivDesk gives SQLCipher raw keys.
  3. Sealing audit events (HMAC chain, same transaction) vs plain ORM inserts of the same rows.
  4. Verifying 10,000 audit events in the database (with K0, as `privdesk audit verify
     --kit` does) vs just reading them.
  5. verify_chain over 10,000 sealed events in memory (four key epochs) vs merely encoding
     and MACing each one (the least any verifier must do).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

import sqlcipher3

from app.clock import FixedClock
from app.context import AppContext
from app.crypto.envelope import ScryptParams
from models.security import AuditEntry

ROWS = 20_000


def best_of(n: int, fn: Callable[[], None]) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_inserts(tmp: Path) -> None:
    key = secrets.token_hex(32)
    payload = [(i, f"ticket {i} " + "x" * 120) for i in range(ROWS)]

    def run(module, keyed: bool) -> tuple[float, float]:
        path = tmp / f"ins-{keyed}-{secrets.token_hex(4)}.db"
        conn = module.connect(str(path), isolation_level=None)
        if keyed:
            conn.execute(f"PRAGMA key = \"x'{key}'\"")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)")
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t VALUES (?, ?)", payload)
        conn.execute("COMMIT")
        ins = time.perf_counter() - t0
        t0 = time.perf_counter()
        conn.execute("SELECT count(*), sum(length(body)) FROM t").fetchone()
        scan = time.perf_counter() - t0
        conn.close()
        return ins, scan

    plain = [run(sqlite3, False) for _ in range(3)]
    enc = [run(sqlcipher3, True) for _ in range(3)]
    p_ins, p_scan = min(x[0] for x in plain), min(x[1] for x in plain)
    e_ins, e_scan = min(x[0] for x in enc), min(x[1] for x in enc)
    print(
        f"1. {ROWS:,} inserts: SQLCipher {e_ins * 1000:.1f} ms vs plain SQLite "
        f"{p_ins * 1000:.1f} ms  → ratio {e_ins / p_ins:.2f}x"
    )
    print(
        f"   full scan:      SQLCipher {e_scan * 1000:.1f} ms vs plain SQLite "
        f"{p_scan * 1000:.1f} ms  → ratio {e_scan / p_scan:.2f}x"
    )


def bench_open(tmp: Path) -> None:
    path = tmp / "open.db"
    raw = secrets.token_hex(32)
    conn = sqlcipher3.connect(str(path))
    conn.execute(f"PRAGMA key = \"x'{raw}'\"")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    pw_path = tmp / "open-pw.db"
    conn = sqlcipher3.connect(str(pw_path))
    conn.execute("PRAGMA key = 'correct horse battery staple'")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()

    def open_raw() -> None:
        c = sqlcipher3.connect(str(path))
        c.execute(f"PRAGMA key = \"x'{raw}'\"")
        c.execute("SELECT count(*) FROM sqlite_master").fetchone()
        c.close()

    def open_pw() -> None:
        c = sqlcipher3.connect(str(pw_path))
        c.execute("PRAGMA key = 'correct horse battery staple'")
        c.execute("SELECT count(*) FROM sqlite_master").fetchone()
        c.close()

    t_raw = statistics.median(best_of(5, open_raw) for _ in range(3))
    t_pw = statistics.median(best_of(2, open_pw) for _ in range(2))
    print(
        f"2. open + key check: raw key {t_raw * 1000:.2f} ms vs passphrase (PBKDF2) "
        f"{t_pw * 1000:.1f} ms  → passphrase is {t_pw / t_raw:.0f}x slower"
    )


def bench_audit(tmp: Path) -> None:
    clock = FixedClock()
    new = AppContext.create(tmp / "ws", scrypt_params=ScryptParams(n=2**12), clock=clock)
    ctx = new.ctx
    n = 2000

    def sealed() -> None:
        with ctx.session() as s:
            for i in range(n):
                ctx.audit.record(
                    s,
                    action="bench.event",
                    actor="bench",
                    object_type="ticket",
                    object_id=str(i),
                    details={"i": i},
                )

    counter = iter(range(10**9))

    def plain() -> None:
        with ctx.session() as s:
            base = 10**7 + next(counter) * n
            for i in range(n):
                s.add(
                    AuditEntry(
                        seq=base + i,
                        ts_utc="2026-11-27T12:00:00Z",
                        actor="bench",
                        session_id=None,
                        action="bench.plain",
                        object_type="ticket",
                        object_id=str(i),
                        outcome="ok",
                        details_json='{"i": 0}',
                        key_epoch=0,
                        prev_mac="0" * 64,
                        mac="0" * 64,
                    )
                )
                if i % 500 == 0:
                    s.flush()

    t_sealed = best_of(3, sealed)
    t_plain = best_of(3, plain)
    print(
        f"3. {n:,} audit events: sealed chain {t_sealed * 1000:.0f} ms vs plain ORM inserts "
        f"{t_plain * 1000:.0f} ms  → ratio {t_sealed / t_plain:.2f}x "
        f"({t_sealed / n * 1e6:.0f} µs per event)"
    )
    ctx.close()

    # A clean 10k chain for verification (separate workspace: no plain rows in it).
    new = AppContext.create(tmp / "ws2", scrypt_params=ScryptParams(n=2**12), clock=clock)
    ctx = new.ctx
    with ctx.session() as s:
        for i in range(10_000):
            ctx.audit.record(s, action="bench.event", actor="bench", details={"i": i})
    from app.audit.anchors import kit_from_json, kit_to_json

    _wid, k0 = kit_from_json(kit_to_json(new.verifier_kit))

    def read_only() -> None:
        with ctx.read_session() as s:
            for _ in ctx.audit.events(s):
                pass

    def verify() -> None:
        with ctx.read_session() as s:
            assert ctx.audit.verify(s, k0).ok

    t_read = best_of(3, read_only)
    t_verify = best_of(3, verify)
    print(
        f"4. verify 10,000 events: {t_verify * 1000:.0f} ms vs reading them "
        f"{t_read * 1000:.0f} ms  → ratio {t_verify / t_read:.2f}x"
    )
    ctx.close()


def bench_verify_chain() -> None:
    from app.audit.canonical import canonical_bytes
    from app.audit.chain import ChainWriter
    from app.audit.keys import compute_mac
    from app.audit.verify import verify_chain

    k0 = bytes(range(32))
    writer = ChainWriter(key=k0, key_epoch=0)
    events, anchors = [], []
    for i in range(1, 10_001):
        events.append(
            writer.seal(
                ts_utc=f"2026-11-27T12:00:00.{i:06d}Z",
                actor=f"op-{i % 5}",
                session_id=f"s-{i // 100}",
                action="record.view",
                object_type="ticket",
                object_id=str(i),
                details={"fields": ["status", "priority"], "count": i % 7},
            )
        )
        if i % 2500 == 0:
            anchors.append(writer.anchor(ts_utc=events[-1].ts_utc))
            writer.evolve()

    def baseline() -> None:
        for e in events:
            compute_mac(k0, canonical_bytes(e))

    def verify() -> None:
        assert verify_chain(events, k0=k0, anchors=anchors).ok

    t_base = best_of(3, baseline)
    t_verify = best_of(3, verify)
    print(
        f"5. verify_chain, 10,000 events in memory: {t_verify * 1000:.0f} ms vs encode + MAC "
        f"each {t_base * 1000:.0f} ms  → ratio {t_verify / t_base:.2f}x"
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bench_inserts(Path(tmp))
        bench_open(Path(tmp))
        bench_audit(Path(tmp))
    bench_verify_chain()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
