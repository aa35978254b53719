"""What the DSAR pane's buttons do to the selected request: its status (verification,
clarification, extension, closing), locating its data, the export package, erasure with
its certificate, revealing masked identifiers, and letters.

`RequestActions` is the base of `views.dsar.pane.DsarPane`, which builds the queue, the
detail and the buttons. Export and erasure are sensitive: they ask for a fresh code.

Each step passes the version of the request the detail shows (issue 17): when another
officer changed it since, the service refuses ("DSAR-2026-0001 changed by priya at 10:42 —
reload"); the banner says so and the request is reloaded, nothing of this step kept.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QTableView, QTabWidget

from app.dsar.vocabulary import CLOSED
from app.errors import StaleEdit
from app.jobs import JobControl
from views.common.files import save_path
from views.common.pane import Pane
from views.common.table_model import RowTableModel
from views.dsar.dialogs import CertificateDialog, IntakeDialog, LetterDialog
from views.dsar.summary import detail_html

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel

    from app.dsar.erasure import ErasureRecord
    from app.dsar.locate import LocatedItem
    from app.dsar.records import RequestDetail
    from app.dsar.requests import DsarService
    from app.security.auth import Principal


class RequestActions(Pane):
    """Not a pane by itself: the DSAR pane subclasses it and builds the widgets."""

    detail: RequestDetail | None
    items: RowTableModel[LocatedItem]
    items_view: QTableView
    summary: QLabel
    detail_tabs: QTabWidget

    # ------------------------------------------------------------ for the subclass

    def _update_buttons(self) -> None:
        raise NotImplementedError

    def refresh_allowed(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ plumbing

    def _service(self, principal: Principal | None = None) -> DsarService:
        from app.dsar.requests import DsarService

        return DsarService(self.ctx, principal or self.principal())

    def _ref(self) -> str:
        assert self.detail is not None
        return self.detail.reference

    def _act(self, doing: str, call: Callable[[DsarService, int | None], RequestDetail]) -> None:
        """Run one step, passing the version shown; a StaleEdit reloads and says who."""
        service = self._service()
        version = self.detail.version if self.detail is not None else None

        def job(control: JobControl) -> RequestDetail | StaleEdit:
            try:
                return call(service, version)
            except StaleEdit as exc:
                return exc

        def done(result: RequestDetail | StaleEdit) -> None:
            if isinstance(result, StaleEdit):
                self._stale(result)
            else:
                self._acted(result)

        self.banner.clear()
        self.run(job, done, doing)

    def _stale(self, exc: StaleEdit) -> None:
        self.refresh()  # the queue, and the request as it is now
        self.banner.show_message(exc.message, "error")

    def _acted(self, detail: RequestDetail) -> None:
        self.detail = detail
        self.refresh()

    def ask_new(self) -> None:
        dialog = IntakeDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.create_request(dialog.request()))
        dialog.open()

    def create_request(self, new: Any) -> None:
        self._act("recording the request", lambda s, _v: s.create(new))

    def start_verification(self) -> None:
        ref = self._ref()
        self._act(
            "starting verification", lambda s, v: s.start_verification(ref, expected_version=v)
        )

    def ask_verify(self) -> None:
        method, ok = QInputDialog.getText(
            self, "Identity verified", "How was identity verified? (no copies of ID documents)"
        )
        if ok:
            self.verify(method)

    def verify(self, method: str, evidence: str = "") -> None:
        ref = self._ref()
        self._act(
            "recording verification",
            lambda s, v: s.verify(ref, method=method, evidence_note=evidence, expected_version=v),
        )

    def pause(self) -> None:
        ref = self._ref()
        self._act("pausing for clarification", lambda s, v: s.pause(ref, expected_version=v))

    def resume(self) -> None:
        ref = self._ref()
        self._act("resuming", lambda s, v: s.resume(ref, expected_version=v))

    def ask_extend(self) -> None:
        reasons, ok = QInputDialog.getMultiLineText(
            self, "Extend the deadline", "Reasons given to the requester in the notice:"
        )
        if ok:
            self.extend(reasons)

    def extend(self, reasons: str) -> None:
        ref = self._ref()
        self._act("extending", lambda s, v: s.extend(ref, reasons=reasons, expected_version=v))

    def ask_close(self) -> None:
        outcome, ok = QInputDialog.getItem(
            self, "Close the request", "Outcome:", sorted(CLOSED), 0, False
        )
        if not ok:
            return
        reason, ok = QInputDialog.getText(
            self, "Close the request", "Reason or note (duplicate: the original's reference):"
        )
        if ok:
            duplicate = reason if outcome == "duplicate" else None
            self.close_request(outcome, reason, duplicate)

    def close_request(
        self, outcome: str, reason: str = "", duplicate_of: str | None = None
    ) -> None:
        ref = self._ref()
        self._act(
            "closing",
            lambda s, v: s.close(
                ref, outcome, reason=reason, duplicate_of=duplicate_of, expected_version=v
            ),
        )

    def locate(self) -> None:
        from app.dsar.locate import LocateService

        ref, service = self._ref(), LocateService(self.ctx, self.principal())
        self.run(lambda control: service.locate(ref), self._located, "locating data")

    def _located(self, items: list[LocatedItem]) -> None:
        self.detail_tabs.setCurrentWidget(self.items_view)
        self.refresh()
        self.banner.show_message(f"Located {len(items)} items; review what to include.", "info")

    def set_included(self, included: bool) -> None:
        from app.dsar.locate import LocateService

        keys = [
            self.items.row_at(i.row()).key for i in self.items_view.selectionModel().selectedRows()
        ]
        ref, service = self._ref(), LocateService(self.ctx, self.principal())
        self.run(
            lambda control: service.set_included(ref, keys, included),
            self._selection_saved,
            "saving the selection",
        )

    def _selection_saved(self, items: list[LocatedItem]) -> None:
        self.items.set_rows(items)
        self.refresh_allowed()  # what is included decides export and erasure

    def _exported(self, r: Any) -> None:
        self.banner.show_message(
            f"Package written to {r.path} ({len(r.files)} files; {r.masked} pieces of other "
            "people's data masked).",
            "ok",
        )
        self.refresh()

    def _erased(self, r: Any) -> None:
        erased = r.certificate["erased"]
        self.banner.show_message(
            f"Erased {erased['people']} person record(s) and {erased['tickets']} ticket(s). "
            "The certificate and the help-desk deletion plan are saved on the request.",
            "ok",
        )
        self.refresh()

    def ask_export(self) -> None:
        name = save_path(
            self, self.ctx, "Export package", f"{self._ref()}.zip", "ZIP files (*.zip)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        from app.dsar.export import ExportService
        from views.reports.pdf import render_pdf

        ref, ctx = self._ref(), self.ctx

        def pdf(page: str, title: str) -> bytes:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                return render_pdf(page, Path(tmp) / "summary.pdf", title=title).read_bytes()

        def action(principal: Principal) -> Callable[[JobControl], Any]:
            return lambda control: ExportService(ctx, principal).export(ref, path, pdf=pdf)

        self.run_guarded(action, self._exported, "exporting the package")

    def ask_erase(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, service = self._ref(), ErasureService(self.ctx, self.principal())
        self.run(lambda control: service.preview(ref), self._confirm_erase, "planning the erasure")

    def _confirm_erase(self, plan: Any) -> None:
        retained = "".join(
            f"<li>{r.object_type} {r.ref}: {html.escape(r.basis)} — {html.escape(r.reason)}</li>"
            for r in plan.retained
        )
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Erase personal data")
        box.setText(
            f"<b>This cannot be undone.</b><br>Erase {len(plan.people)} person record(s), "
            f"{len(plan.tickets)} ticket(s) they requested, the text of {len(plan.comments)} "
            f"comment(s) they wrote elsewhere and {len(plan.mentions)} mention(s)."
            + (f"<br><br>Retained:<ul>{retained}</ul>" if retained else "")
        )
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        erase = box.addButton("Erase", QMessageBox.ButtonRole.DestructiveRole)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        erase.clicked.connect(self.erase_now)
        box.open()
        self.erase_box = box

    def erase_now(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, ctx = self._ref(), self.ctx

        def action(principal: Principal) -> Callable[[JobControl], Any]:
            return lambda control: ErasureService(ctx, principal).erase(ref)

        self.run_guarded(action, self._erased, "erasing")

    def ask_reveal(self) -> None:
        reason, ok = QInputDialog.getText(
            self,
            "Reveal personal data",
            "Why do you need to see the identifiers in full? (recorded in the audit log)",
        )
        if ok:
            self.reveal(reason)

    def reveal(self, reason: str) -> None:
        """Show the request's identifiers unmasked (`pii.reveal`, a reason; audited)."""
        if not reason.strip():
            self.banner.show_message("Give a reason to reveal personal data.")
            return
        ref, service = self._ref(), self._service()
        self.banner.clear()
        self.run(
            lambda control: service.get(ref, reveal=True, reason=reason),
            self._revealed,
            "revealing personal data",
        )

    def _revealed(self, detail: RequestDetail) -> None:
        self.detail = detail
        self.summary.setText(detail_html(detail))
        self._update_buttons()
        self.banner.show_message(
            "Identifiers shown in full until the request is reloaded; this was audited.", "info"
        )

    def show_certificate(self) -> None:
        from app.dsar.erasure import ErasureService

        ref, service = self._ref(), ErasureService(self.ctx, self.principal())
        self.run(
            lambda control: service.certificate(ref),
            self._show_certificate,
            "opening the erasure certificate",
        )

    def _show_certificate(self, record: ErasureRecord) -> None:
        from app.dsar.erasure import certificate_text

        dialog = CertificateDialog(
            f"Erasure certificate — {record.reference}", certificate_text(record), self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.certificate_dialog = dialog

    def open_letter(self) -> None:
        ref = self._ref()
        dialog: LetterDialog

        def draft(kind: str, reasons: str) -> None:
            service = self._service()
            self.run(
                lambda control: service.draft_letter(ref, kind, reasons=reasons),
                dialog.text.setPlainText,
                "drafting",
                banner=dialog.banner,
            )

        def saved(detail: RequestDetail | StaleEdit) -> None:
            if isinstance(detail, StaleEdit):  # the dialog stays open with the text
                dialog.banner.show_message(detail.message, "error")
                self.refresh()
                return
            dialog.accept()
            self._acted(detail)

        def save(kind: str, body: str) -> None:
            service = self._service()
            version = self.detail.version if self.detail is not None else None

            def job(control: JobControl) -> RequestDetail | StaleEdit:
                try:
                    return service.save_letter(ref, kind, body, expected_version=version)
                except StaleEdit as exc:
                    return exc

            self.run(
                job,
                saved,
                "saving the letter",
                banner=dialog.banner,
            )

        dialog = LetterDialog(draft, save, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.letter_dialog = dialog
