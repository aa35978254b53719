"""Import benchmark: rows/s and peak memory for a generated Zendesk NDJSON export.

Run: python tests/bench/bench_import.py [--tickets N]   (default 20,000 tickets ≈ 70k comments;
the issue's full size is --tickets 200000, ≈ 1 GB of NDJSON and 700k comments).

Each measurement runs in a fresh subprocess so peak RSS (ru_maxrss) belongs to it alone.
The baseline, in the same run, is the cheapest possible pass over the same files: reading
and json-parsing every line. The ratio import/parse shows what validation, hashing,
encryption and FTS indexing cost on top of reading the data at all.
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

PARSE = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter(); rows = 0
for f in sorted(Path(sys.argv[1]).glob("*.ndjson")):
    with open(f, encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line); rows += 1 + len(obj.get("comments", ()))
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[2])
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
from pathlib import Path
from tests.conftest import sign_in_admin
from app.helpdesk import HelpdeskService
signed = sign_in_admin(Path(sys.argv[3]))
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
result = HelpdeskService(signed.ctx, signed.principal).import_zendesk(Path(sys.argv[1]))
seconds = time.perf_counter() - t0
signed.ctx.close()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss, "rss_before_mb": rss0,
                  "counts": dict(result.counts)}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=20_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from app.demodata import generate

    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        t0 = time.perf_counter()
        generate(export, tickets=args.tickets, agents=60, end_users=2000)
        (export / "roster.csv").unlink()
        size_mb = sum(p.stat().st_size for p in export.iterdir()) / 2**20
        print(
            f"export: {args.tickets:,} tickets, {size_mb:.0f} MiB "
            f"(generated in {time.perf_counter() - t0:.1f} s)"
        )
        parse = run(PARSE, str(export))
        imp = run(IMPORT, str(export), str(ROOT), str(Path(tmp) / "ws"))
        rows = parse["rows"]
        print(
            f"parse only: {parse['seconds']:.1f} s, {rows / parse['seconds']:,.0f} rows/s, "
            f"peak RSS {parse['rss_mb']:.0f} MB"
        )
        print(
            f"import:     {imp['seconds']:.1f} s, {rows / imp['seconds']:,.0f} rows/s, "
            f"peak RSS {imp['rss_mb']:.0f} MB (process before import "
            f"{imp['rss_before_mb']:.0f} MB)"
        )
        print(
            f"ratio import/parse time: {imp['seconds'] / parse['seconds']:.1f}x; "
            f"import RSS / parse RSS: {imp['rss_mb'] / parse['rss_mb']:.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
