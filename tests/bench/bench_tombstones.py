"""Tombstone benchmark: what skipping erased subjects costs an import (issue 14).

Run: python tests/bench/bench_tombstones.py [--tickets N] [--tombstones T]   (default 5,000
tickets, 1,000 tombstones).

The same generated Zendesk NDJSON export (app.demodata) is imported twice, each in a fresh
subprocess and workspace: first with no tombstones (the baseline: the filter is off), then
with T tombstones of people not in the export, so every user, reference, CC list, e-mail
and phone-like string in the text is hashed and looked up but nothing matches. Printed:
both times and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[2])
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
from pathlib import Path
from tests.conftest import sign_in_admin
from app.dsar import tombstones
from app.helpdesk import HelpdeskService
signed = sign_in_admin(Path(sys.argv[3]))
n = int(sys.argv[4])
if n:
    key = tombstones.key_for(signed.ctx.workspace)
    values = []
    for i in range(n):
        values += [("user_id", 9_000_000 + i), ("email", f"gone{i}@erased.example"),
                   ("phone", f"+1 555 {i:07d}")]
    with signed.ctx.session() as s:
        tombstones.add(s, key, values, request_id=None, now="2026-12-03T00:00:00Z")
t0 = time.perf_counter()
result = HelpdeskService(signed.ctx, signed.principal).import_zendesk(Path(sys.argv[1]))
seconds = time.perf_counter() - t0
signed.ctx.close()
print(json.dumps({"seconds": seconds, "skipped": result.erased_skipped,
                  "records": sum(c["read"] for c in result.counts.values())}))
"""


def run(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT, *args],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=5_000)
    parser.add_argument("--tombstones", type=int, default=1_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.demodata import generate

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        t0 = time.perf_counter()
        generate(export, tickets=args.tickets, agents=60, end_users=2000)
        (export / "roster.csv").unlink()
        print(f"export: {args.tickets:,} tickets (generated in {time.perf_counter() - t0:.1f} s)")
        base = run(str(export), str(ROOT), str(Path(tmp) / "ws0"), "0")
        tomb = run(str(export), str(ROOT), str(Path(tmp) / "ws1"), str(args.tombstones))
        assert tomb["skipped"] == 0 and tomb["records"] == base["records"]
        print(f"no tombstones:           {base['seconds']:.2f} s ({base['records']:,.0f} records)")
        print(f"{3 * args.tombstones:,} tombstones, no match: {tomb['seconds']:.2f} s")
        print(f"ratio: {tomb['seconds'] / base['seconds']:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
