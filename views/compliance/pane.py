"""Compliance pane: policies (every operator acknowledges the approved ones; reviews due
are the reminders), control-mapped evidence packs written on a worker behind a progress
dialog that can be cancelled, and the customer trust summary (approve needs step-up;
export only of approved content). The privacy officer manages; the auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QListWidget,
    QProgressDialog,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from app.compliance.evidence import FRAMEWORKS, EvidenceService, PackResult, framework, verify_pack
from app.compliance.policies import PolicyRow, PolicyService, is_due
from app.compliance.trust import TrustService, TrustSummary
from app.evidence_types import Period
from app.security.permissions import Permission
from views.common.files import choose_folder, save_path
from views.common.pane import Pane
from views.common.table_model import Column, RowTableModel
from views.common.widgets import (
    MARGIN,
    LoadView,
    ScrollingTabs,
    hbox,
    heading,
    tab_page,
    table_view,
    vbox,
    wrapped,
)
from views.compliance.dialogs import PolicyDialog
from views.tasks import while_alive

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl, TaskHandle
    from app.security.auth import Principal

V, M = Permission.COMPLIANCE_VIEW, Permission.COMPLIANCE_MANAGE


@dataclass(frozen=True)
class Loaded:
    policies: tuple[PolicyRow, ...]
    due: tuple[PolicyRow, ...]
    trust: TrustSummary | None


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class CompliancePane(Pane):
    NAME = "compliance"
    TITLE = "Compliance"
    ICON = "security-high"
    ORDER = 65
    PERMISSION = Permission.POLICIES_ACKNOWLEDGE  # every role acknowledges policies

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.viewer = self.can(V)
        self.policies: RowTableModel[PolicyRow] = RowTableModel(
            [
                Column("Policy", lambda r: r.key),
                Column("Version", lambda r: str(r.version)),
                Column("Status", lambda r: r.status),
                Column("Title", lambda r: r.title),
                Column("Document", lambda r: r.file_name),
                Column("SHA-256", lambda r: r.sha256[:12]),
                Column("Next review", lambda r: r.next_review,
                       alert=lambda r: is_due(r, self.ctx.clock.now().date())),
                Column("Acknowledged", lambda r: f"{r.acknowledgements}"
                       + (" (you)" if r.acknowledged_by_me else "")),
            ],
            self,
        )  # fmt: skip
        self.policy_table = table_view(self.policies)
        self.policy_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        empty = (
            "No policies yet — add one with Add policy…"
            if self.can(M)
            else "No approved policy to acknowledge yet."
        )
        self.body = LoadView(self.policy_table, empty)
        self.reminders = wrapped("")
        self.add_button = QPushButton("Add policy…")
        self.add_button.clicked.connect(self.open_add)
        self.enable_for(self.add_button, M)
        self.approve_button = QPushButton("Approve")
        self.approve_button.clicked.connect(lambda: self._change("approve"))
        self.retire_button = QPushButton("Retire")
        self.retire_button.clicked.connect(lambda: self._change("retire"))
        self.ack_button = QPushButton("Acknowledge")
        self.ack_button.clicked.connect(self.acknowledge)

        today = self.ctx.clock.now().date()
        self.framework = QComboBox()
        for key in FRAMEWORKS:
            self.framework.addItem(framework(key).title, key)
        self.start = QDateEdit(_qdate(today - timedelta(days=90)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.pack_button = QPushButton("Write evidence pack…")
        self.pack_button.clicked.connect(self.ask_pack)
        self.enable_for(self.pack_button, V)
        self.verify_button = QPushButton("Verify a pack…")
        self.verify_button.clicked.connect(self.ask_verify)
        self.pack_state = wrapped(
            "Choose a framework and a period; the pack maps each control to its evidence "
            "and lists every gap plainly."
            if self.viewer
            else self.needs(V)
        )
        self.gaps = QListWidget()
        self.pack_dialog: QProgressDialog | None = None
        self.pack_handle: TaskHandle | None = None
        self.last_pack: PackResult | None = None

        self.trust_view = QTextBrowser()
        self.trust_state = wrapped("" if self.viewer else self.needs(V))
        self.trust_approve = QPushButton("Approve for customers…")
        self.trust_approve.clicked.connect(self.approve_trust)
        self.trust_export = QPushButton("Export…")
        self.trust_export.clicked.connect(self.ask_export_trust)
        self.trust: TrustSummary | None = None

        self.tabs = ScrollingTabs()
        self.tabs.addTab(
            tab_page(
                hbox(
                    self.add_button, self.approve_button, self.retire_button, self.ack_button, None
                ),
                self.reminders,
                self.body,
                grow=self.body,
            ),
            "Policies",
        )
        self.tabs.addTab(
            tab_page(
                hbox(self.framework, wrapped("from"), self.start, wrapped("to"), self.end, None),
                hbox(self.pack_button, self.verify_button, None),
                self.pack_state,
                self.gaps,
                grow=self.gaps,
            ),
            "Evidence",
        )
        self.tabs.addTab(
            tab_page(
                hbox(self.trust_approve, self.trust_export, None),
                self.trust_state,
                self.trust_view,
                grow=self.trust_view,
            ),
            "Trust summary",
        )
        self.setLayout(
            vbox(hbox(heading(self.TITLE), self.banner), self.tabs, margin=MARGIN, spacing=MARGIN)
        )
        self._selected()
        self._show_trust(None)

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        ctx, who, viewer = self.ctx, self.principal(), self.viewer

        def job(_control: JobControl) -> Loaded:
            service = PolicyService(ctx, who)
            if not viewer:
                return Loaded(service.in_force(), (), None)
            return Loaded(service.policies(), service.due(), TrustService(ctx, who).preview())

        self.load(job, self._loaded, "loading the policies", is_empty=lambda r: not r.policies)

    def _loaded(self, r: Loaded) -> None:
        self.policies.set_rows(list(r.policies))
        if not self.viewer:
            self.reminders.setText(
                "The policies in force: select one you have read and acknowledge it."
            )
        elif r.due:
            self.reminders.setText(
                "Review due (within 30 days or past): "
                + "; ".join(f"{p.key} v{p.version} by {p.next_review}" for p in r.due)
            )
        else:
            self.reminders.setText("No policy review is due in the next 30 days.")
        self._selected()
        self._show_trust(r.trust)

    # ------------------------------------------------------------ policies

    def selected(self) -> PolicyRow | None:
        rows = self.policy_table.selectionModel().selectedRows()
        return self.policies.row_at(rows[0].row()) if rows else None

    def select(self, key: str, version: int | None = None) -> None:
        for n, p in enumerate(self.policies.rows()):
            if p.key == key and (version is None or p.version == version):
                self.policy_table.selectRow(n)
                return

    def _selected(self) -> None:
        p = self.selected()
        pick = "Select a policy first."
        for button, ok, why in (
            (
                self.approve_button,
                p is not None and p.status == "draft",
                "Only a draft is approved.",
            ),
            (self.retire_button, p is not None and p.status != "retired", "Already retired."),
        ):
            if self.enable_for(button, M) and not ok:
                button.setEnabled(False)
                button.setToolTip(pick if p is None else why)
        ready = p is not None and p.status == "approved" and not p.acknowledged_by_me
        if self.enable_for(self.ack_button, Permission.POLICIES_ACKNOWLEDGE) and not ready:
            self.ack_button.setEnabled(False)
            self.ack_button.setToolTip(
                pick
                if p is None
                else "You have acknowledged this version."
                if p.acknowledged_by_me
                else "Only the approved version is acknowledged."
            )

    def open_add(self) -> PolicyDialog:
        dialog = PolicyDialog(self, today=self.ctx.clock.now().date())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add(dialog.values))
        dialog.open()
        return dialog

    def _add(self, values: tuple[str, str, Path, date] | None) -> None:
        if values is None:
            return
        key, title, file, review = values
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: PolicyService(ctx, who).add(key, title, file, next_review=review),
            lambda row: self._after(f"Added {row.key} v{row.version} as a draft.", row),
            "adding the policy",
        )

    def _change(self, verb: str) -> None:
        p = self.selected()
        if p is None:
            return
        ctx, who = self.ctx, self.principal()

        def job(_c: JobControl) -> PolicyRow:
            service = PolicyService(ctx, who)
            row: PolicyRow = getattr(service, verb)(p.key, p.version)
            return row

        done = {"approve": "approved", "retire": "retired"}[verb]
        self.run(
            job, lambda row: self._after(f"{row.key} v{row.version} {done}.", row), f"{verb} policy"
        )

    def acknowledge(self) -> None:
        p = self.selected()
        if p is None:
            return
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: PolicyService(ctx, who).acknowledge(p.key),
            lambda row: self._after(f"You acknowledged {row.key} v{row.version}.", row),
            "acknowledging the policy",
        )

    def _after(self, text: str, row: PolicyRow) -> None:
        self.banner.show_message(text, "ok")
        self.refresh()
        self.select(row.key, row.version)

    # ------------------------------------------------------------ evidence

    def period(self) -> Period:
        return Period(_pydate(self.start.date()), _pydate(self.end.date()))

    def ask_pack(self) -> None:
        folder = choose_folder(self, self.ctx, "Folder to hold the evidence pack")
        if folder:
            p = self.period()
            self.write_pack(folder / f"{self.framework.currentData()}-{p.start}-{p.end}")

    def write_pack(self, out: Path, *, pdf: bool = True) -> None:
        try:
            period = self.period()
        except ValueError as exc:
            self.banner.show_message(str(exc), "error")
            return
        from views.reports.pdf import render_pdf

        ctx, who, key = self.ctx, self.principal(), str(self.framework.currentData())
        title = f"Evidence pack ({key})"

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=title)

        dialog = QProgressDialog("Collecting evidence…", "Cancel", 0, 0, self)
        dialog.setWindowTitle("Evidence pack")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.pack_dialog = dialog
        controls: list[JobControl] = []

        def cancel() -> None:
            for c in controls:
                c.cancel()

        dialog.canceled.connect(cancel)
        self.pack_button.setEnabled(False)
        self.pack_state.setText("Writing the evidence pack…")
        dialog.show()

        def job(control: JobControl) -> PackResult:
            controls.append(control)
            return EvidenceService(ctx, who).pack(
                key, period, out, render_pdf=renderer if pdf else None, control=control
            )

        def progress(n: int, total: int | None, message: str) -> None:
            if self.pack_dialog is not None:
                self.pack_dialog.setMaximum(total or 0)
                self.pack_dialog.setValue(n)
                self.pack_dialog.setLabelText(message.capitalize() + "…")

        def failed(exc: BaseException) -> None:
            self._close_pack_dialog()
            self.pack_state.setText("The evidence pack was not written; nothing was left behind.")
            self.report(exc, "writing the evidence pack")

        self.pack_handle = self.ctx.tasks.submit(
            job,
            on_done=while_alive(self, self._packed),
            on_error=while_alive(self, failed),
            on_progress=while_alive(self, progress),
            on_cancelled=while_alive(self, self._pack_cancelled),
        )

    def _close_pack_dialog(self) -> None:
        self.enable_for(self.pack_button, V)
        if self.pack_dialog is not None:
            self.pack_dialog.hide()
            self.pack_dialog.deleteLater()
            self.pack_dialog = None

    def _packed(self, pack: PackResult) -> None:
        self.last_pack = pack
        self._close_pack_dialog()
        self.pack_state.setText(
            f"Evidence pack written to {pack.folder}: {pack.files} files, "
            f"{len(pack.gaps)} gap(s); manifest SHA-256 {pack.manifest_sha256[:16]}… "
            "recorded in the audit log."
        )
        self.gaps.clear()
        self.gaps.addItems(list(pack.gaps) or ["No gaps: every control has evidence."])

    def _pack_cancelled(self) -> None:
        self._close_pack_dialog()
        self.pack_state.setText("Cancelled; nothing was written.")

    def ask_verify(self) -> None:
        folder = choose_folder(self, self.ctx, "Evidence pack folder to verify")
        if folder:
            self.verify(folder)

    def verify(self, folder: Path) -> None:
        self.run(lambda _c: verify_pack(folder), self._verified, "verifying the evidence pack")

    def _verified(self, check: Any) -> None:
        self.gaps.clear()
        if check.ok:
            self.pack_state.setText(f"All {check.files} files match the manifest.")
        else:
            self.pack_state.setText("The pack DOES NOT MATCH its manifest:")
            self.gaps.addItems(list(check.problems))

    # ------------------------------------------------------------ trust summary

    def _show_trust(self, summary: TrustSummary | None) -> None:
        self.trust = summary
        self.enable_for(self.trust_approve, M)
        self.enable_for(self.trust_export, V)
        if summary is None:
            self.trust_view.setHtml("")
            for b in (self.trust_approve, self.trust_export):
                b.setEnabled(False)
            return
        self.trust_view.setHtml(summary.html)
        if summary.approved:
            self.trust_state.setText(
                f"Approved by {summary.approved_by} at {summary.approved_at} "
                f"(SHA-256 {summary.sha256[:16]}…): ready to export."
            )
            self.trust_approve.setEnabled(False)
            self.trust_approve.setToolTip("This content is already approved.")
        else:
            self.trust_state.setText(
                f"Not approved (SHA-256 {summary.sha256[:16]}…). It is built from the "
                "workspace's state; approve it before it can be exported."
            )
            if self.trust_export.isEnabled():
                self.trust_export.setEnabled(False)
                self.trust_export.setToolTip("Approve this content first.")

    def approve_trust(self) -> None:
        if self.trust is None:
            return
        ctx, sha = self.ctx, self.trust.sha256

        def action(p: Principal) -> Any:
            return lambda _c: TrustService(ctx, p).approve(sha)

        def done(summary: TrustSummary) -> None:
            self.banner.show_message("Trust summary approved.", "ok")
            self._show_trust(summary)

        self.run_guarded(action, done, "approving the trust summary")

    def ask_export_trust(self) -> None:
        path = save_path(
            self, self.ctx, "Export the trust summary", "trust-summary.html", "HTML (*.html)"
        )
        if path:
            self.export_trust(path)

    def export_trust(self, path: Path) -> None:
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: TrustService(ctx, who).export(path),
            lambda _s: self.banner.show_message(f"Trust summary written to {path}.", "ok"),
            "exporting the trust summary",
        )
