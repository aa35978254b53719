"""A point where a test holds a long job still, to run another process against it.

`PRIVDESK_TEST_HOLD=<point>=<path>` (e.g. ``import=/tmp/t/hold``): when the job reaches
<point> it writes its pid to the FIFO ``<path>.reached`` and then blocks reading the FIFO
``<path>`` until the test writes to it. Both sides block on FIFOs, so the test needs
neither sleeps nor timers. Unset (always, outside tests), it does nothing.
"""

from __future__ import annotations

import os

HOLD_ENV = "PRIVDESK_TEST_HOLD"


def hold(point: str) -> None:
    spec = os.environ.get(HOLD_ENV, "")
    name, sep, path = spec.partition("=")
    if not sep or name != point or not path:
        return
    with open(f"{path}.reached", "w", encoding="utf-8") as reached:
        reached.write(str(os.getpid()))
    with open(path, encoding="utf-8") as go:
        go.read()
