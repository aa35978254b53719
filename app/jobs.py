"""Background jobs, the Qt-free half: a job is a plain function of a :class:`JobControl`.

The same job runs in the GUI (``views.tasks.QtTaskRunner`` puts it on a thread pool and
delivers results on the GUI thread) and in the CLI (:func:`run_with_text_progress`).
A job reports progress and learns about cancellation through its control::

    def import_tickets(control: JobControl) -> int:
        for n, row in enumerate(rows, 1):
            ...                               # one unit of work
            control.report(n, len(rows), "importing")   # raises Cancelled if asked to stop
        return len(rows)

Jobs must not touch widgets and should keep their own session/transaction so that
:class:`Cancelled` unwinding through them rolls back cleanly.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol, TextIO, TypeVar

__all__ = [
    "Cancelled",
    "Job",
    "JobControl",
    "ProgressCallback",
    "TaskHandle",
    "TaskRunner",
    "run_with_text_progress",
]

T = TypeVar("T")

ProgressCallback = Callable[[int, int | None, str], None]
"""``(done, total, message)``; ``total`` is None when the amount of work is unknown."""


class Cancelled(Exception):
    """Raised inside a job (by :meth:`JobControl.report`) once cancellation was requested."""


class JobControl:
    """The job's side of progress and cancellation; safe to share between threads.

    The GUI (or a Ctrl-C handler) calls :meth:`cancel`; the job calls :meth:`report`
    between units of work and unwinds with :class:`Cancelled` when asked to stop.
    """

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._last: tuple[int, int | None, str] | None = None

    def report(self, done: int, total: int | None = None, message: str = "") -> None:
        """Record progress and forward it to the callback (in the job's thread).

        Raises :class:`Cancelled` if cancel was requested, so a loop that reports on
        every step needs no separate cancellation check.
        """
        # Checked first: a cancelled job should not announce progress it will not finish.
        self.raise_if_cancelled()
        with self._lock:
            self._last = (done, total, message)
        if self._on_progress is not None:
            self._on_progress(done, total, message)

    def cancel(self) -> None:
        """Ask the job to stop at its next :meth:`report` / :meth:`raise_if_cancelled`."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` has been called."""
        return self._cancel.is_set()

    @property
    def last_progress(self) -> tuple[int, int | None, str] | None:
        """The most recent ``(done, total, message)`` reported, or None."""
        with self._lock:
            return self._last

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancel was requested; for jobs that report rarely."""
        if self._cancel.is_set():
            raise Cancelled


Job = Callable[[JobControl], T]
"""A unit of background work; use as ``Job[int]`` for a job returning an int."""


class TaskHandle(Protocol):
    """What :meth:`TaskRunner.submit` returns: a way to cancel and to see if it ended."""

    def cancel(self) -> None:
        """Request cancellation; the job sees :class:`Cancelled` at its next report."""
        ...

    @property
    def done(self) -> bool:
        """True once the outcome callback (done, error or cancelled) has been delivered."""
        ...


class TaskRunner(Protocol):
    """Runs jobs in the background; implemented in ``views.tasks`` (Qt) for the GUI.

    Declared here, Qt-free, so that ``app`` code (e.g. the application context) can be
    typed against it without importing ``views``.
    """

    def submit(
        self,
        job: Job[T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: ProgressCallback | None = None,
        on_cancelled: Callable[[], None] | None = None,
    ) -> TaskHandle:
        """Start ``job``; exactly one of on_done / on_error / on_cancelled is called."""
        ...


# --- command line -------------------------------------------------------------------

_BAR_WIDTH = 30
_REDRAW_INTERVAL = 0.1  # seconds; a tight loop must not spend its time writing to a tty


class _TextBar:
    """One-line progress bar redrawn in place with ``\\r``."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._prefix = f"{label}: " if label else ""
        self._last_draw = 0.0
        self._width = 0  # length of the last line, to blank out leftovers
        self.drawn = False

    def update(self, done: int, total: int | None, message: str, *, force: bool = False) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if not (force or finished or now - self._last_draw >= _REDRAW_INTERVAL):
            return
        self._last_draw = now
        if total is not None and total > 0:
            fraction = min(max(done / total, 0.0), 1.0)
            filled = int(fraction * _BAR_WIDTH)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            text = f"{self._prefix}[{bar}] {int(fraction * 100):3d}%"
        else:
            text = f"{self._prefix}{done}"
        if message:
            text = f"{text} {message}"
        # Pad instead of an ANSI erase so it also works on the Windows console.
        padding = " " * max(self._width - len(text), 0)
        self._width = len(text)
        self._stream.write(f"\r{text}{padding}")
        self._stream.flush()
        self.drawn = True

    def end_line(self) -> None:
        if self.drawn:
            self._stream.write("\n")
            self._stream.flush()


def _is_tty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or file-like objects without isatty
        return False


def run_with_text_progress(job: Job[T], *, stream: TextIO | None = None, label: str = "") -> T:
    """Run ``job`` in the current thread with a one-line text progress bar (CLI use).

    The bar (``\\rlabel: [#####.....]  50% message``) is drawn on ``stream`` (default:
    ``sys.stderr`` at call time) only when it is a terminal; otherwise nothing is printed
    per step so CI logs stay clean. On success a finished bar is drawn at 100%.

    Ctrl-C: while the job runs in the main thread, the first Ctrl-C only cancels the
    control, so the job stops at its next :meth:`JobControl.report` and unwinds through
    its own cleanup (no half-written transaction). A second Ctrl-C, or a Ctrl-C that
    arrives as a plain :class:`KeyboardInterrupt` (not the main thread, or a custom
    SIGINT handler is already installed), also cancels the control. Either way this
    function raises :class:`Cancelled` — never ``KeyboardInterrupt`` — so callers handle
    one exception (the CLI should exit with status 130). Other exceptions propagate as is.
    """
    out = sys.stderr if stream is None else stream
    bar = _TextBar(out, label) if _is_tty(out) else None
    total_seen = False

    def on_progress(done: int, total: int | None, message: str) -> None:
        nonlocal total_seen
        total_seen = total_seen or total is not None
        if bar is not None:
            bar.update(done, total, message)

    control = JobControl(on_progress)
    restore = _install_cooperative_sigint(control)
    try:
        result = job(control)
    except KeyboardInterrupt as exc:
        control.cancel()
        if bar is not None:
            bar.end_line()
        raise Cancelled from exc
    except BaseException:
        if bar is not None:
            bar.end_line()  # leave the cursor on a fresh line for the error message
        raise
    finally:
        restore()
    if bar is not None:
        last = control.last_progress
        if last is not None and total_seen:
            done, total, message = last
            final = total if total is not None and total > 0 else max(done, 1)
            bar.update(final, final, message, force=True)
        bar.end_line()
    return result


def _install_cooperative_sigint(control: JobControl) -> Callable[[], None]:
    """Make the first Ctrl-C cancel ``control``; returns a function restoring the handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signal handlers can only be set from the main thread
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        return lambda: None  # someone else owns SIGINT (e.g. a debugger); leave it alone

    def on_sigint(signum: int, frame: FrameType | None) -> Any:
        if control.cancelled:
            raise KeyboardInterrupt  # second Ctrl-C: the job is not reporting; stop now
        control.cancel()

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    return restore
