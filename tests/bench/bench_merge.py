"""Partial-import benchmark: merging a 2-row agents CSV into a large directory.

Run: python tests/bench/bench_merge.py [--people N]   (default 20,000)

Baseline, measured in the same run: importing the full N-person directory (a complete
NDJSON account export). A merge copies the latest snapshot in SQL and compares it with
the previous one row by row; the ratio merge/full says what keeping history costs for a
two-row file. No wall-clock assertion anywhere: this prints numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    n = parser.parse_args().people
    from app.helpdesk import HelpdeskService
    from tests.conftest import sign_in_admin

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        with (folder / "users.ndjson").open("w", encoding="utf-8") as f:
            for i in range(1, n + 1):
                role = "agent" if i % 10 == 0 else "end-user"
                f.write(
                    json.dumps(
                        {
                            "id": i,
                            "name": f"P {i}",
                            "email": f"p{i}@x.test",
                            "role": role,
                            "last_login_at": "2026-11-01T00:00:00Z",
                        }
                    )
                )
                f.write("\n")
        csv = Path(tmp) / "agents.csv"
        csv.write_text("id,name,email\n10,Renamed,p10@x.test\n,New,new@x.test\n", "utf-8")
        signed = sign_in_admin(Path(tmp) / "ws")
        svc = HelpdeskService(signed.ctx, signed.principal)
        t0 = time.perf_counter()
        svc.import_zendesk(folder)
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        merged = svc.import_csv("agents", csv)
        merge = time.perf_counter() - t0
        signed.ctx.close()
    print(
        f"people {n}: full import {full:.2f} s, 2-row merge {merge:.2f} s, "
        f"ratio merge/full {merge / full:.2f}; {merged.summary()}"
    )


if __name__ == "__main__":
    main()
