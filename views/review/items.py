"""The Items tab of the access review pane: the item table with filters and keyboard
decisions, the agent detail panel, bulk decisions, reassignment and comments.

`ReviewItemsPane` is the base of `views.review.pane.ReviewPane`, which adds the campaign
list and header, who-can-see-what, charts, sign-off, evidence and settings.

Keyboard on the item table: k keep (asks for a justification when the item has findings),
r revoke, m modify (both ask for a justification), n or j next item, p previous. After a
decision the next open item is selected. A decided item changes only through "Change
decision…" in the detail panel; "Decide filtered…" shows what it will do and asks first.

Every decision passes the item versions the table shows (issue 17): when another officer
changed an item since, the service refuses ("Review item #12 changed by priya at 10:42 —
reload"); the banner says so, the row is reloaded and nothing of this officer's is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QWidget,
)

from app.errors import StaleEdit
from app.jobs import JobControl
from app.security.permissions import Permission
from app.wording import counted
from views.common.pane import Pane
from views.common.table_model import SORT_ROLE
from views.common.widgets import hbox, table_view, vbox
from views.review.detail import DetailPanel
from views.review.dialogs import DecisionDialog, ReassignDialog, bulk_preview_text
from views.review.models import ItemFilter, ItemTableModel

if TYPE_CHECKING:
    from app.review import ReviewService
    from app.review.records import (
        BulkPreview,
        BulkResult,
        CampaignSummary,
        ItemDetail,
        ItemRow,
    )

ANY = "(any)"
DECISION_FILTERS = (ANY, "open", "decided", "keep", "revoke", "modify", "carry_over")
ITEM_WIDTHS = (130, 120, 230, 100, 45, 80, 110, 180)


def filter_combo(values: list[str] | tuple[str, ...]) -> QComboBox:
    box = QComboBox()
    box.addItems(list(values))
    box.setMinimumContentsLength(10)
    return box


class ReviewItemsPane(Pane):
    """Not a pane by itself: the review pane subclasses it and builds the rest."""

    campaign: CampaignSummary | None
    roles: list[str]
    reviewer_names: list[str]
    decision_dialog: DecisionDialog | None

    def _build_items(self) -> QWidget:
        """The Items tab; sets up the table, filters, detail panel and keyboard."""
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
        self.finding_filter = filter_combo([ANY])
        self.decision_filter = filter_combo(DECISION_FILTERS)
        self.reviewer_filter = filter_combo([ANY])
        self.role_filter = filter_combo([ANY])
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
        self.detail.changeRequested.connect(self.ask_change)
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

        self._keys: dict[int, Callable[[], None]] = {
            Qt.Key.Key_K: lambda: self.decide_current("keep"),
            Qt.Key.Key_R: lambda: self.ask_decision("revoke"),
            Qt.Key.Key_M: lambda: self.ask_decision("modify"),
            Qt.Key.Key_N: lambda: self.step_item(1),
            Qt.Key.Key_J: lambda: self.step_item(1),
            Qt.Key.Key_P: lambda: self.step_item(-1),
        }
        self.table.installEventFilter(self)
        return items_split

    # ------------------------------------------------------------ for the subclass

    def open_campaign(self, campaign_id: int) -> None:
        raise NotImplementedError

    def _refresh_progress(self) -> None:
        raise NotImplementedError

    def _editable(self) -> bool:
        """Decisions can be recorded: an open campaign and the manage permission (the service
        checks again)."""
        c = self.campaign
        return c is not None and not c.signed_off and self.can(Permission.REVIEW_MANAGE)

    # ------------------------------------------------------------ plumbing

    def _service(self, principal: Any = None) -> ReviewService:
        from app.review import ReviewService

        return ReviewService(self.ctx, principal or self.principal())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Plain letters on the item table decide (k/r/m) and move (n/j/p).
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            action = self._keys.get(event.key())
            if action is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                action()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------ items

    def _fill_filters(self, items: list[ItemRow]) -> None:
        from app.review.findings import FINDING_TITLES, FINDING_TYPES

        present = {t for it in items for t in it.finding_types}
        chosen_type = self.finding_filter.currentData()
        self.finding_filter.blockSignals(True)
        self.finding_filter.clear()
        self.finding_filter.addItem(ANY, None)
        for t in FINDING_TYPES:
            if t in present:
                self.finding_filter.addItem(FINDING_TITLES.get(t, t), t)
        found = self.finding_filter.findData(chosen_type) if chosen_type else 0
        self.finding_filter.setCurrentIndex(max(found, 0))
        self.finding_filter.blockSignals(False)
        values = {
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

    def _filters_changed(self) -> None:
        def chosen(combo: QComboBox) -> str | None:
            text = combo.currentText()
            return None if text in ("", ANY) else text

        self.proxy.set_filters(
            finding=self.finding_filter.currentData() or None,
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
        self.run(lambda control: service.item(item_id), self._detail_loaded, "reading the item")

    def _detail_loaded(self, detail: ItemDetail) -> None:
        self.model.update_row(detail.item)
        self._update_count()
        editable = self.campaign is not None and not self.campaign.signed_off
        self.detail.show_detail(detail, can_comment=editable and self.can(Permission.REVIEW_MANAGE))

    # ------------------------------------------------------------ decisions

    def shown_versions(self, item_ids: list[int]) -> dict[int, int]:
        """The version of each item as the table shows it: what the officer decides on."""
        rows = (self.model.row(i) for i in item_ids)
        return {r.id: r.version for r in rows if r is not None}

    def _stale(self, exc: StaleEdit, detail: ItemDetail | None = None) -> None:
        """Someone else changed the item: say so, show it as it is now."""
        if detail is not None:
            self._detail_loaded(detail)
        self._refresh_progress()
        self.banner.show_message(exc.message, "error")

    def ask_decision(self, decision: str) -> None:
        item = self.current_item()
        if item is None or not self._editable():
            return
        dialog = DecisionDialog(
            decision, 1, self.roles, self, needs_justification=item.needs_justification
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.decide([item.id], *dialog.values(), advance=True))
        self.decision_dialog = dialog
        dialog.open()

    def decide_current(self, decision: str) -> None:
        item = self.current_item()
        if item is None or not self._editable():
            return
        if item.decision is None and item.needs_justification(decision):
            self.ask_decision(decision)  # keep despite findings: say why first
        else:
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
        """Decide open items by id; the service refuses a decided one (see ask_change)."""
        service = self._service()
        first = item_ids[0]
        versions = self.shown_versions(item_ids)

        def job(control: JobControl) -> tuple[StaleEdit | None, ItemDetail]:
            try:
                service.decide(
                    item_ids,
                    decision,
                    target_role=target_role,
                    justification=justification,
                    expected_versions=versions,
                )
            except StaleEdit as exc:
                return exc, service.item(first)  # the row as it is now
            return None, service.item(first)

        def done(result: tuple[StaleEdit | None, ItemDetail]) -> None:
            stale, detail = result
            if stale is not None:
                self._stale(stale, detail)
                return
            self._detail_loaded(detail)
            self._refresh_progress()
            if advance:
                self._next_open()

        self.banner.clear()
        self.run(job, done, "recording the decision")

    def ask_bulk(self) -> None:
        """Ask the service what a decision over the filtered items would do, show it, and
        decide only after the officer confirms."""
        rows = self.proxy.visible_rows()
        if not rows or not self._editable():
            return
        ids = [r.id for r in rows]
        versions = {r.id: r.version for r in rows}  # as shown when the officer asked
        service = self._service()

        def ready(preview: BulkPreview) -> None:
            if not preview.will_decide:
                self.banner.show_message(
                    f"Nothing to decide: the {counted(len(ids), 'item')} shown are already decided "
                    "(or your own account). Change one with “Change decision…”.",
                    "info",
                )
                return
            dialog = DecisionDialog(
                "keep",
                preview.will_decide,
                self.roles,
                self,
                choose=True,
                needs_justification=preview.needs_justification,
                preview=bulk_preview_text(preview),
            )
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(
                lambda: self.decide_bulk(ids, *dialog.values(), versions=versions)
            )
            self.decision_dialog = dialog
            dialog.open()

        self.banner.clear()
        self.run(lambda control: service.preview_bulk(ids), ready, "counting the items")

    def decide_bulk(
        self,
        item_ids: list[int],
        decision: str,
        target_role: str | None,
        justification: str | None,
        *,
        versions: dict[int, int] | None = None,
    ) -> None:
        service = self._service()
        versions = versions if versions is not None else self.shown_versions(item_ids)

        def job(control: JobControl) -> BulkResult | StaleEdit:
            try:
                return service.decide_bulk(
                    item_ids,
                    decision,
                    target_role=target_role,
                    justification=justification,
                    expected_versions=versions,
                )
            except StaleEdit as exc:
                return exc

        def done(result: BulkResult | StaleEdit) -> None:
            if self.campaign is not None:
                self.open_campaign(self.campaign.id)
            if isinstance(result, StaleEdit):
                self.banner.show_message(result.message, "error")
                return
            changed = (
                f" and {counted(result.changed, 'item')} another reviewer changed meanwhile"
                " (reload)"
                if result.changed
                else ""
            )
            self.banner.show_message(
                f"Decided {counted(result.decided, 'open item')}: {decision}. Left "
                f"{counted(result.left_alone, 'already-decided item')}{changed} alone.",
                "ok",
            )

        self.run(job, done, "recording the decisions")

    def ask_change(self, item_id: int) -> None:
        """The explicit way to change one decided item: a new decision and a reason."""
        item = self.model.row(item_id)
        if item is None or item.decision is None or not self._editable():
            return
        dialog = DecisionDialog(
            item.decision if item.decision != "carry_over" else "keep",
            1,
            self.roles,
            self,
            needs_justification=item.needs_justification,
            change=item,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.change_decision(item_id, *dialog.values(), dialog.reason.text())
        )
        self.decision_dialog = dialog
        dialog.open()

    def change_decision(
        self,
        item_id: int,
        decision: str,
        target_role: str | None,
        justification: str | None,
        reason: str,
    ) -> None:
        service = self._service()
        version = self.shown_versions([item_id]).get(item_id)

        def job(control: JobControl) -> tuple[StaleEdit | None, ItemDetail]:
            try:
                detail = service.change_decision(
                    item_id,
                    decision,
                    reason=reason,
                    target_role=target_role,
                    justification=justification,
                    expected_version=version,
                )
            except StaleEdit as exc:
                return exc, service.item(item_id)
            return None, detail

        def done(result: tuple[StaleEdit | None, ItemDetail]) -> None:
            stale, detail = result
            if stale is not None:
                self._stale(stale, detail)
                return
            self._detail_loaded(detail)
            self._refresh_progress()
            self.banner.show_message(
                f"Decision changed to {decision}; the earlier one stays in the history.", "ok"
            )

        self.banner.clear()
        self.run(job, done, "changing the decision")

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
        self.run(
            lambda control: service.reassign(ids, reviewer),
            lambda n: self._after_change(f"{counted(n, 'item')} reassigned to {reviewer}."),
            "reassigning",
        )

    def add_comment(self, item_id: int, text: str) -> None:
        service = self._service()

        def job(control: JobControl) -> ItemDetail:
            service.comment(item_id, text)
            return service.item(item_id)

        self.run(job, self._detail_loaded, "commenting")

    def _after_change(self, message: str) -> None:
        self.refresh()  # the campaign list too: its state and counts changed
        self.banner.show_message(message, "ok")
