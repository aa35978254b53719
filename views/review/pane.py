"""Access review pane: the campaign list and header, who-can-see-what, charts, sign-off,
evidence, remediation and settings. The Items tab (item table, filters, keyboard decisions,
detail panel) is `views.review.items.ReviewItemsPane`, this pane's base class.

While shown, the pane follows other officers' changes (`views.common.live`): the open
campaign's rows and progress reload in place, keeping the selection and the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.jobs import JobControl
from app.security.permissions import Permission
from views.common.files import choose_folder
from views.common.live import LiveChanges
from views.common.table_model import SORT_ROLE, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox
from views.review.charts import ReviewCharts
from views.review.dialogs import (
    CreateCampaignDialog,
    DecisionDialog,
    SettingsDialog,
    SignOffDialog,
)
from views.review.items import ReviewItemsPane
from views.review.models import (
    campaign_columns,
    who_columns,
)

if TYPE_CHECKING:
    from app.context import AppContext
    from app.review.records import (
        CampaignSummary,
        DiffSummary,
        ItemRow,
        PermissionCount,
        Progress,
        ReviewSettings,
    )


class ReviewPane(ReviewItemsPane):
    NAME = "review"
    TITLE = "Access review"
    ICON = "system-users"
    ORDER = 20
    PERMISSION = Permission.REVIEW_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.campaign: CampaignSummary | None = None
        self.progress: Progress | None = None
        self.diff: DiffSummary | None = None
        self.roles: list[str] = []
        self.reviewer_names: list[str] = []
        self.decision_dialog: DecisionDialog | None = None
        manage = self.can(Permission.REVIEW_MANAGE)

        # campaign list
        self.campaigns: RowTableModel[CampaignSummary] = RowTableModel(campaign_columns(), self)
        self.campaign_proxy = QSortFilterProxyModel(self)
        self.campaign_proxy.setSourceModel(self.campaigns)
        self.campaign_proxy.setSortRole(SORT_ROLE)
        self.campaign_table = table_view(self.campaign_proxy, sort_column=0, descending=True)
        self.campaign_table.clicked.connect(self._campaign_clicked)
        self.new_button = QPushButton("New campaign…")
        self.new_button.clicked.connect(self.ask_create)
        self.new_button.setEnabled(manage)
        left = QWidget()
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Dormant-days limit and toxic-combination rules")
        self.settings_button.clicked.connect(self.ask_settings)
        self.settings_button.setEnabled(manage)
        self.settings_dialog: SettingsDialog | None = None
        # "Loading…" until the campaigns arrive, "Could not load" if that fails; the empty
        # text only when the store really has none.
        self.body = LoadView(self.campaign_table, "No campaigns yet.")
        left.setLayout(vbox(self.body, hbox(self.new_button, self.settings_button)))
        left.setMinimumWidth(220)
        self.campaign_table.horizontalHeader().setStretchLastSection(True)

        # campaign header
        self.title = heading("Access review")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.reminders = QLabel()
        self.reminders.setWordWrap(True)
        self.reminders.hide()
        self.signoff_button = QPushButton("Sign off…")
        self.signoff_button.clicked.connect(self.ask_sign_off)
        self.export_button = QPushButton("Export evidence…")
        self.export_button.clicked.connect(self.ask_export)
        self.verify_button = QPushButton("Verify remediation")
        self.verify_button.setToolTip(
            "Check each revoke/modify against the newest help-desk snapshot"
        )
        self.verify_button.clicked.connect(self.verify_remediation)

        items_split = self._build_items()

        # who can see what
        self.permission = QComboBox()
        self.permission.setMinimumContentsLength(30)
        self.permission.activated.connect(self._permission_chosen)
        self.who = RowTableModel(who_columns(), self)
        self.who_proxy = QSortFilterProxyModel(self)
        self.who_proxy.setSourceModel(self.who)
        self.who_table = table_view(self.who_proxy)
        self.who_table.horizontalHeader().setStretchLastSection(True)
        who_page = QWidget()
        who_page.setLayout(
            vbox(hbox(QLabel("Permission"), self.permission, None), self.who_table, margin=6)
        )

        self.charts = ReviewCharts()
        self.tabs = QTabWidget()
        self.tabs.addTab(items_split, "Items")
        self.tabs.addTab(who_page, "Who can see what")
        self.tabs.addTab(self.charts, "Charts")

        right = QWidget()
        right.setLayout(
            vbox(
                hbox(
                    self.title,
                    self.banner,  # the reserved message area: showing one moves no button
                    self.verify_button,
                    self.export_button,
                    self.signoff_button,
                ),
                self.summary,
                self.reminders,
                self.tabs,
            )
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 1100])
        self.setLayout(vbox(split, margin=MARGIN, spacing=MARGIN))

        self._show_campaign_state()
        self.live = LiveChanges(ctx, ("review",), self)
        self.live.changed.connect(self.changed_elsewhere)

    # ------------------------------------------------------------ live refresh

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.live.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.live.stop()
        super().hideEvent(event)

    def changed_elsewhere(self, _area: str = "review") -> None:
        """Another operator changed reviews: reload the open campaign's rows in place."""
        if self.campaign is None:
            self.refresh()
            return
        service, cid = self._service(), self.campaign.id
        self.run(
            lambda control: (service.campaigns(), service.items(cid)),
            self._live_loaded,
            "reloading another reviewer's changes",
        )

    def _live_loaded(self, result: tuple[list[CampaignSummary], list[ItemRow]]) -> None:
        campaigns, items = result
        if [c.id for c in campaigns] != [c.id for c in self.campaigns.rows()]:
            self.campaigns.set_rows(campaigns)
        if {r.id for r in items} != {r.id for r in self.model.rows()}:
            if self.campaign is not None:
                self.open_campaign(self.campaign.id)
            return
        shown = self.current_item()
        for row in items:
            self.model.update_row(row)  # no reset: the selection and scroll stay
        self._refresh_progress()
        if shown is not None and self.model.row(shown.id) != shown:
            self.load_detail(shown.id)

    # ------------------------------------------------------------ campaigns

    def refresh(self) -> None:
        service = self._service()
        self.banner.clear()
        self.load(
            lambda control: service.campaigns(),
            self._campaigns_loaded,
            "reading campaigns",
            is_empty=lambda rows: not rows,
        )

    def _campaigns_loaded(self, rows: list[CampaignSummary]) -> None:
        self.campaigns.set_rows(rows)
        if self.campaign is None and rows:
            self.open_campaign(rows[0].id)
        elif self.campaign is not None:
            self.open_campaign(self.campaign.id)
        elif not rows:
            self.summary.setText(
                "No access review yet. Import help-desk data, then start one with “New campaign…”."
            )

    def _campaign_clicked(self, index: Any) -> None:
        row = self.campaign_proxy.mapToSource(index).row()
        self.open_campaign(self.campaigns.row_at(row).id)

    def open_campaign(self, campaign_id: int) -> None:
        service = self._service()

        def job(
            control: JobControl,
        ) -> tuple[
            CampaignSummary,
            list[ItemRow],
            Progress,
            DiffSummary,
            list[PermissionCount],
            tuple[list[str], list[str]],
        ]:
            roles, _groups, reviewers = service.choices()
            return (
                service.campaign(campaign_id),
                service.items(campaign_id),
                service.progress(campaign_id),
                service.diff(campaign_id),
                service.permission_counts(campaign_id),
                (roles, reviewers),
            )

        self.run(job, self._campaign_loaded, "opening")

    def _campaign_loaded(self, result: Any) -> None:
        campaign, items, progress, diff, permissions, (roles, reviewers) = result
        self.campaign = campaign
        self._update_campaign_row(campaign)
        self.roles, self.reviewer_names = roles, reviewers
        self.model.set_rows(items)
        self._fill_filters(items)
        self._show_progress(campaign, progress)
        self.diff = diff
        self.charts.show_campaign(progress, diff)
        self.permission.clear()
        for p in permissions:
            self.permission.addItem(f"{p.text} ({p.holders})", p.key)
        self.who.set_rows([])
        self.detail.clear()
        self._show_campaign_state()
        self._update_count()

    def _show_progress(self, c: CampaignSummary, progress: Progress) -> None:
        self.progress = progress
        self.title.setText(f"Access review {c.name}")
        state = "signed off by " + (c.signed_off_by or "") if c.signed_off else "open"
        due = ""
        if c.due_date:
            due = f" · due {c.due_date}"
            if progress.overdue:
                due += " — OVERDUE"
            elif progress.days_left is not None and not c.signed_off:
                due += f" ({progress.days_left} days left)"
        by = ", ".join(f"{k} {d}/{t}" for k, (d, t) in progress.by_reviewer.items())
        self.summary.setText(
            f"<b>{progress.decided} of {progress.total} decided</b> · {state}{due}<br>"
            f"{c.scope_label}, snapshot #{c.snapshot_id} · {c.findings} findings · "
            f"reviewers: {by or '—'}"
        )
        colour = "#8a1c1c" if progress.overdue else "#1d3f6e"
        self.summary.setStyleSheet(f"QLabel {{ color: {colour}; }}" if progress.overdue else "")
        if progress.reminders:
            self.reminders.setText("Reminder: " + "; ".join(progress.reminders))
            self.reminders.setStyleSheet(
                f"QLabel {{ color: {colour}; background: #fff4dc; padding: 4px; }}"
            )
            self.reminders.show()
        else:
            self.reminders.hide()

    def _show_campaign_state(self) -> None:
        c = self.campaign
        manage = self.can(Permission.REVIEW_MANAGE)
        editable = c is not None and not c.signed_off and manage
        for button in (self.bulk_button, self.reassign_button):
            button.setEnabled(editable)
        self.signoff_button.setEnabled(editable)
        self.verify_button.setEnabled(c is not None and c.signed_off and manage)
        self.export_button.setEnabled(c is not None)

    def ask_create(self) -> None:
        service = self._service()

        def ready(choices: tuple[list[str], list[str], list[str]]) -> None:
            from app.review.campaigns import default_name

            roles, groups, reviewers = choices
            now = self.ctx.clock.now()
            dialog = CreateCampaignDialog(
                default_name(now),
                roles,
                groups,
                reviewers,
                self.principal().username,
                now.date(),
                self,
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self.create_campaign(**dialog.values()))
            self.create_dialog = dialog
            dialog.open()

        self.run(lambda control: service.choices(), ready, "preparing")

    def create_campaign(self, **values: Any) -> None:
        service = self._service()
        self.banner.clear()
        self.run(
            lambda control: service.create_campaign(**values),
            self._created,
            "creating the campaign",
        )

    def _created(self, campaign: CampaignSummary) -> None:
        self.campaign = campaign
        self.banner.show_message(
            f"Campaign {campaign.name} created: {campaign.total} agents, "
            f"{campaign.findings} findings.",
            "ok",
        )
        self.refresh()

    def _refresh_progress(self) -> None:
        if self.campaign is None:
            return
        service, cid = self._service(), self.campaign.id
        self.run(
            lambda control: (service.campaign(cid), service.progress(cid)),
            lambda pair: self._progress_loaded(*pair),
            "reading progress",
        )

    def _progress_loaded(self, campaign: CampaignSummary, progress: Progress) -> None:
        self.campaign = campaign
        self._show_progress(campaign, progress)
        if self.diff is not None:
            self.charts.show_campaign(progress, self.diff)
        self._update_campaign_row(campaign)

    def _update_campaign_row(self, campaign: CampaignSummary) -> None:
        """The campaign list's "12/40 decided" follows every decision."""
        rows = self.campaigns.rows()
        if any(r.id == campaign.id and r != campaign for r in rows):
            self.campaigns.set_rows([campaign if r.id == campaign.id else r for r in rows])

    # ------------------------------------------------------------ who can see what

    def _permission_chosen(self, _index: int = 0) -> None:
        key = self.permission.currentData()
        if self.campaign is None or not key:
            return
        service, cid = self._service(), self.campaign.id
        self.run(lambda control: service.who_can(cid, key), self.who.set_rows, "listing holders")

    # ------------------------------------------------------------ sign-off, evidence

    def ask_sign_off(self) -> None:
        if self.campaign is None or self.progress is None:
            return
        dialog = SignOffDialog(
            self.campaign.name, self.progress.total - self.progress.decided, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.sign_off(dialog.carry_over.isChecked(), dialog.note.text())
        )
        self.signoff_dialog = dialog
        dialog.open()

    def sign_off(self, carry_over: bool, note: str | None) -> None:
        if self.campaign is None:
            return
        cid = self.campaign.id

        def action(principal: Any) -> Callable[[JobControl], CampaignSummary]:
            service = self._service(principal)
            return lambda control: service.sign_off(cid, carry_over=carry_over, note=note)

        self.run_guarded(
            action,
            lambda c: self._after_change(f"{c.name} signed off; decisions are locked."),
            "signing off",
        )

    def ask_export(self) -> None:
        folder = choose_folder(self, self.ctx, "Folder for the evidence pack")
        if folder and self.campaign is not None:
            self.export_to(Path(folder) / f"access-review-{self.campaign.id}")

    def export_to(self, folder: Path, *, pdf: bool = True) -> None:
        if self.campaign is None:
            return
        from views.reports.pdf import render_pdf

        service, c = self._service(), self.campaign

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=f"Access review {c.name}")

        self.run(
            lambda control: service.export_pack(c.id, folder, render_pdf=renderer if pdf else None),
            lambda pack: self.banner.show_message(
                f"Evidence pack written to {pack.folder} ({len(pack.files)} files); "
                f"SHA-256 {pack.pack_sha256[:16]}… recorded in the audit log.",
                "ok",
            ),
            "exporting the evidence pack",
        )

    def verify_remediation(self) -> None:
        if self.campaign is None:
            return
        service, cid = self._service(), self.campaign.id

        def done(rows: list[Any]) -> None:
            still = sum(1 for r in rows if r.status == "still_present")
            text = f"{len(rows) - still} revocations verified, {still} still present."
            self.banner.show_message(text, "error" if still else "ok")
            self.open_campaign(cid)

        self.run(lambda control: service.verify_remediation(cid), done, "verifying remediation")

    # ------------------------------------------------------------ settings

    def ask_settings(self) -> None:
        service = self._service()

        def ready(current: ReviewSettings) -> None:
            dialog = SettingsDialog(current, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.saveRequested.connect(lambda values: self.save_settings(dialog, values))
            self.settings_dialog = dialog
            dialog.open()

        self.banner.clear()
        self.run(lambda control: service.settings(), ready, "reading the settings")

    def save_settings(self, dialog: SettingsDialog, values: dict[str, Any]) -> None:
        if not values:
            dialog.done(QDialog.DialogCode.Accepted)
            return
        service = self._service()

        def done(current: ReviewSettings) -> None:
            dialog.done(QDialog.DialogCode.Accepted)
            rules = "custom" if current.custom_rules else "built-in"
            self.banner.show_message(
                f"Settings saved: dormant after {current.dormant_days} days, "
                f"{len(current.toxic_rules)} {rules} toxic-combination rules. "
                "New campaigns use them.",
                "ok",
            )

        self.run(
            lambda control: service.update_settings(**values),
            done,
            "saving the settings",
            banner=dialog.banner,
        )
