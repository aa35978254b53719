"""views.tasks: jobs run off the GUI thread and report back on it; the sync runner for tests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypedDict

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QThreadPool, QTimer
from pytestqt.qtbot import QtBot

from app.jobs import Cancelled, JobControl
from views.tasks import QtTaskRunner, SyncTaskRunner, while_alive

TIMEOUT_MS = 3000


def on_gui_thread() -> bool:
    app = QCoreApplication.instance()
    assert app is not None
    return QThread.currentThread() == app.thread()


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    """A private pool per test, drained at teardown so no work leaks into the next test."""
    pool = QThreadPool()
    pool.setMaxThreadCount(4)
    yield pool
    assert pool.waitForDone(TIMEOUT_MS)


@pytest.fixture
def runner(qtbot: QtBot, pool: QThreadPool) -> Iterator[QtTaskRunner]:
    runner = QtTaskRunner(pool)
    yield runner
    runner.cancel_all()
    assert runner.wait_for_done(TIMEOUT_MS), "a job outlived its test"
    assert runner.active_count() == 0


class Callbacks(TypedDict):
    on_done: Callable[[object], None]
    on_error: Callable[[BaseException], None]
    on_progress: Callable[[int, int | None, str], None]
    on_cancelled: Callable[[], None]


class Recorder:
    """Collects callbacks with the thread they ran on."""

    def __init__(self) -> None:
        self.done: list[object] = []
        self.errors: list[BaseException] = []
        self.progress: list[tuple[int, int | None, str]] = []
        self.cancelled = 0
        self.off_gui_thread: list[str] = []

    def _check_thread(self, what: str) -> None:
        if not on_gui_thread():
            self.off_gui_thread.append(what)

    def on_done(self, result: object) -> None:
        self._check_thread("done")
        self.done.append(result)

    def on_error(self, exc: BaseException) -> None:
        self._check_thread("error")
        self.errors.append(exc)

    def on_progress(self, done: int, total: int | None, message: str) -> None:
        self._check_thread("progress")
        self.progress.append((done, total, message))

    def on_cancelled(self) -> None:
        self._check_thread("cancelled")
        self.cancelled += 1

    def callbacks(self) -> Callbacks:
        return {
            "on_done": self.on_done,
            "on_error": self.on_error,
            "on_progress": self.on_progress,
            "on_cancelled": self.on_cancelled,
        }

    @property
    def finished(self) -> bool:
        return bool(self.done or self.errors or self.cancelled)


def test_result_reaches_on_done_on_the_gui_thread(qtbot: QtBot, runner: QtTaskRunner) -> None:
    rec = Recorder()
    job_threads: list[int] = []

    def job(control: JobControl) -> str:
        job_threads.append(threading.get_ident())
        return "42 tickets"

    handle = runner.submit(job, **rec.callbacks())
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT_MS)

    assert rec.done == ["42 tickets"]
    assert rec.off_gui_thread == []
    assert job_threads and job_threads[0] != threading.get_ident()  # it ran on a worker
    assert handle.done
    assert runner.active_count() == 0


def test_progress_arrives_on_the_gui_thread_throttled_and_ending_on_the_final_value(
    qtbot: QtBot, runner: QtTaskRunner
) -> None:
    rec = Recorder()
    steps = 20_000

    def job(control: JobControl) -> int:
        for n in range(1, steps + 1):
            control.report(n, steps, f"row {n}")
        return steps

    runner.submit(job, **rec.callbacks())
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT_MS)

    assert rec.done == [steps]
    assert rec.off_gui_thread == []
    assert rec.progress[-1] == (steps, steps, f"row {steps}")
    # Coalesced: the event loop got a handful of updates, not one per row.
    assert 1 <= len(rec.progress) < 200
    dones = [p[0] for p in rec.progress]
    assert dones == sorted(dones)


def test_a_swallowed_last_report_is_still_delivered_before_the_result(
    qtbot: QtBot, runner: QtTaskRunner
) -> None:
    order: list[str] = []

    def job(control: JobControl) -> None:
        control.report(1, None, "scanning")
        control.report(2, None, "almost")  # within the throttle interval: held back
        control.report(3, None, "last")

    runner.submit(
        job,
        on_progress=lambda d, t, m: order.append(m),
        on_done=lambda _result: order.append("done"),
    )
    qtbot.waitUntil(lambda: "done" in order, timeout=TIMEOUT_MS)

    assert order[-2:] == ["last", "done"]


def test_exception_reaches_on_error_with_its_type(qtbot: QtBot, runner: QtTaskRunner) -> None:
    rec = Recorder()

    def job(control: JobControl) -> None:
        control.report(1, 2)
        raise KeyError("customer@example.com")

    handle = runner.submit(job, **rec.callbacks())
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT_MS)

    assert len(rec.errors) == 1
    assert type(rec.errors[0]) is KeyError
    assert rec.done == []
    assert rec.cancelled == 0
    assert rec.off_gui_thread == []
    assert handle.done


def test_unhandled_error_is_logged_by_type_only(
    qtbot: QtBot, runner: QtTaskRunner, caplog: pytest.LogCaptureFixture
) -> None:
    def leaky_job(control: JobControl) -> None:
        raise ValueError("Jane Doe, jane@example.com")

    with caplog.at_level(logging.ERROR, logger="views.tasks"):
        handle = runner.submit(leaky_job)
        qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT_MS)

    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert "ValueError" in record.getMessage()
    assert "leaky_job" in record.getMessage()
    assert "jane" not in caplog.text.lower()
    assert record.exc_info is None  # no traceback, which would repeat the message


def test_cancel_stops_a_reporting_job_and_calls_on_cancelled_only(
    qtbot: QtBot, runner: QtTaskRunner
) -> None:
    rec = Recorder()
    stopped_at: list[float] = []

    def job(control: JobControl) -> None:
        n = 0
        try:
            while True:  # would run forever without cancel
                n += 1
                control.report(n)
                time.sleep(0.001)
        finally:
            stopped_at.append(time.monotonic())

    handle = runner.submit(job, **rec.callbacks())
    qtbot.waitUntil(lambda: bool(rec.progress), timeout=TIMEOUT_MS)
    cancelled_at = time.monotonic()
    handle.cancel()
    qtbot.waitUntil(lambda: rec.finished, timeout=1000)

    assert rec.cancelled == 1
    assert rec.done == []
    assert rec.errors == []
    assert rec.off_gui_thread == []
    assert stopped_at[0] - cancelled_at < 0.5
    assert handle.done


def test_job_raising_cancelled_itself_counts_as_cancelled(
    qtbot: QtBot, runner: QtTaskRunner
) -> None:
    rec = Recorder()

    def job(control: JobControl) -> None:
        raise Cancelled

    runner.submit(job, **rec.callbacks())
    qtbot.waitUntil(lambda: rec.finished, timeout=TIMEOUT_MS)

    assert (rec.cancelled, rec.done, rec.errors) == (1, [], [])


def test_gui_keeps_serving_events_while_a_long_job_runs(qtbot: QtBot, runner: QtTaskRunner) -> None:
    ticks = 0
    ticks_when_done: list[int] = []

    def tick() -> None:
        nonlocal ticks
        ticks += 1

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    def slow_job(control: JobControl) -> str:
        start = time.monotonic()
        while time.monotonic() - start < 1.0:
            control.report(int((time.monotonic() - start) * 100), 100)
            time.sleep(0.005)  # on the worker thread, never the GUI thread
        return "finished"

    timer.start()
    runner.submit(slow_job, on_done=lambda _r: ticks_when_done.append(ticks))
    qtbot.waitUntil(lambda: bool(ticks_when_done), timeout=TIMEOUT_MS)
    timer.stop()

    assert ticks_when_done[0] >= 20


def test_callbacks_of_a_deleted_qobject_are_skipped(qtbot: QtBot, runner: QtTaskRunner) -> None:
    class Pane(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.results: list[object] = []

        def show_result(self, result: object) -> None:
            self.results.append(result)

    release = threading.Event()

    def job(control: JobControl) -> str:
        release.wait(TIMEOUT_MS / 1000)
        return "late"

    pane = Pane()
    handle = runner.submit(job, on_done=pane.show_result)
    shiboken6.delete(pane)  # the pane is closed while its job still runs
    release.set()
    qtbot.waitUntil(lambda: handle.done, timeout=TIMEOUT_MS)

    assert pane.results == []  # the Python side survives; the callback was not made


def test_a_closure_bound_to_a_deleted_owner_is_skipped(qtbot: QtBot, runner: QtTaskRunner) -> None:
    release = threading.Event()
    results: list[object] = []

    def job(control: JobControl) -> str:
        release.wait(TIMEOUT_MS / 1000)
        return "late"

    owner, survivor = QObject(), QObject()
    handle = runner.submit(job, on_done=while_alive(owner, lambda r: results.append(("gone", r))))
    kept = runner.submit(job, on_done=while_alive(survivor, lambda r: results.append(("kept", r))))
    shiboken6.delete(owner)  # a lambda has no __self__: only while_alive knows whose it is
    release.set()
    qtbot.waitUntil(lambda: handle.done and kept.done, timeout=TIMEOUT_MS)

    assert results == [("kept", "late")]


def test_many_jobs_all_complete_and_active_count_drains(qtbot: QtBot, runner: QtTaskRunner) -> None:
    results: list[int] = []
    counts: list[int] = []
    runner.activeCountChanged.connect(counts.append)

    def square(i: int) -> Callable[[JobControl], int]:
        return lambda control: i * i

    for i in range(25):
        runner.submit(square(i), on_done=results.append)

    assert runner.active_count() == 25
    assert runner.wait_for_done(TIMEOUT_MS)
    assert sorted(results) == [i * i for i in range(25)]
    assert runner.active_count() == 0
    assert counts[-1] == 0


def test_wait_for_done_times_out_on_a_stuck_job(qtbot: QtBot, runner: QtTaskRunner) -> None:
    release = threading.Event()
    handle = runner.submit(lambda control: release.wait(TIMEOUT_MS / 1000))

    assert not runner.wait_for_done(50)
    assert not handle.done
    release.set()
    assert runner.wait_for_done(TIMEOUT_MS)
    assert handle.done


# --- SyncTaskRunner --------------------------------------------------------------------


def test_sync_runner_delivers_progress_and_result_before_submit_returns() -> None:
    rec = Recorder()

    def job(control: JobControl) -> str:
        for n in range(1, 4):
            control.report(n, 3, "step")
        return "ok"

    handle = SyncTaskRunner().submit(job, **rec.callbacks())

    assert handle.done
    assert rec.progress == [(1, 3, "step"), (2, 3, "step"), (3, 3, "step")]
    assert rec.done == ["ok"]
    assert (rec.errors, rec.cancelled) == ([], 0)


def test_sync_runner_delivers_errors_and_cancellation() -> None:
    rec = Recorder()
    runner = SyncTaskRunner()

    def failing(control: JobControl) -> None:
        raise OSError("disk full")

    def cancelling(control: JobControl) -> None:
        raise Cancelled

    runner.submit(failing, **rec.callbacks())
    runner.submit(cancelling, **rec.callbacks())

    assert [type(e) for e in rec.errors] == [OSError]
    assert rec.cancelled == 1
    assert rec.done == []
    assert runner.submitted == 2
