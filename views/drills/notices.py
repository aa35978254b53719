"""Communication templates of a run: filled from the breach record, edited, approved,
copied or exported. Nothing is sent from here — a drill's text says so on its first line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.security.permissions import Permission
from views.common.files import save_path
from views.common.widgets import hbox, vbox
from views.drills.tab import DrillsTab, when

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.breach import BreachService
    from app.drills.records import NoticeView, RunDetail


class NoticesView(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.detail: RunDetail | None = None
        self.notices: dict[str, NoticeView] = {}
        self.choice = QComboBox()
        self.choice.setAccessibleName("Template")
        self.choice.currentIndexChanged.connect(lambda _: self._show())
        self.state = QLabel()
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Notice text")
        self.save_button = QPushButton("Save draft")
        self.approve_button = QPushButton("Approve")
        self.refill_button = QPushButton("Refill from record")
        self.copy_button = QPushButton("Copy")
        self.export_button = QPushButton("Export…")
        self.save_button.clicked.connect(self.save)
        self.approve_button.clicked.connect(self.approve)
        self.refill_button.clicked.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy)
        self.export_button.clicked.connect(self._export_dialog)
        self.setLayout(
            vbox(
                hbox(QLabel("Template"), self.choice, self.state, None),
                self.text,
                hbox(
                    self.save_button,
                    self.approve_button,
                    self.refill_button,
                    None,
                    self.copy_button,
                    self.export_button,
                ),
            )
        )

    def _service(self) -> BreachService:
        from app.drills.breach import BreachService

        return BreachService(self.ctx, self.principal())

    def set_run(self, d: RunDetail) -> None:
        changed = self.detail is None or self.detail.run.id != d.run.id
        self.detail = d
        closed = "" if d.run.status == "active" else f"run #{d.run.id} is closed"
        self.enable_for(
            (self.save_button, self.approve_button), Permission.DRILLS_RUN, closed=closed
        )
        if changed or not self.text.document().isModified():
            self.refresh()

    def refresh(self) -> None:
        if self.detail is None:
            return
        service, run_id = self._service(), self.detail.run.id
        self.run(lambda c: service.notices(run_id), self._loaded, "filling the templates")

    def _loaded(self, notices: list[NoticeView]) -> None:
        current = self.choice.currentData()
        self.notices = {n.template_key: n for n in notices}
        self.choice.blockSignals(True)
        self.choice.clear()
        for n in notices:
            self.choice.addItem(f"{n.title} — {n.audience}", n.template_key)
        index = self.choice.findData(current)
        self.choice.setCurrentIndex(max(0, index))
        self.choice.blockSignals(False)
        self._show()

    def current(self) -> NoticeView | None:
        return self.notices.get(self.choice.currentData())

    def _show(self) -> None:
        n = self.current()
        if n is None:
            return
        self.text.setPlainText(n.body)
        self.text.document().setModified(False)
        if n.approved_at:
            self.state.setText(f"Approved by {n.approved_by}, {when(n.approved_at)} UTC")
        elif n.saved:
            self.state.setText(
                f"Draft saved by {n.updated_by}, {when(n.updated_at)} UTC — not approved"
            )
        else:
            self.state.setText("Not saved yet (filled from the breach record)")

    def select(self, key: str) -> None:
        self.choice.setCurrentIndex(self.choice.findData(key))

    def save(self) -> None:
        n, d = self.current(), self.detail
        if n is None or d is None:
            return
        service, body, key = self._service(), self.text.toPlainText(), n.template_key
        self.run(
            lambda c: service.save_notice(d.run.id, key, body),
            lambda _: self._saved(),
            "saving the notice",
        )

    def _saved(self) -> None:
        self.text.document().setModified(False)
        self.changed.emit()

    def approve(self) -> None:
        n, d = self.current(), self.detail
        if n is None or d is None:
            return
        service, key = self._service(), n.template_key
        self.run(
            lambda c: service.approve_notice(d.run.id, key),
            lambda _: self._saved(),
            "approving the notice",
        )

    def copy(self) -> None:
        """Copy the notice; the copy is an export, so the service audits it first."""
        n, d = self.current(), self.detail
        if n is None or d is None:
            return
        service, body, key = self._service(), self.text.toPlainText(), n.template_key

        def done(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self.say("Copied. PrivDesk sends nothing itself.", "info")

        self.run(
            lambda c: service.export_notice(d.run.id, key, body, to="clipboard"),
            done,
            "copying the notice",
        )

    def export_to(self, path: Path) -> None:
        """Write the notice to `path`; the service writes it and audits the export."""
        n, d = self.current(), self.detail
        if n is None or d is None:
            return
        service, body, key = self._service(), self.text.toPlainText(), n.template_key

        def job(control: object) -> Path:
            service.export_notice(d.run.id, key, body, to="file", path=path)
            return path

        self.run(
            job,
            lambda p: self.say(f"Notice written to {p}.", "ok"),
            "exporting the notice",
        )

    def _export_dialog(self) -> None:
        n = self.current()
        if n is None:
            return
        name = save_path(self, self.ctx, "Export notice", f"{n.template_key}.txt", "Text (*.txt)")
        if name:
            self.export_to(Path(name))
