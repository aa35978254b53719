"""The one background-work primitive of the GUI: run an ``app.jobs`` job off the GUI thread.

Usage from a pane (``ctx.tasks`` is a :class:`TaskRunner`)::

    self._task = ctx.tasks.submit(
        lambda control: service.import_csv(path, progress=control),
        on_done=self._show_import,          # runs on the GUI thread
        on_error=self._show_error,
        on_progress=self._bar.set_progress,  # (done, total | None, message), throttled
        on_cancelled=self._reset,
    )
    ...
    self._task.cancel()

Exactly one of ``on_done`` / ``on_error`` / ``on_cancelled`` is called per job, always on
the GUI thread, after all of its progress callbacks. The job itself never touches widgets.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

import shiboken6
from PySide6.QtCore import (
    QEventLoop,
    QObject,
    QRunnable,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)

from app.jobs import Cancelled, Job, JobControl, ProgressCallback, TaskHandle, TaskRunner

__all__ = ["QtTaskRunner", "SyncTaskRunner", "TaskHandle", "TaskRunner", "while_alive"]

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
Outcome = Literal["done", "error", "cancelled"]

PROGRESS_INTERVAL = 0.05
"""Seconds between two progress deliveries of one job (a finished step is always sent)."""


@dataclass(frozen=True)
class _Callbacks:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: ProgressCallback | None
    on_cancelled: Callable[[], None] | None
    job_name: str


def _job_name(job: Callable[..., object]) -> str:
    # A code name for logs: never the arguments, which may hold personal data.
    return getattr(job, "__qualname__", type(job).__name__)


def _receiver_alive(callback: Callable[..., object]) -> bool:
    """False if ``callback`` is a bound method of a QObject whose C++ side was deleted.

    A pane closed while its job ran must not be called back (that would raise
    "Internal C++ object already deleted"). Lambdas capturing widgets are not covered:
    prefer bound methods of the pane as callbacks.
    """
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


def while_alive(owner: QObject, callback: Callable[P, None]) -> Callable[P, None]:
    """``callback``, skipped once ``owner`` (the pane or dialog that asked) was deleted.

    Covers what :func:`_receiver_alive` cannot see: lambdas and closures that use ``owner``.
    """

    def call(*args: P.args, **kwargs: P.kwargs) -> None:
        if shiboken6.isValid(owner) and _receiver_alive(callback):
            callback(*args, **kwargs)

    return call


def _deliver(callbacks: _Callbacks, outcome: Outcome, payload: object) -> None:
    """Call the one outcome callback; shared by both runners so they behave alike."""
    if outcome == "done":
        if callbacks.on_done is not None and _receiver_alive(callbacks.on_done):
            callbacks.on_done(payload)
    elif outcome == "cancelled":
        if callbacks.on_cancelled is not None and _receiver_alive(callbacks.on_cancelled):
            callbacks.on_cancelled()
    else:
        assert isinstance(payload, BaseException)
        if callbacks.on_error is not None and _receiver_alive(callbacks.on_error):
            callbacks.on_error(payload)
        else:
            # Type name only: exception messages can carry ticket text or e-mail addresses.
            log.error(
                "Background job %s failed with %s",
                callbacks.job_name,
                type(payload).__name__,
            )


def _run_job(job: Job[Any], control: JobControl) -> tuple[Outcome, object]:
    try:
        return "done", job(control)
    except Cancelled:
        return "cancelled", None
    except BaseException as exc:  # everything must reach on_error; nothing may escape
        return "error", exc


class _Handle:
    """A :class:`TaskHandle`; ``done`` flips on the GUI thread when the outcome is delivered."""

    def __init__(self, control: JobControl) -> None:
        self._control = control
        self._done = False

    def cancel(self) -> None:
        """Ask the job to stop; it sees Cancelled at its next ``control.report()``."""
        self._control.cancel()

    @property
    def done(self) -> bool:
        """True once on_done / on_error / on_cancelled has been delivered (or skipped)."""
        return self._done

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called, even if the job has not noticed yet."""
        return self._control.cancelled


class _ProgressThrottle:
    """Worker-side coalescing: forward at most one progress per interval, keep the latest.

    Touched only by the worker thread, so it needs no lock.
    """

    def __init__(self, emit: ProgressCallback, interval: float) -> None:
        self._emit = emit
        self._interval = interval
        self._last_emit = float("-inf")
        self._pending: tuple[int, int | None, str] | None = None

    def __call__(self, done: int, total: int | None, message: str) -> None:
        now = time.monotonic()
        if (total is not None and done >= total) or now - self._last_emit >= self._interval:
            self._last_emit = now
            self._pending = None
            self._emit(done, total, message)
        else:
            self._pending = (done, total, message)

    def flush(self) -> None:
        """Send the latest swallowed value so the GUI ends on the job's final report."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._emit(*pending)


class _Worker(QRunnable):
    """Runs one job on a pool thread and reports back only through the runner's signals."""

    def __init__(
        self,
        runner: QtTaskRunner,
        task_id: int,
        job: Job[Any],
        control: JobControl,
        throttle: _ProgressThrottle,
    ) -> None:
        super().__init__()
        # The runner keeps this object alive until the outcome is delivered; the pool
        # must not delete it behind Python's back.
        self.setAutoDelete(False)
        self._runner = runner
        self._task_id = task_id
        self._job = job
        self._control = control
        self._throttle = throttle

    def run(self) -> None:
        outcome, payload = _run_job(self._job, self._control)
        # Queued signals from one thread arrive in order: last progress, then the outcome.
        self._throttle.flush()
        self._runner._emit_finished(self._task_id, outcome, payload)


@dataclass
class _Task:
    handle: _Handle
    callbacks: _Callbacks
    worker: _Worker | None = None


class QtTaskRunner(QObject):
    """Runs jobs on a QThreadPool; all callbacks run on the GUI thread via queued signals.

    Create it on the GUI thread (it lives there) and call :meth:`submit` from the GUI
    thread. ``pool`` defaults to ``QThreadPool.globalInstance()``. At shutdown call
    :meth:`cancel_all` then :meth:`wait_for_done`.
    """

    activeCountChanged = Signal(int)
    """Number of jobs not yet delivered; for a busy indicator in the status bar."""

    # Internal: emitted from worker threads, received by this object on the GUI thread.
    _progressed = Signal(object, object, object, str)
    _finished = Signal(object, str, object)

    def __init__(
        self,
        pool: QThreadPool | None = None,
        *,
        progress_interval: float = PROGRESS_INTERVAL,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool if pool is not None else QThreadPool.globalInstance()
        self._progress_interval = progress_interval
        self._ids = itertools.count(1)
        self._tasks: dict[int, _Task] = {}
        # Explicitly queued: the emitter is a worker thread, the slots must run here.
        self._progressed.connect(self._on_progressed, Qt.ConnectionType.QueuedConnection)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def pool(self) -> QThreadPool:
        """The pool the jobs run on."""
        return self._pool

    def submit(
        self,
        job: Job[T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: ProgressCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Start ``job`` on the pool and return a handle to cancel it.

        A job that returns normally is delivered to ``on_done`` even if cancel was
        requested meanwhile (its work happened); only a job that raised
        :class:`~app.jobs.Cancelled` goes to ``on_cancelled``.
        """
        if QThread.currentThread() != self.thread():
            raise RuntimeError("QtTaskRunner.submit() must be called from the GUI thread")
        task_id = next(self._ids)

        def emit_progress(done: int, total: int | None, message: str) -> None:
            self._emit_progress(task_id, done, total, message)

        throttle = _ProgressThrottle(emit_progress, self._progress_interval)
        control = JobControl(throttle)
        handle = _Handle(control)
        callbacks = _Callbacks(on_done, on_error, on_progress, on_cancelled, _job_name(job))
        task = _Task(handle, callbacks)
        task.worker = _Worker(self, task_id, job, control, throttle)
        self._tasks[task_id] = task
        self._pool.start(task.worker)
        self.activeCountChanged.emit(len(self._tasks))
        return handle

    def active_count(self) -> int:
        """Jobs submitted whose outcome has not been delivered yet."""
        return len(self._tasks)

    def cancel_all(self) -> None:
        """Request cancellation of every job in flight (e.g. when the window closes)."""
        for task in self._tasks.values():
            task.handle.cancel()

    def wait_for_done(self, timeout_ms: int = -1) -> bool:
        """Serve the event loop until every job's outcome is delivered; for shutdown/tests.

        Returns False if ``timeout_ms`` (negative: no limit) passed first. Callbacks run
        during the wait, as they would in the normal event loop.
        """
        if not self._tasks:
            return True
        loop = QEventLoop()

        def on_count(count: int) -> None:
            if count == 0:
                loop.quit()

        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self.activeCountChanged.connect(on_count)
        try:
            if timeout_ms >= 0:
                timer.start(timeout_ms)
            loop.exec()
        finally:
            timer.stop()
            self.activeCountChanged.disconnect(on_count)
        return not self._tasks

    # --- worker thread side -------------------------------------------------------

    def _emit_progress(self, task_id: int, done: int, total: int | None, message: str) -> None:
        # RuntimeError: the runner was deleted (application shutting down); nobody to tell.
        with contextlib.suppress(RuntimeError):
            self._progressed.emit(task_id, done, total, message)

    def _emit_finished(self, task_id: int, outcome: Outcome, payload: object) -> None:
        with contextlib.suppress(RuntimeError):
            self._finished.emit(task_id, outcome, payload)

    # --- GUI thread side ----------------------------------------------------------

    @Slot(object, object, object, str)
    def _on_progressed(self, task_id: int, done: int, total: int | None, message: str) -> None:
        task = self._tasks.get(task_id)
        if task is None:
            return
        callback = task.callbacks.on_progress
        if callback is not None and _receiver_alive(callback):
            callback(done, total, message)

    @Slot(object, str, object)
    def _on_finished(self, task_id: int, outcome: Outcome, payload: object) -> None:
        task = self._tasks.pop(task_id, None)
        if task is None:
            return
        task.handle._done = True
        try:
            _deliver(task.callbacks, outcome, payload)
        finally:
            self.activeCountChanged.emit(len(self._tasks))


class _SyncHandle:
    """Handle of an already finished synchronous job."""

    def __init__(self) -> None:
        self._done = False

    def cancel(self) -> None:
        """No effect: the job has already run."""

    @property
    def done(self) -> bool:
        """True: the job and its callbacks ran inside ``submit``."""
        return self._done


class SyncTaskRunner:
    """Runs each job immediately in the calling thread and calls back before returning.

    For unit tests of panes (as picard's synchronous fake pool): no threads, no waiting,
    and the same outcome rules as :class:`QtTaskRunner` (every progress report is
    delivered, unthrottled). ``submitted`` counts jobs, for assertions.
    """

    def __init__(self) -> None:
        self.submitted = 0

    def submit(
        self,
        job: Job[T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: ProgressCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Run ``job`` now; the matching callback has been called when this returns."""
        self.submitted += 1
        callbacks = _Callbacks(on_done, on_error, on_progress, on_cancelled, _job_name(job))
        outcome, payload = _run_job(job, JobControl(on_progress))
        handle = _SyncHandle()
        handle._done = True
        _deliver(callbacks, outcome, payload)
        return handle

    def active_count(self) -> int:
        """Always 0: nothing outlives ``submit``."""
        return 0

    def cancel_all(self) -> None:
        """Nothing to cancel."""

    def wait_for_done(self, timeout_ms: int = -1) -> bool:
        """Always True: nothing outlives ``submit``."""
        return True


if TYPE_CHECKING:
    # Makes mypy prove both runners satisfy the protocol.
    def _check_protocols(qt: QtTaskRunner, sync: SyncTaskRunner) -> tuple[TaskRunner, ...]:
        return qt, sync
