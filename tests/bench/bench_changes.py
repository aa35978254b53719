"""What live refresh costs on SQLite (issue 17): the review pane's ChangeFeed with a campaign
of 10,000 items, against the reload it saves the officer from doing by hand.

    .venv/bin/python tests/bench/bench_changes.py [--agents 10000] [--polls 500]

  1. An idle look (`ChangeFeed.moved`: ``PRAGMA data_version`` unchanged), what every
     2-second tick costs the GUI thread while nobody writes, vs the baseline: the pane's
     own reload (`ReviewService.items`).
  2. A poll after another connection's decision (the area fingerprints are read; on the
     task runner, not the GUI thread), vs the same baseline.

Prints milliseconds and ratios to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring

from tests.bench.bench_review import plant
from tests.conftest import FakeKeyring, sign_in_admin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--polls", type=int, default=500)
    args = parser.parse_args()
    keyring.set_keyring(FakeKeyring())

    from app.changes import ChangeFeed
    from app.keystore import KeyringStore
    from app.review import ReviewService
    from app.workspace import Workspace
    from tests.test_review_data import officer

    with tempfile.TemporaryDirectory() as tmp:
        signed = sign_in_admin(Path(tmp) / "ws")
        ctx = signed.ctx
        plant(ctx, args.agents)
        priya, _ = officer(signed)
        service = ReviewService(ctx, priya)
        campaign = service.create_campaign("bench")
        items = service.items(campaign.id)

        reloads = []
        for _ in range(5):
            t0 = time.perf_counter()
            service.items(campaign.id)
            reloads.append(time.perf_counter() - t0)
        baseline = statistics.median(reloads)

        other = Workspace.open(
            ctx.workspace.folder, keyring_store=KeyringStore(), passphrase=signed.passphrase
        )
        feed = ChangeFeed(other.engine)
        feed.poll()
        idle = []
        for _ in range(args.polls):
            t0 = time.perf_counter()
            assert not feed.moved()
            idle.append(time.perf_counter() - t0)

        changed = []
        for it in items[:20]:
            service.decide([it.id], "keep", justification="bench", expected_versions={it.id: 1})
            t0 = time.perf_counter()
            assert feed.poll() == {"review"}
            changed.append(time.perf_counter() - t0)
        feed.close()
        other.close()
        ctx.close()

    idle_ms, changed_ms = statistics.median(idle) * 1000, statistics.median(changed) * 1000
    print(f"review items                    {len(items):>8}")
    print(f"baseline: pane reload (items)   {baseline * 1000:8.2f} ms")
    print(
        f"idle look (median of {args.polls})      {idle_ms:8.3f} ms  "
        f"({idle_ms / (baseline * 1000):.4f}x baseline)"
    )
    print(
        f"poll after a change (median)    {changed_ms:8.3f} ms  "
        f"({changed_ms / (baseline * 1000):.4f}x baseline)"
    )


if __name__ == "__main__":
    main()
