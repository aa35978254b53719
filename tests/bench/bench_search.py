"""Search benchmark. Run: `make bench` or `python tests/bench/bench_search.py [--comments N]`.

Builds a workspace with N comments (default 50,000; the issue's 1M works, slowly) on N/5
tickets, bulk-inserted through the FTS triggers, with emails and phones planted in several
spellings. Then, for email and phone queries, latency p50/p95 of
  - SearchService.search (permission check, FTS5, confirmation, masking, audit commit),
  - Fts5Backend alone (the index lookups and confirmation),
against the same lookups by ``LIKE '%…%'`` scans of subjects, descriptions and comment
bodies (for phones the LIKE baseline is even told the spellings planted).
Figures are ratios against that baseline, measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from sqlalchemy import insert, text

from app.clock import FixedClock
from app.context import AppContext
from app.crypto.envelope import ScryptParams
from app.search import Fts5Backend, SearchService, parse_query
from app.security import totp
from app.security.auth import AuthService, Principal
from models.helpdesk import Comment, Ticket

WORDS = tuple(
    re.findall(
        r"\w+",
        "order refund invoice password reset login account billing shipping parcel delivery "
        "broken printer screen update please thanks hello customer support agent ticket issue "
        "payment card declined subscription cancel renew plan upgrade error message app crash",
    )
)
PLANTED = 20  # distinct emails and phones queried
COPIES = 6  # comments each one is planted in
REPEAT = 5
PASSWORD = "correct horse battery staple 42"


def phone_spellings(i: int) -> list[str]:
    area, mid, last = 200 + i, 555, 1000 + i
    return [f"({area}) {mid}-{last}", f"{area}.{mid}.{last}", f"+1 {area} {mid} {last}"]


def build(ctx: AppContext, n_comments: int, rng: random.Random) -> None:
    n_tickets = max(1, n_comments // 5)
    targets: dict[int, str] = {}
    for i in range(PLANTED):
        for c in rng.sample(range(n_comments), COPIES):
            spelling = phone_spellings(i)[c % 3]
            targets[c] = f"write to person{i}@example.com or call {spelling}"

    def sentence(k: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(k))

    t0 = time.perf_counter()
    batch = 5000
    with ctx.session() as s:
        for lo in range(0, n_tickets, batch):
            s.execute(
                insert(Ticket),
                [
                    {
                        "id": t + 1,
                        "subject": sentence(5),
                        "description": f"{sentence(25)} contact u{t}@mail.example {sentence(5)}",
                        "row_hash": "b",
                    }
                    for t in range(lo, min(n_tickets, lo + batch))
                ],
            )
        for lo in range(0, n_comments, batch):
            rows = []
            for c in range(lo, min(n_comments, lo + batch)):
                extra = targets.get(c, f"ref {rng.randrange(10**9)} from x{c}@mail.example")
                rows.append(
                    {
                        "id": c + 1,
                        "ticket_id": c % n_tickets + 1,
                        "body": f"{sentence(20)} {extra} {sentence(10)}",
                        "row_hash": "b",
                    }
                )
            s.execute(insert(Comment), rows)
    dt = time.perf_counter() - t0
    print(
        f"built {n_tickets:,} tickets + {n_comments:,} comments in {dt:.1f} s "
        f"({(n_tickets + n_comments) / dt:,.0f} rows/s, FTS triggers included)"
    )


def signed_in(ctx: AppContext, clock: FixedClock) -> Principal:
    auth = AuthService(ctx)
    enrol = auth.bootstrap_admin("bench", "Bench Admin", PASSWORD)
    auth.confirm_enrolment("bench", totp.current_code(enrol.secret, clock.now()))
    clock.advance(30)
    return auth.login("bench", PASSWORD, totp.current_code(enrol.secret, clock.now())).principal


def timings(queries: list[str], fn: Callable[[str], int]) -> tuple[list[float], list[int]]:
    samples, counts = [], []
    for _ in range(REPEAT):
        for q in queries:
            t0 = time.perf_counter()
            counts.append(fn(q))
            samples.append(time.perf_counter() - t0)
    return samples, counts


def pct(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1] * 1000


def like_scan(ctx: AppContext, spellings: list[str]) -> int:
    where_c = " OR ".join(f"body LIKE :p{i}" for i in range(len(spellings)))
    where_t = " OR ".join(
        f"subject LIKE :p{i} OR description LIKE :p{i}" for i in range(len(spellings))
    )
    params = {f"p{i}": f"%{sp}%" for i, sp in enumerate(spellings)}
    with ctx.session() as s:
        found = s.execute(text(f"SELECT count(*) FROM hd_comments WHERE {where_c}"), params)
        count = int(found.scalar_one())
        found = s.execute(text(f"SELECT count(*) FROM hd_tickets WHERE {where_t}"), params)
        return count + int(found.scalar_one())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comments", type=int, default=50_000, help="comments to create")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock()
        new = AppContext.create(Path(tmp) / "ws", scrypt_params=ScryptParams(n=2**12), clock=clock)
        ctx = new.ctx
        try:
            principal = signed_in(ctx, clock)
            build(ctx, args.comments, random.Random(args.seed))
            service = SearchService(ctx, principal)
            backend = Fts5Backend()
            kinds = ("ticket", "comment")

            def via_service(q: str) -> int:
                return len(service.search(q, kinds, limit=1000))

            def via_backend(q: str) -> int:
                with ctx.read_session() as s:
                    return len(backend.search(s, parse_query(q), kinds, 1000))

            emails = [f"person{i}@example.com" for i in range(PLANTED)]
            phones = [f"+1 {200 + i} 555 {1000 + i}" for i in range(PLANTED)]
            spellings = {p: phone_spellings(i) for i, p in enumerate(phones)}
            print(f"{'query':<6} {'method':<22} {'p50 ms':>9} {'p95 ms':>9} {'ratio LIKE/FTS':>15}")
            like_terms = {**{e: [e] for e in emails}, **spellings}
            for label, queries in (("email", emails), ("phone", phones)):
                base, base_n = timings(queries, lambda q: like_scan(ctx, like_terms[q]))
                rows = [("LIKE '%…%' scan", base, base_n)]
                for name, fn in (("SearchService", via_service), ("Fts5Backend only", via_backend)):
                    samples, counts = timings(queries, fn)
                    rows.append((name, samples, counts))
                    if counts != base_n:
                        print(f"  !! {name} found {sum(counts)} hits, LIKE {sum(base_n)}")
                for name, samples, _ in rows:
                    ratio = statistics.median(base) / statistics.median(samples)
                    print(
                        f"{label:<6} {name:<22} {pct(samples, 50):>9.2f} {pct(samples, 95):>9.2f}"
                        f" {ratio:>14.1f}x"
                    )
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
