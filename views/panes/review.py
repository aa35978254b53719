"""Access review pane: campaigns, the item table with filters and keyboard decisions,
the agent detail panel, who-can-see-what, charts, sign-off, evidence and remediation.

Keyboard on the item table: k keep, r revoke, m modify (both ask for a justification),
n or j next item, p previous. After a decision the next open item is selected.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QWidget,
)

from app.jobs import JobControl
from app.security.permissions import Permission
from views.panes.base import Pane, register_pane
from views.panes.table_model import SORT_ROLE, RowTableModel
from views.review.charts import ReviewCharts
from views.review.detail import DetailPanel
from views.review.dialogs import (
    CreateCampaignDialog,
    DecisionDialog,
    ReassignDialog,
    SignOffDialog,
)
from views.review.models import (
    ItemFilter,
    ItemTableModel,
    campaign_columns,
    who_columns,
)
from views.stepup import run_guarded
from views.widgets import MARGIN, Banner, hbox, heading, table_view, vbox

if TYPE_CHECKING:
    from app.review import ReviewService
    from app.review.records import (
        CampaignSummary,
        DiffSummary,
        ItemDetail,
        ItemRow,
        PermissionCount,
        Progress,
    )

ANY = "(any)"
DECISION_FILTERS = (ANY, "open", "decided", "keep", "revoke", "modify", "carry_over")
ITEM_WIDTHS = (130, 100, 210, 45, 110, 80, 110, 180)


def _combo(values: list[str] | tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.addItems(list(values))
    combo.setMinimumContentsLength(10)
    return combo


@register_pane
class ReviewPane(Pane):
    NAME = "review"
    TITLE = "Access review"
    ICON = "system-users"
    ORDER = 20
    PERMISSION = Permission.REVIEW_VIEW

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign: CampaignSummary | None = None
        self.progress: Progress | None = None
        self.diff: DiffSummary | None = None
        self.roles: list[str] = []
        self.reviewer_names: list[str] = []
        self.decision_dialog: DecisionDialog | None = None
        self.banner = Banner()
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
        left.setLayout(vbox(self.campaign_table, self.new_button))
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

        # items
        self.model = ItemTableModel(self)
        self.proxy = ItemFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=2)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(ITEM_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.finding_filter = _combo([ANY])
        self.decision_filter = _combo(DECISION_FILTERS)
        self.reviewer_filter = _combo([ANY])
        self.role_filter = _combo([ANY])
        self.search = QLineEdit()
        self.search.setPlaceholderText("name, e-mail or id")
        self.search.setClearButtonEnabled(True)
        for combo in (
            self.finding_filter,
            self.decision_filter,
            self.reviewer_filter,
            self.role_filter,
        ):
            combo.currentTextChanged.connect(self._filters_changed)
        self.search.textChanged.connect(self._filters_changed)
        self.bulk_button = QPushButton("Decide filtered…")
        self.bulk_button.setToolTip("One decision for every item the filters show")
        self.bulk_button.clicked.connect(self.ask_bulk)
        self.reassign_button = QPushButton("Reassign…")
        self.reassign_button.clicked.connect(self.ask_reassign)
        self.count = QLabel()
        self.detail = DetailPanel()
        self.detail.commentRequested.connect(self.add_comment)
        # Two rows of filters so the pane fits a 1366-px laptop screen.
        filters = hbox(
            QLabel("Finding"),
            self.finding_filter,
            QLabel("Decision"),
            self.decision_filter,
            self.search,
        )
        more_filters = hbox(
            QLabel("Reviewer"), self.reviewer_filter, QLabel("Role"), self.role_filter, None
        )
        items_left = QWidget()
        items_left.setLayout(
            vbox(
                filters,
                more_filters,
                self.table,
                hbox(self.count, None, self.bulk_button, self.reassign_button),
            )
        )
        items_split = QSplitter(Qt.Orientation.Horizontal)
        items_split.addWidget(items_left)
        items_split.addWidget(self.detail)
        items_split.setStretchFactor(0, 3)
        items_split.setStretchFactor(1, 1)

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
                    None,
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
        layout = vbox(self.banner, split, margin=MARGIN, spacing=MARGIN)
        layout.setStretchFactor(split, 1)  # the banner keeps its own height when shown
        self.setLayout(layout)

        self._keys: dict[int, Callable[[], None]] = {
            Qt.Key.Key_K: lambda: self.decide_current("keep"),
            Qt.Key.Key_R: lambda: self.ask_decision("revoke"),
            Qt.Key.Key_M: lambda: self.ask_decision("modify"),
            Qt.Key.Key_N: lambda: self.step_item(1),
            Qt.Key.Key_J: lambda: self.step_item(1),
            Qt.Key.Key_P: lambda: self.step_item(-1),
        }
        self.table.installEventFilter(self)
        self._show_campaign_state()

    # ------------------------------------------------------------ plumbing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Plain letters on the item table decide (k/r/m) and move (n/j/p).
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            action = self._keys.get(event.key())
            if action is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                action()
                return True
        return super().eventFilter(watched, event)

    def _service(self, principal: Any = None) -> ReviewService:
        from app.review import ReviewService

        return ReviewService(self.ctx, principal or self.principal())

    def _failed(self, doing: str) -> Callable[[BaseException], None]:
        return lambda exc: self.report(exc, self.banner, doing)

    # ------------------------------------------------------------ campaigns

    def refresh(self) -> None:
        service = self._service()
        self.banner.clear()
        self.tasks.submit(
            lambda control: service.campaigns(),
            on_done=self._campaigns_loaded,
            on_error=self._failed("reading campaigns"),
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

        self.tasks.submit(job, on_done=self._campaign_loaded, on_error=self._failed("opening"))

    def _campaign_loaded(self, result: Any) -> None:
        campaign, items, progress, diff, permissions, (roles, reviewers) = result
        self.campaign = campaign
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

    def _fill_filters(self, items: list[ItemRow]) -> None:
        from app.review.findings import FINDING_TYPES

        present = {t for it in items for t in it.finding_types}
        values = {
            self.finding_filter: [t for t in FINDING_TYPES if t in present],
            self.reviewer_filter: sorted({it.reviewer or "(unassigned)" for it in items}),
            self.role_filter: sorted({it.role_name for it in items}),
        }
        for combo, options in values.items():
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([ANY, *options])
            combo.setCurrentText(current if current in options else ANY)
            combo.blockSignals(False)
        self._filters_changed()

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
            from app.review.service import default_name

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

        self.tasks.submit(
            lambda control: service.choices(), on_done=ready, on_error=self._failed("preparing")
        )

    def create_campaign(self, **values: Any) -> None:
        service = self._service()
        self.banner.clear()
        self.tasks.submit(
            lambda control: service.create_campaign(**values),
            on_done=self._created,
            on_error=self._failed("creating the campaign"),
        )

    def _created(self, campaign: CampaignSummary) -> None:
        self.campaign = campaign
        self.banner.show_message(
            f"Campaign {campaign.name} created: {campaign.total} agents, "
            f"{campaign.findings} findings.",
            "ok",
        )
        self.refresh()

    # ------------------------------------------------------------ items

    def _filters_changed(self) -> None:
        def chosen(combo: QComboBox) -> str | None:
            text = combo.currentText()
            return None if text in ("", ANY) else text

        self.proxy.set_filters(
            finding=chosen(self.finding_filter),
            decision=chosen(self.decision_filter),
            reviewer=chosen(self.reviewer_filter),
            role=chosen(self.role_filter),
            text=self.search.text().strip(),
        )
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown} of {total} agents shown" if total else "")

    def current_item(self) -> ItemRow | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_at(self.proxy.mapToSource(index).row())

    def select_row(self, row: int) -> None:
        if 0 <= row < self.proxy.rowCount():
            index = self.proxy.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self.table.scrollTo(index)

    def step_item(self, step: int) -> None:
        current = self.table.currentIndex()
        self.select_row((current.row() if current.isValid() else -1) + step)

    def _next_open(self) -> None:
        start = self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1
        for row in range(start + 1, self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(row, 0)).row()
            if self.model.row_at(source).decision is None:
                self.select_row(row)
                return
        self.step_item(1)

    def _current_changed(self, current: Any, _previous: Any) -> None:
        item = self.current_item()
        if item is None:
            self.detail.clear()
            return
        self.load_detail(item.id)

    def load_detail(self, item_id: int) -> None:
        service = self._service()
        self.tasks.submit(
            lambda control: service.item(item_id),
            on_done=self._detail_loaded,
            on_error=self._failed("reading the item"),
        )

    def _detail_loaded(self, detail: ItemDetail) -> None:
        self.model.update_row(detail.item)
        self._update_count()
        editable = self.campaign is not None and not self.campaign.signed_off
        self.detail.show_detail(detail, can_comment=editable and self.can(Permission.REVIEW_MANAGE))

    # ------------------------------------------------------------ decisions

    def ask_decision(self, decision: str) -> None:
        item = self.current_item()
        if item is None or not self.signoff_button.isEnabled():
            return
        dialog = DecisionDialog(decision, 1, self.roles, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.decide([item.id], *dialog.values(), advance=True))
        self.decision_dialog = dialog
        dialog.open()

    def decide_current(self, decision: str) -> None:
        item = self.current_item()
        if item is not None and self.signoff_button.isEnabled():
            self.decide([item.id], decision, None, None, advance=True)

    def decide(
        self,
        item_ids: list[int],
        decision: str,
        target_role: str | None,
        justification: str | None,
        *,
        advance: bool = False,
    ) -> None:
        service = self._service()
        single = len(item_ids) == 1

        def job(control: JobControl) -> tuple[int, Any]:
            count = service.decide(
                item_ids, decision, target_role=target_role, justification=justification
            )
            return count, service.item(item_ids[0]) if single else None

        def done(result: tuple[int, Any]) -> None:
            count, detail = result
            if detail is not None:
                self._detail_loaded(detail)
                self._refresh_progress()
                if advance:
                    self._next_open()
            else:
                self.banner.show_message(f"{count} items: {decision}.", "ok")
                if self.campaign is not None:
                    self.open_campaign(self.campaign.id)

        self.banner.clear()
        self.tasks.submit(job, on_done=done, on_error=self._failed("recording the decision"))

    def _refresh_progress(self) -> None:
        if self.campaign is None:
            return
        service, cid = self._service(), self.campaign.id
        self.tasks.submit(
            lambda control: (service.campaign(cid), service.progress(cid)),
            on_done=lambda pair: self._progress_loaded(*pair),
            on_error=self._failed("reading progress"),
        )

    def _progress_loaded(self, campaign: CampaignSummary, progress: Progress) -> None:
        self.campaign = campaign
        self._show_progress(campaign, progress)
        if self.diff is not None:
            self.charts.show_campaign(progress, self.diff)
        rows = self.campaigns.rows()
        self.campaigns.set_rows([campaign if r.id == campaign.id else r for r in rows])

    def ask_bulk(self) -> None:
        rows = self.proxy.visible_rows()
        if not rows:
            return
        dialog = DecisionDialog("keep", len(rows), self.roles, self, choose=True)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        ids = [r.id for r in rows]
        dialog.accepted.connect(lambda: self.decide(ids, *dialog.values()))
        self.decision_dialog = dialog
        dialog.open()

    def selected_ids(self) -> list[int]:
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        return [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row()).id
            for r in sorted(rows)
        ]

    def ask_reassign(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.banner.show_message("Select the items to reassign first.", "info")
            return
        dialog = ReassignDialog(self.reviewer_names, len(ids), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.reassign(ids, dialog.reviewer.currentText()))
        dialog.open()

    def reassign(self, ids: list[int], reviewer: str) -> None:
        service = self._service()
        self.tasks.submit(
            lambda control: service.reassign(ids, reviewer),
            on_done=lambda n: self._after_change(f"{n} items reassigned to {reviewer}."),
            on_error=self._failed("reassigning"),
        )

    def add_comment(self, item_id: int, text: str) -> None:
        service = self._service()

        def job(control: JobControl) -> ItemDetail:
            service.comment(item_id, text)
            return service.item(item_id)

        self.tasks.submit(job, on_done=self._detail_loaded, on_error=self._failed("commenting"))

    def _after_change(self, message: str) -> None:
        self.refresh()  # the campaign list too: its state and counts changed
        self.banner.show_message(message, "ok")

    # ------------------------------------------------------------ who can see what

    def _permission_chosen(self, _index: int = 0) -> None:
        key = self.permission.currentData()
        if self.campaign is None or not key:
            return
        service, cid = self._service(), self.campaign.id
        self.tasks.submit(
            lambda control: service.who_can(cid, key),
            on_done=self.who.set_rows,
            on_error=self._failed("listing holders"),
        )

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

        run_guarded(
            self,
            self.ctx,
            self.principal,
            self.tasks,
            action,
            on_done=lambda c: self._after_change(f"{c.name} signed off; decisions are locked."),
            on_error=self._failed("signing off"),
        )

    def ask_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the evidence pack")
        if folder and self.campaign is not None:
            self.export_to(Path(folder) / f"access-review-{self.campaign.id}")

    def export_to(self, folder: Path, *, pdf: bool = True) -> None:
        if self.campaign is None:
            return
        from views.reports.pdf import render_pdf

        service, c = self._service(), self.campaign

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=f"Access review {c.name}")

        self.tasks.submit(
            lambda control: service.export_pack(c.id, folder, render_pdf=renderer if pdf else None),
            on_done=lambda pack: self.banner.show_message(
                f"Evidence pack written to {pack.folder} ({len(pack.files)} files); "
                f"SHA-256 {pack.pack_sha256[:16]}… recorded in the audit log.",
                "ok",
            ),
            on_error=self._failed("exporting the evidence pack"),
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

        self.tasks.submit(
            lambda control: service.verify_remediation(cid),
            on_done=done,
            on_error=self._failed("verifying remediation"),
        )
