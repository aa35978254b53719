"""Workspace-wide commands of the menu (Backup now, Verify) and the busy indicator.

Each action calls one AdminService method in a job and shows the typed result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QProgressBar, QWidget

from app.jobs import Job, JobControl
from app.workspace_backup import leftover_kind as leftover_of
from views.common.errors import error_text, is_session_problem
from views.common.widgets import notify

if TYPE_CHECKING:
    from app.admin import HealthReport
    from app.context import AppContext
    from app.workspace_backup import BackupResult

T = TypeVar("T")


def health_text(report: HealthReport) -> str:
    store = "ok" if report.store.ok else report.store.summary()
    audit = report.audit
    seq = f" at event {audit.seq}" if audit.seq is not None else ""
    stuck = "".join(
        f"\nLeftover of a killed {leftover_of(p)} could not be removed: {p}"
        for p in report.leftovers
    ) + "".join(f"\nRemoved leftover of a killed {leftover_of(p)}: {p}" for p in report.swept)
    return (
        f"Database encryption and structure: {store}.\n"
        f"Audit log: {audit.status.name}{seq} — {audit.message}." + stuck
    )


class WorkspaceActions(QObject):
    sessionProblem = Signal(object)

    def __init__(self, window: QWidget, ctx: AppContext) -> None:
        super().__init__(window)
        self._window, self._ctx = window, ctx
        self.backup = QAction("&Backup now", self)
        self.backup.triggered.connect(self.run_backup)
        self.verify = QAction("&Verify workspace", self)
        self.verify.triggered.connect(self.run_verify)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(90)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.last_message = ""
        count_changed = getattr(ctx.tasks, "activeCountChanged", None)
        if count_changed is not None:
            # A bound method of this QObject: Qt drops the connection when the window goes.
            count_changed.connect(self._show_busy)

    def _show_busy(self, active: int) -> None:
        self.progress.setVisible(active > 0)

    def run_backup(self) -> None:
        ctx, principal = self._ctx, self._ctx.operator()

        def job(control: JobControl) -> BackupResult:
            from app.admin import AdminService

            return AdminService(ctx, principal).backup()

        self._run(job, self._backed_up, "backing up")

    def _backed_up(self, result: BackupResult) -> None:
        self._show(
            "Backup written",
            f"{result.path}\n{result.size / 1e6:.1f} MB, SHA-256 {result.sha256[:16]}…",
            ok=True,
        )

    def run_verify(self) -> None:
        ctx, principal = self._ctx, self._ctx.operator()

        def job(control: JobControl) -> HealthReport:
            from app.admin import AdminService

            return AdminService(ctx, principal).verify()

        self._run(job, self._verified, "verifying")

    def _verified(self, report: HealthReport) -> None:
        title = "Workspace verified" if report.ok else "Workspace verification FAILED"
        self._show(title, health_text(report), ok=report.ok)

    def _run(self, job: Job[T], done: Callable[[T], None], doing: str) -> None:
        def failed(exc: BaseException) -> None:
            if is_session_problem(exc):
                self.sessionProblem.emit(exc)
            else:
                self._show("PrivDesk", error_text(exc, doing=doing), ok=False)

        self._ctx.tasks.submit(job, on_done=done, on_error=failed)

    def _show(self, title: str, text: str, *, ok: bool) -> None:
        self.last_message = text
        notify(self._window, title, text, ok=ok)
