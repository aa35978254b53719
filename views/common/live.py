"""Live refresh for a pane (issue 17): `LiveChanges.changed(area)` when another operator
changed what the pane shows, debounced, always on the GUI thread.

Over `app.changes.ChangeFeed`: on SQLite a QTimer polls ``PRAGMA data_version`` on the
task runner (one cheap read while nothing happens); on PostgreSQL a worker QThread blocks
in ``LISTEN privdesk_changes`` — never the UI thread — and hands each notification over by
a queued signal. A burst (a bulk decision, an import of several requests) becomes one `changed`
after `debounce_ms` of quiet.

A pane starts it when shown and stops it when hidden (`start` / `stop`), so a pane nobody
looks at holds no connection, timer or thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from app.changes import ChangeFeed

if TYPE_CHECKING:
    from app.context import AppContext

POLL_MS = 2000
DEBOUNCE_MS = 300


class _Listener(QThread):
    """`ChangeFeed.listen` on its own thread; each area heard goes out as `heard`."""

    heard = Signal(str)

    def __init__(self, feed: ChangeFeed, parent: QObject) -> None:
        super().__init__(parent)
        self.feed = feed
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        try:
            self.feed.listen(self.heard.emit, self.stopping, ready=self.ready)
        except Exception:  # the server went away: the pane still works, just not live
            self.ready.set()


class LiveChanges(QObject):
    changed = Signal(str)  # the area ("review", "dsar"), after debounce_ms of quiet

    def __init__(
        self,
        ctx: AppContext,
        areas: Iterable[str],
        parent: QObject,
        *,
        poll_ms: int = POLL_MS,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.areas = tuple(areas)
        self.poll_ms = poll_ms
        self._feed: ChangeFeed | None = None
        self._poller: QTimer | None = None
        self._listener: _Listener | None = None
        self._pending: set[str] = set()
        self._polling = False
        self._baseline_taken = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._deliver)

    @property
    def running(self) -> bool:
        return self._feed is not None

    def start(self) -> None:
        if self._feed is not None:
            return
        self._baseline_taken = False
        try:
            engine = self.ctx.workspace.engine
        except RuntimeError:  # the workspace closed (locked, switched): nothing to follow
            return
        feed = ChangeFeed(engine, self.areas)
        self._feed = feed
        if feed.on_server:
            self._listener = _Listener(feed, self)
            self._listener.heard.connect(self._heard)
            self._listener.start()
        else:
            self._poller = QTimer(self)
            self._poller.setInterval(self.poll_ms)
            self._poller.timeout.connect(self.poll)
            self._poller.start()
            self.poll()  # the first look is the baseline: what the pane is about to show

    def wait_listening(self, timeout_s: float) -> bool:
        """PostgreSQL: block until the LISTEN is in place (for tests; True on SQLite)."""
        return self._listener is None or self._listener.ready.wait(timeout_s)

    def poll(self) -> None:
        """SQLite: one look at the file (the timer calls it; tests may too). The idle look
        is one PRAGMA on the GUI thread; after a commit the area fingerprints are read on
        the task runner (on a large campaign that takes too long for the GUI thread)."""
        feed = self._feed
        if feed is None or feed.on_server or self._polling:
            return
        try:
            if self._baseline_taken and not feed.moved():
                return  # the usual tick: nobody wrote; no task, no busy indicator
        except Exception:  # locked or closed under us: try again on the next tick
            return
        self._polling = True
        self._baseline_taken = True

        def done(areas: set[str]) -> None:
            self._polled(feed)
            if self._feed is feed:
                for area in areas:
                    self._heard(area)

        self.ctx.tasks.submit(
            lambda control: feed.poll(),
            on_done=done,
            on_error=lambda exc: self._polled(feed),  # locked or closed: the next tick
        )

    def _polled(self, feed: ChangeFeed) -> None:
        self._polling = False
        if self._feed is not feed:  # stopped while the look was under way
            feed.close()

    def stop(self) -> None:
        self._debounce.stop()
        self._pending.clear()
        if self._poller is not None:
            self._poller.stop()
            self._poller.deleteLater()
            self._poller = None
        if self._listener is not None:
            self._listener.stopping.set()
            self._listener.wait()
            self._listener.deleteLater()
            self._listener = None
        if self._feed is not None:
            if not self._polling:  # else the look under way closes it when it ends
                self._feed.close()
            self._feed = None

    def _heard(self, area: str) -> None:
        if area in self.areas:
            self._pending.add(area)
            self._debounce.start()

    def _deliver(self) -> None:
        pending, self._pending = self._pending, set()
        for area in sorted(pending):
            self.changed.emit(area)
