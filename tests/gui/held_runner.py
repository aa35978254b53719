"""A task runner that holds each job until the test releases it: what the operator sees
while the work is still running (the synchronous runner answers before anything shows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from views.tasks import SyncTaskRunner


class HeldTaskRunner(SyncTaskRunner):
    def __init__(self) -> None:
        super().__init__()
        self.held: list[tuple[Callable[..., Any], dict[str, Any]]] = []
        self.holding = True

    def submit(self, job: Any, **callbacks: Any) -> Any:
        if not self.holding:
            return super().submit(job, **callbacks)
        self.held.append((job, callbacks))
        return _Held()

    def release(self) -> None:
        """Run every held job (and what their callbacks submit) to the end."""
        self.holding = False
        while self.held:
            job, callbacks = self.held.pop(0)
            super().submit(job, **callbacks)

    def active_count(self) -> int:
        return len(self.held)


class _Held:
    done = False

    def cancel(self) -> None:
        """Not needed by these tests."""
