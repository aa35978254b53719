"""Zendesk API sync benchmark: objects/s and peak memory against the local test server.

Run: python tests/bench/bench_zendesk_sync.py [--tickets N] [--comments]
(default 20,000 tickets; the issue's figure is --tickets 100000).

The test server (tests/zendesk_server.py) runs in this process with a synthetic account
of N tickets served 1,000 a page by the incremental cursor export; each measurement runs
in a fresh subprocess so its peak RSS (ru_maxrss) is its own; a second sync run under
tracemalloc gives the Python heap's peak during the sync alone. The baseline, in the same
run, is the cheapest possible client of the same pages: GET every export page with httpx
and json-parse it. The ratio sync/baseline shows what validation, the page transactions,
hashing, encryption and FTS indexing cost on top of fetching the data at all.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.zendesk_server import EMAIL, TOKEN, ZendeskServer  # noqa: E402

BASELINE = r"""
import json, resource, sys, time
import httpx
url, email, token = sys.argv[1:4]
t0 = time.perf_counter(); objects = pages = 0
with httpx.Client(auth=(email + "/token", token), timeout=60) as http:
    params = {"start_time": "0", "per_page": "1000"}
    while True:
        data = json.loads(http.get(url + "/api/v2/incremental/tickets/cursor.json",
                                   params=params).content)
        objects += len(data["tickets"]); pages += 1
        if data["end_of_stream"]:
            break
        params = {"cursor": data["after_cursor"], "per_page": "1000"}
print(json.dumps({"seconds": time.perf_counter() - t0, "objects": objects, "pages": pages,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

SYNC = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[4])
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
from pathlib import Path
from tests.conftest import sign_in_admin
from app.security.auth import AuthService
from app.zendesk.connection import ConnectionService
from app.zendesk.sync import SyncService
url, email, token = sys.argv[1:4]
signed = sign_in_admin(Path(sys.argv[5]))
admin = AuthService(signed.ctx).step_up(signed.principal, signed.code())
ConnectionService(signed.ctx, admin).connect(subdomain="bench", email=email, token=token,
                                             base_url=url)
officer, _ = signed.add_operator("olive", ["privacy_officer"])
sync = SyncService(signed.ctx, officer)
sync.sync(["users"])  # the directory the tickets refer to
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
only = ["tickets", "comments"] if sys.argv[6] == "1" else ["tickets"]
import tracemalloc
if sys.argv[7] == "1":
    tracemalloc.start()
t0 = time.perf_counter()
result = sync.sync(only)
seconds = time.perf_counter() - t0
heap_mb = tracemalloc.get_traced_memory()[1] / 2**20 if sys.argv[7] == "1" else None
signed.ctx.close()
print(json.dumps({"seconds": seconds, "objects": sum(v["objects"] for v in result.kinds.values()),
                  "pages": sum(v["pages"] for v in result.kinds.values()),
                  "requests": result.requests, "counts": result.counts,
                  "rss_before_mb": rss0, "heap_peak_mb": heap_mb,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--comments", action="store_true", help="also each ticket's comments")
    args = parser.parse_args()
    with ZendeskServer(page_limit=1000) as server:
        template = server.account.tickets[101]
        for n in range(args.tickets):
            server.account.change(
                {
                    **template,
                    "id": 1_000_000 + n,
                    "subject": f"Order question {n}",
                    "description": f"Please call me back about order {n}; write to "
                    f"customer{n}@example.com.",
                }
            )
        base = run(BASELINE, server.url, EMAIL, TOKEN)
        with tempfile.TemporaryDirectory() as tmp:
            sync = run(
                SYNC, server.url, EMAIL, TOKEN, str(ROOT), str(Path(tmp) / "ws"),
                "1" if args.comments else "0", "0",
            )  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            traced = run(
                SYNC, server.url, EMAIL, TOKEN, str(ROOT), str(Path(tmp) / "ws"),
                "1" if args.comments else "0", "1",
            )  # fmt: skip
    b_rate = float(base["objects"]) / float(base["seconds"])  # type: ignore[arg-type]
    s_rate = float(sync["objects"]) / float(sync["seconds"])  # type: ignore[arg-type]
    print(f"tickets served        {args.tickets:>10,}")
    print(f"baseline (GET+parse)  {b_rate:>10,.0f} objects/s  peak {base['rss_mb']:.0f} MB")
    print(
        f"sync                  {s_rate:>10,.0f} objects/s  peak {sync['rss_mb']:.0f} MB "
        f"(before the sync {sync['rss_before_mb']:.0f} MB; {sync['pages']} pages, "
        f"{sync['requests']} requests)"
    )
    print(
        f"sync Python heap peak {traced['heap_peak_mb']:>10.1f} MB (tracemalloc, a second run; "
        "the RSS peak above is mostly the process's start: imports, key derivation)"
    )
    print(f"ratio sync/baseline   {b_rate / s_rate:>10.1f}x slower")


if __name__ == "__main__":
    main()
