"""Demo-data generator benchmark: linear in the number of agents (issue 22).

Run: python tests/bench/bench_demodata.py [--agents N]   (default 2,000).

Generates the export at N/4 and at N agents (same end users and tickets) and prints both
CPU times and their ratio: linear scaling gives about 4x (the old generator built the list
of active staff per log record and was ~40x here). Then times the active-staff question
alone against the list it replaced (`[p for p in staff if p.can_author(t)]`) over the same
moments, and checks both give the same people.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.demodata import DEFAULT_NOW, generate
from app.demodata.active import ActiveIndex
from app.demodata.logs import _span


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=2000)
    args = ap.parse_args()
    n = args.agents
    with tempfile.TemporaryDirectory() as tmp:
        small = cpu(lambda: generate(Path(tmp) / "a", agents=n // 4, end_users=400, tickets=300))
        big = cpu(lambda: generate(Path(tmp) / "b", agents=n, end_users=400, tickets=300))
    print(f"generate {n // 4:>6} agents: {small:6.2f} s CPU")
    print(f"generate {n:>6} agents: {big:6.2f} s CPU   ratio {big / small:.1f}x for 4x agents")

    from app.demodata.generator import _Generator

    g = _Generator(Path(tempfile.gettempdir()), n, 400, 0, 7, DEFAULT_NOW)
    g._make_roles_and_groups()
    g._make_organizations()
    g._make_staff()
    staff = g.staff
    rng = random.Random(1)
    moments = [DEFAULT_NOW - timedelta(minutes=rng.randint(30, 525_600)) for _ in range(2000)]
    naive = cpu(lambda: [[p for p in staff if p.can_author(t)] for t in moments])
    index = ActiveIndex(staff, _span)
    fast = cpu(lambda: [list(index.at(t)) for t in moments])
    pick = cpu(lambda: [index.at(t)[len(index.at(t)) // 2] for t in moments if len(index.at(t))])
    same = all([p for p in staff if p.can_author(t)] == list(index.at(t)) for t in moments[:200])
    print(f"active staff, {len(staff)} staff x {len(moments)} moments:")
    print(f"  list comprehension (old)  {naive * 1000:8.1f} ms")
    print(f"  index, whole list         {fast * 1000:8.1f} ms")
    print(f"  index, one draw (as used) {pick * 1000:8.1f} ms   {naive / pick:.0f}x faster")
    print(f"  same people: {same}")


if __name__ == "__main__":
    main()
