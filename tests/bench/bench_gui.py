"""GUI responsiveness. Run: `python tests/bench/bench_gui.py`.

Every figure is a ratio against a baseline measured in the same run on the same machine:
  1. Time to the first window (QApplication + AppFlow.start, in a fresh interpreter) vs a
     fresh interpreter that only starts a QApplication and shows an empty widget.
  2. Cancel latency: from `handle.cancel()` to the job's loop ending, vs the round trip of
     a job that returns at once (submit → on_done on the GUI thread).
  3. Timer ticks the GUI thread serves (10 ms timer) during 1 s of a busy background job,
     vs during 1 s idle.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.jobs import JobControl
from views.tasks import QtTaskRunner

ROOT = Path(__file__).resolve().parents[2]
START = """
import sys, time
t = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
{body}
app.processEvents()
print(time.perf_counter() - t)
"""
BARE = "from PySide6.QtWidgets import QWidget\nw = QWidget()\nw.show()"
FIRST_WINDOW = (
    "import views.app\nfrom views.flow import AppFlow\nfrom views.tasks import QtTaskRunner\n"
    "flow = AppFlow(QtTaskRunner())\nflow.start()"
)


def started_in(body: str) -> float:
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", START.format(body=body)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            cwd=ROOT,
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return min(runs)


def bench_first_window() -> None:
    bare, window = started_in(BARE), started_in(FIRST_WINDOW)
    print(
        f"1. first window {window * 1000:.0f} ms vs bare QApplication + widget "
        f"{bare * 1000:.0f} ms  → ratio {window / bare:.2f}x"
    )


def spin(until: Callable[[], bool], timeout_s: float = 10.0) -> None:
    clock = QElapsedTimer()
    clock.start()
    while not until() and clock.elapsed() < timeout_s * 1000:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def round_trip(runner: QtTaskRunner) -> float:
    done: list[float] = []
    t0 = time.perf_counter()
    runner.submit(lambda control: None, on_done=lambda _r: done.append(time.perf_counter()))
    spin(lambda: bool(done))
    return done[0] - t0


def cancel_latency(runner: QtTaskRunner) -> float:
    stopped: list[float] = []
    reports: list[int] = []

    def job(control: JobControl) -> None:
        try:
            while True:
                reports.append(1)
                control.report(len(reports))
                time.sleep(0.001)
        finally:
            stopped.append(time.perf_counter())

    handle = runner.submit(job)
    spin(lambda: bool(reports))
    t0 = time.perf_counter()
    handle.cancel()
    spin(lambda: bool(stopped))
    return stopped[0] - t0


def bench_cancel(runner: QtTaskRunner) -> None:
    rt = statistics.median(round_trip(runner) for _ in range(20))
    lat = statistics.median(cancel_latency(runner) for _ in range(20))
    runner.wait_for_done(5000)
    print(
        f"2. cancel latency {lat * 1000:.2f} ms vs no-op job round trip {rt * 1000:.2f} ms"
        f"  → ratio {lat / rt:.2f}x"
    )


def ticks_during(runner: QtTaskRunner | None) -> int:
    ticks = [0]
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    finished: list[bool] = []

    def busy(control: JobControl) -> None:
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            control.report(0, None)
            sum(range(2000))  # holds the GIL in bursts, as real work does

    timer.start()
    if runner is None:
        end = time.perf_counter() + 1.0
        spin(lambda: time.perf_counter() >= end)
    else:
        runner.submit(busy, on_done=lambda _r: finished.append(True))
        spin(lambda: bool(finished))
    timer.stop()
    return ticks[0]


def main() -> int:
    bench_first_window()
    app = QApplication.instance() or QApplication([])
    runner = QtTaskRunner()
    bench_cancel(runner)
    idle, busy = ticks_during(None), ticks_during(runner)
    print(
        f"3. timer ticks in 1 s: during a busy job {busy} vs idle {idle}"
        f"  → ratio {busy / max(idle, 1):.2f}x"
    )
    runner.wait_for_done(5000)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
