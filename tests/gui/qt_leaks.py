"""What a GUI test leaves behind: top-level widgets, running QTimers and QThreads, thread
pools and task runners with work in flight (after napari's conftest: `_dangling_qthreads`,
`_dangling_qtimers`, top-level widgets counted before and after).

`QtLeakWatch.start()` patches `QTimer.start`, `QThread.start`, `QThreadPool.start` and
`QtTaskRunner.submit` to remember who started what (the nearest frame of this repository's
code, so a timer a key click starts through a signal counts too); `finish()` lets Qt
settle and returns one line per leak, naming the object and the file:line that started it.
Single-shot timers from the static `QTimer.singleShot` are not tracked: they are
Qt-internal and end with their receiver.
"""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from views.tasks import QtTaskRunner

ROOT = Path(__file__).resolve().parents[2]
_OURS = (str(ROOT / "views"), str(ROOT / "tests"), str(ROOT / "app"))
_PLUMBING = (str(Path(__file__)), str(ROOT / "views" / "tasks.py"))
# Qt's own shared windows (a tooltip label lives for the whole process).
_QT_SINGLETONS = {"QTipLabel"}


def _caller() -> str | None:
    """file:line of the nearest frame in our code, skipping the task plumbing; None if no
    frame of ours is on the stack (Qt or a library started it on its own)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_OURS) and not name.startswith(_PLUMBING):
            return f"{Path(name).relative_to(ROOT)}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def _timer_args(args: tuple[object, ...]) -> tuple[object, ...]:
    # `edit.textChanged.connect(timer.start)` passes the text: Qt's own slot picks the
    # start() overload then, so the wrapper must drop what is not an interval too.
    return args[:1] if args and type(args[0]) is int else ()


def describe(widget: QWidget) -> str:
    title = widget.windowTitle()
    name = widget.objectName()
    extra = "".join(
        f" {label}={value!r}" for label, value in (("title", title), ("name", name)) if value
    )
    return f"{type(widget).__name__}{extra}"


def _ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


def settle(app: QApplication) -> None:
    """Deliver queued signals, run deleteLater()s and collect cycles, a few times over."""
    for _ in range(3):
        app.processEvents()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


@dataclass
class QtLeakWatch:
    app: QApplication
    monkeypatch: pytest.MonkeyPatch
    before: list[QWidget] = field(default_factory=list)
    timers: weakref.WeakKeyDictionary[QTimer, str] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    threads: weakref.WeakKeyDictionary[QThread, str] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    pools: weakref.WeakKeyDictionary[QThreadPool, str] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    runners: weakref.WeakKeyDictionary[QtTaskRunner, str] = field(
        default_factory=weakref.WeakKeyDictionary
    )

    def start(self) -> None:
        self.before = list(self.app.topLevelWidgets())
        self._track(QTimer, "start", self.timers, _timer_args)
        self._track(QThread, "start", self.threads)
        self._track(QThreadPool, "start", self.pools)
        self._track(QtTaskRunner, "submit", self.runners)

    def _track(
        self,
        cls: type,
        method: str,
        seen: weakref.WeakKeyDictionary,
        adapt: Callable[[tuple[object, ...]], tuple[object, ...]] = lambda args: args,
    ) -> None:
        original = getattr(cls, method)

        def tracked(obj: object, *args: object, **kwargs: object) -> object:
            where = _caller()
            if where is not None:
                seen.setdefault(obj, where)
            return original(obj, *adapt(args), **kwargs)

        self.monkeypatch.setattr(cls, method, tracked)

    def finish(self) -> list[str]:
        """Settle, then name every leak (and stop or close it so the next test starts clean)."""
        leaks: list[str] = []
        for runner, where in list(self.runners.items()):
            if shiboken6.isValid(runner) and runner.active_count():
                leaks.append(
                    f"QtTaskRunner used at {where}: {runner.active_count()} job(s) not "
                    "delivered (wait_for_done() before the test ends)"
                )
                runner.cancel_all()
                runner.wait_for_done(2000)
        for pool, where in list(self.pools.items()):
            if shiboken6.isValid(pool) and not pool.waitForDone(50):
                leaks.append(f"QThreadPool work started at {where} still running")
                pool.clear()
                pool.waitForDone(2000)
        settle(self.app)
        for timer, where in list(self.timers.items()):
            if shiboken6.isValid(timer) and timer.isActive():
                leaks.append(f"QTimer started at {where} still active")
                timer.stop()
        for thread, where in list(self.threads.items()):
            if shiboken6.isValid(thread) and thread.isRunning():
                leaks.append(f"QThread started at {where} still running")
                thread.quit()
                thread.wait(2000)
        new = [
            w
            for w in self.app.topLevelWidgets()
            if w not in self.before and type(w).__name__ not in _QT_SINGLETONS
        ]
        # A leaked window's own menus and popups are windows too: name only the outermost.
        widgets = [w for w in new if not any(p in new for p in _ancestors(w))]
        for w in widgets:
            leaks.append(
                f"top-level widget {describe(w)} still alive (qtbot.addWidget it, close it, "
                "or give it a parent)"
            )
            w.close()
            w.deleteLater()
        if widgets:
            settle(self.app)
        return leaks
