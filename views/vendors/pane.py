"""Vendors pane: the vendor register (next review, certificate expiry) with a detail area,
the help-desk integrations with their linked vendor, and the findings. The privacy
officer adds vendors, imports integrations, links them and reviews vendors (sign-off with
step-up); the auditor reads, and every button they cannot use says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QPushButton, QWidget

from app.security.permissions import Permission
from app.vendors.questionnaire import Questionnaire
from app.vendors.records import Finding, ImportResult, IntegrationRow, ReviewRow, VendorRow
from app.vendors.service import VendorDetail, VendorService
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
from views.vendors.forms import TRANSFER_LABELS, CertificationDialog, ReviewDialog, VendorDialog

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl
    from app.security.auth import Principal

KIND_LABELS = {
    "app_installation": "App",
    "oauth_client": "OAuth client",
    "oauth_token": "OAuth token",
    "api_token": "API token",
    "webhook": "Webhook",
}
FINDING_LABELS = {
    "token_unused": "Unused token",
    "excessive_scope": "Excessive scope",
    "app_without_vendor": "App without vendor",
    "review_overdue": "Review overdue",
    "certificate_expired": "Certificate expired",
    "activity_spike": "Activity spike",
}

NO_SELECTION = "Select a vendor to see its certifications, reviews and integrations."


@dataclass(frozen=True)
class Loaded:
    vendors: tuple[VendorRow, ...]
    integrations: tuple[IntegrationRow, ...]
    findings: tuple[Finding, ...]


class VendorsPane(Pane):
    NAME = "vendors"
    TITLE = "Vendors"
    ICON = "system-users"
    ORDER = 60
    PERMISSION = Permission.VENDORS_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.vendors: RowTableModel[VendorRow] = RowTableModel(
            [
                Column("Vendor", lambda r: r.name),
                Column("Key", lambda r: r.key),
                Column("Role", lambda r: r.role),
                Column("Risk", lambda r: r.risk_tier,
                       alert=lambda r: r.risk_tier in ("high", "critical")),
                Column("DPA", lambda r: (r.dpa_date or "signed") if r.dpa_signed else "none",
                       alert=lambda r: not r.dpa_signed),
                Column("Transfer", lambda r: TRANSFER_LABELS[r.transfer]),
                Column("Next review", lambda r: r.next_review or "never reviewed",
                       alert=lambda r: r.key in self.overdue),
                Column("Certificate expiry", lambda r: r.next_expiry or "none recorded",
                       alert=lambda r: r.key in self.expired),
                Column("Last decision", lambda r: (r.last_decision or "").replace("_", " ")),
            ],
            self,
        )  # fmt: skip
        self.overdue: set[str] = set()
        self.client_vendor: dict[str, str] = {}
        self.expired: set[str] = set()
        self.vendor_table = table_view(self.vendors)
        self.vendor_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.detail = wrapped(NO_SELECTION)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body = LoadView(
            tab_page(self.vendor_table, self.detail, grow=self.vendor_table),
            "No vendors yet. Add each service the help desk shares data with (Add vendor…), "
            "then import the help desk's integrations to link them.",
        )
        self.integrations: RowTableModel[IntegrationRow] = RowTableModel(
            [
                Column("Integration", lambda r: r.name),
                Column("Kind", lambda r: KIND_LABELS[r.kind]),
                Column("Zendesk id", lambda r: r.zendesk_id),
                Column("Scopes", lambda r: " ".join(r.scopes) or "-"),
                Column("Created", lambda r: (r.created_at or "")[:10]),
                Column("Last used", lambda r: (r.used_at or "")[:10] or "-"),
                Column("Vendor", self._vendor_of,
                       alert=lambda r: self._vendor_of(r) == "no vendor"),
            ],
            self,
        )  # fmt: skip
        self.integration_table = table_view(self.integrations)
        self.integration_table.selectionModel().selectionChanged.connect(
            lambda *_: self._selected()
        )
        self.integration_view = LoadView(
            self.integration_table,
            "No integrations yet. Sync them from Zendesk, or import the Zendesk files "
            "(oauth_clients.json, oauth_tokens.json, apps_installations.json, api_tokens.json, "
            "webhooks.json).",
        )
        self.findings: RowTableModel[Finding] = RowTableModel(
            [
                Column("Finding", lambda r: FINDING_LABELS[r.type]),
                Column("About", lambda r: r.subject),
                Column("Detail", lambda r: r.detail),
            ],
            self,
        )
        self.finding_view = LoadView(
            table_view(self.findings), "No findings: every integration and vendor is in order."
        )

        self.add_button = QPushButton("Add vendor…")
        self.add_button.clicked.connect(self.open_add)
        self.cert_button = QPushButton("Add certification…")
        self.cert_button.clicked.connect(self.open_certification)
        self.review_button = QPushButton("Review vendor…")
        self.review_button.clicked.connect(self.open_review)
        self.import_button = QPushButton("Import integrations…")
        self.import_button.clicked.connect(self.choose_import)
        self.sync_button = QPushButton("Sync from Zendesk")
        self.sync_button.clicked.connect(self.sync_from_zendesk)
        self.link_choice = QComboBox()
        self.link_choice.setMinimumWidth(180)
        self.link_button = QPushButton("Link to vendor")
        self.link_button.clicked.connect(self.link_selected)
        self.review_dialog: ReviewDialog | None = None
        self.last_import: ImportResult | None = None

        self.tabs = ScrollingTabs()
        self.tabs.addTab(
            tab_page(
                hbox(self.add_button, self.cert_button, self.review_button, None),
                self.body,
                grow=self.body,
            ),
            "Vendors",
        )
        self.tabs.addTab(
            tab_page(
                hbox(
                    self.import_button, self.sync_button, None, self.link_choice, self.link_button
                ),
                self.integration_view,
                grow=self.integration_view,
            ),
            "Integrations",
        )
        self.tabs.addTab(tab_page(self.finding_view, grow=self.finding_view), "Findings")
        self._selected()
        self.setLayout(
            vbox(hbox(heading(self.TITLE), self.banner), self.tabs, margin=MARGIN, spacing=MARGIN)
        )

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        ctx, who = self.ctx, self.principal()

        def job(_control: JobControl) -> Loaded:
            service = VendorService(ctx, who)
            return Loaded(service.vendors(), service.integrations(), service.findings())

        self.load(
            job, self._loaded, "loading the vendor register", is_empty=lambda r: not r.vendors
        )

    def _loaded(self, r: Loaded) -> None:
        self.overdue = {
            f.detail.split(":")[0].split()[1] for f in r.findings if f.type == "review_overdue"
        }
        self.expired = {
            f.detail.split(":")[0].split()[1] for f in r.findings if f.type == "certificate_expired"
        }
        chosen, picked = self.selected_vendor(), self.selected_integration()
        self.client_vendor = {
            i.zendesk_id: i.vendor for i in r.integrations if i.kind == "oauth_client" and i.vendor
        }
        self.vendors.set_rows(r.vendors)
        self.integrations.set_rows(r.integrations)
        self.findings.set_rows(r.findings)
        for view, has in (
            (self.integration_view, bool(r.integrations)),
            (self.finding_view, bool(r.findings)),
        ):
            if has:
                view.show_content()
            else:
                view.show_empty()
        self.tabs.setTabText(2, f"Findings ({len(r.findings)})" if r.findings else "Findings")
        self.link_choice.clear()
        for v in r.vendors:
            self.link_choice.addItem(v.name, v.key)
        if chosen is not None:
            self.select_vendor(chosen.key)
        if picked is not None:
            self.select_integration(picked.ref)
        self._selected()

    def _vendor_of(self, r: IntegrationRow) -> str:
        if r.vendor:
            return r.vendor
        via = self.client_vendor.get(r.parent_id or "") if r.kind == "oauth_token" else None
        return f"{via} (via its client)" if via else "no vendor"

    # ------------------------------------------------------------ selection

    def selected_vendor(self) -> VendorRow | None:
        rows = self.vendor_table.selectionModel().selectedRows()
        return self.vendors.row_at(rows[0].row()) if rows else None

    def selected_integration(self) -> IntegrationRow | None:
        rows = self.integration_table.selectionModel().selectedRows()
        return self.integrations.row_at(rows[0].row()) if rows else None

    def select_vendor(self, key: str) -> None:
        for n, v in enumerate(self.vendors.rows()):
            if v.key == key:
                self.vendor_table.selectRow(n)

    def select_integration(self, ref: str) -> None:
        for n, i in enumerate(self.integrations.rows()):
            if i.ref == ref:
                self.integration_table.selectRow(n)

    def _selected(self) -> None:
        self.enable_for(self.add_button, Permission.VENDORS_MANAGE)
        self.enable_for(self.import_button, Permission.VENDORS_MANAGE)
        if self.enable_for(self.sync_button, Permission.VENDORS_MANAGE):
            self.enable_for(self.sync_button, Permission.ZENDESK_SYNC)
        vendor = self.selected_vendor()
        for button, what in ((self.review_button, "review"), (self.cert_button, "certify")):
            if self.enable_for(button, Permission.VENDORS_MANAGE) and vendor is None:
                button.setEnabled(False)
                button.setToolTip(f"Select a vendor to {what} first.")
        integration = self.selected_integration()
        if self.enable_for(self.link_button, Permission.VENDORS_MANAGE) and (
            integration is None or self.link_choice.count() == 0
        ):
            self.link_button.setEnabled(False)
            self.link_button.setToolTip(
                "Select an integration, and add its vendor first if it has none."
            )
        self.link_choice.setEnabled(self.link_button.isEnabled())
        if vendor is not None:
            self._show_detail(vendor)
        else:
            self.detail.setText(NO_SELECTION)

    def _show_detail(self, v: VendorRow) -> None:
        linked = [i for i in self.integrations.rows() if i.vendor == v.key]
        certs = "; ".join(
            f"{c.kind} (report {c.report_date}, expires {c.expires_on or '-'})"
            for c in v.certifications
        )
        lines = [
            f"<b>{_esc(v.name)}</b> — {_esc(v.purpose) or 'no purpose recorded'}",
            f"Data shared: {_esc(', '.join(v.categories)) or 'none recorded'}. "
            f"Owner: {_esc(v.owner) or 'none'}. Needs {v.access} access.",
            f"Certifications: {_esc(certs) or 'none recorded'}.",
            f"Last review: {v.last_review or 'never'}"
            + (f" ({v.last_decision.replace('_', ' ')})" if v.last_decision else "")
            + f". Integrations: {_esc(', '.join(i.name for i in linked)) or 'none linked'}.",
        ]
        self.detail.setText("<br>".join(lines))

    # ------------------------------------------------------------ actions

    def open_add(self) -> VendorDialog:
        dialog = VendorDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add(dialog.vendor))
        dialog.open()
        return dialog

    def _add(self, vendor: Any) -> None:
        if vendor is None:
            return
        ctx, who = self.ctx, self.principal()

        def added(row: VendorRow) -> None:
            self.banner.show_message(f"Added vendor {row.name}.", "info")
            self.refresh()

        self.run(lambda _c: VendorService(ctx, who).add(vendor), added, "adding the vendor")

    def open_certification(self) -> CertificationDialog | None:
        vendor = self.selected_vendor()
        if vendor is None:
            return None
        dialog = CertificationDialog(vendor.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._certify(vendor.key, dialog.values))
        dialog.open()
        return dialog

    def _certify(self, key: str, values: tuple[str, str, str | None] | None) -> None:
        if values is None:
            return
        ctx, who = self.ctx, self.principal()

        def done(cert: Any) -> None:
            self.banner.show_message(f"Recorded {cert.kind} for {key}.", "info")
            self.refresh()

        self.run(
            lambda _c: VendorService(ctx, who).add_certification(key, *values),
            done,
            "recording the certification",
        )

    def choose_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of Zendesk integration files")
        if folder:
            self.import_from([Path(folder)])

    def import_from(self, paths: list[Path]) -> None:
        ctx, who = self.ctx, self.principal()

        def done(result: ImportResult) -> None:
            self.last_import = result
            self.banner.show_message(
                f"Read {len(result.files)} files: {result.added} integrations added, "
                f"{result.updated} updated.",
                "info",
            )
            self.refresh()

        self.run(
            lambda _c: VendorService(ctx, who).import_integrations(paths),
            done,
            "importing the integrations",
        )

    def sync_from_zendesk(self) -> None:
        """Read the five integration endpoints over the connection (in the background)."""
        ctx, who = self.ctx, self.principal()
        self.banner.show_message("Reading the integrations from Zendesk…", "info")

        def done(result: ImportResult) -> None:
            self.last_import = result
            self.banner.show_message(
                f"Read {len(result.files)} endpoints from Zendesk: {result.added} integrations "
                f"added, {result.updated} updated.",
                "info",
            )
            self.refresh()

        self.run(
            lambda control: VendorService(ctx, who).sync_integrations(control),
            done,
            "reading the integrations from Zendesk",
        )

    def link_selected(self) -> None:
        integration = self.selected_integration()
        key = self.link_choice.currentData()
        if integration is None or not key:
            return
        ctx, who, ref = self.ctx, self.principal(), integration.ref

        def linked(row: IntegrationRow) -> None:
            self.banner.show_message(f"Linked {row.name} to {row.vendor}.", "info")
            self.refresh()

        self.run(lambda _c: VendorService(ctx, who).link(ref, key), linked, "linking")

    def open_review(self) -> None:
        vendor = self.selected_vendor()
        if vendor is None:
            return
        ctx, who, key = self.ctx, self.principal(), vendor.key

        def job(_c: JobControl) -> tuple[ReviewRow, Questionnaire]:
            service = VendorService(ctx, who)
            detail: VendorDetail = service.show(key)
            open_one = next((r for r in detail.reviews if r.status == "open"), None)
            review = open_one or service.start_review(key)
            return review, service.questionnaire(review.questionnaire)

        self.run(job, lambda r: self._show_review(*r, vendor.name), "opening the review")

    def _show_review(self, review: ReviewRow, template: Questionnaire, name: str) -> None:
        dialog = ReviewDialog(review, name, template, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_requested.connect(lambda: self.save_review(dialog))
        dialog.signoff_requested.connect(lambda: self.sign_off(dialog))
        dialog.destroyed.connect(lambda *_: setattr(self, "review_dialog", None))
        self.review_dialog = dialog
        dialog.open()

    def save_review(self, dialog: ReviewDialog, then: Any = None) -> None:
        ctx, who = self.ctx, self.principal()
        review_id, answers, files = dialog.review.id, dialog.chosen_answers(), list(dialog.evidence)

        def saved(row: ReviewRow) -> None:
            dialog.show_review(row)
            dialog.banner.show_message("Answers saved.", "info")
            if then is not None:
                then(row)

        def job(_c: JobControl) -> ReviewRow:
            return VendorService(ctx, who).answer_review(review_id, answers, files)

        self.run(job, saved, "saving the review")

    def sign_off(self, dialog: ReviewDialog) -> None:
        decision, conditions = dialog.decision.currentText(), dialog.conditions.text()

        def then(row: ReviewRow) -> None:
            ctx = self.ctx

            def action(p: Principal) -> Any:
                return lambda _c: VendorService(ctx, p).sign_off_review(
                    row.id, decision, conditions
                )

            def done(signed: ReviewRow) -> None:
                self.banner.show_message(
                    f"Review {signed.id} signed off: {(signed.decision or '').replace('_', ' ')} "
                    f"(score {signed.score}%).",
                    "info",
                )
                dialog.accept()
                self.refresh()

            self.run_guarded(action, done, "signing off the review")

        self.save_review(dialog, then)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
