"""Data inventory pane: systems, data categories and processing activities as tables; the
discovery heat map (fields × entity types, from the last scan) with its findings; and the
Retention tab, where a policy is simulated (counts, held, month by month, masked samples)
before it can be run (step-up). The privacy officer manages; the auditor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QPushButton, QWidget

from app.inventory.records import (
    SENSITIVITY,
    ActivityRow,
    CategoryRow,
    Inventory,
    Row,
    SystemRow,
)
from app.inventory.service import InventoryService, ScanResult
from app.retention.policies import ZENDESK_RULES, Policy
from app.retention.service import RetentionService, RunInfo, Simulation
from app.security.permissions import Permission
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
from views.inventory.charts import HeatMap, HeatMatrix, MonthsChart, heat_matrix
from views.inventory.forms import RecordDialog

if TYPE_CHECKING:
    from app.context import AppContext
    from app.jobs import JobControl
    from app.security.auth import Principal


@dataclass(frozen=True)
class Loaded:
    inventory: Inventory
    scan: ScanResult | None
    matrix: HeatMatrix | None
    policies: list[Policy]


def _join(values: tuple[str, ...]) -> str:
    return ", ".join(values)


class InventoryPane(Pane):
    NAME = "inventory"
    TITLE = "Data inventory"
    ICON = "x-office-spreadsheet"
    ORDER = 50
    PERMISSION = Permission.INVENTORY_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.systems: RowTableModel[SystemRow] = RowTableModel(
            [
                Column("Key", lambda r: r.key),
                Column("System", lambda r: r.name),
                Column("Kind", lambda r: r.kind),
                Column("Owner", lambda r: r.owner),
                Column("Location", lambda r: r.location),
                Column("Hosting vendor", lambda r: r.vendor),
                Column("Security measures", lambda r: r.measures),
            ],
            self,
        )
        self.categories: RowTableModel[CategoryRow] = RowTableModel(
            [
                Column("Key", lambda r: r.key),
                Column("Category", lambda r: r.name),
                Column("Sensitivity", lambda r: SENSITIVITY[r.sensitivity],
                       alert=lambda r: r.sensitivity in ("special", "payment")),
                Column("Detected as", lambda r: _join(r.entity_types)),
                Column("Expected in", lambda r: _join(r.fields) or "nowhere in the help desk"),
            ],
            self,
        )  # fmt: skip
        self.activities: RowTableModel[ActivityRow] = RowTableModel(
            [
                Column("Key", lambda r: r.key),
                Column("Business function", lambda r: r.name),
                Column("Purpose", lambda r: r.purpose),
                Column("Art. 6 basis", lambda r: r.lawful_basis),
                Column("Art. 9", lambda r: r.special_condition),
                Column("Subjects", lambda r: _join(r.subjects)),
                Column("Categories", lambda r: _join(r.categories)),
                Column("Recipients", lambda r: _join(r.recipients)),
                Column("Transfers", lambda r: r.transfers),
                Column("Safeguard", lambda r: r.safeguard),
                Column("Retention", lambda r: r.retention),
            ],
            self,
        )
        self.body = LoadView(self._inventory_tabs(), "Nothing recorded yet.")
        self.add_buttons: dict[str, QPushButton] = {}
        for kind, label in (
            ("system", "Add system…"),
            ("category", "Add data category…"),
            ("activity", "Add processing activity…"),
        ):
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, k=kind: self.open_form(k))
            self.enable_for(button, Permission.INVENTORY_MANAGE)
            self.add_buttons[kind] = button

        self.scan_button = QPushButton("Scan the help desk")
        self.scan_button.clicked.connect(self.start_scan)
        self.enable_for(self.scan_button, Permission.INVENTORY_MANAGE)
        self.scan_state = wrapped("No scan yet.")
        self.heat = HeatMap()
        self.findings = QListWidget()
        self.findings.setMaximumHeight(130)

        self.policies: RowTableModel[Policy] = RowTableModel(
            [
                Column("Policy", lambda r: r.name),
                Column("Rule", lambda r: r.describe()),
                Column("Added by", lambda r: r.created_by),
            ],
            self,
        )
        self.policy_table = table_view(self.policies)
        self.policy_table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.simulate_button = QPushButton("Simulate")
        self.simulate_button.clicked.connect(self.simulate)
        self.run_button = QPushButton("Run policy…")
        self.run_button.clicked.connect(self.run_policy)
        self.simulation: Simulation | None = None
        self.last_run: RunInfo | None = None
        self.sim_summary = wrapped("Select a policy and simulate it before running it.")
        self.months = MonthsChart()
        self.samples = QListWidget()
        self.samples.setMaximumHeight(110)
        zendesk = wrapped("Zendesk's own rules: " + " ".join(ZENDESK_RULES))
        zendesk.setStyleSheet("color: palette(mid)")
        self._selected()

        self.tabs = ScrollingTabs()
        self.tabs.addTab(
            tab_page(hbox(*self.add_buttons.values(), None), self.body, grow=self.body), "Inventory"
        )
        self.tabs.addTab(
            tab_page(
                hbox(self.scan_button, self.scan_state), self.heat, self.findings, grow=self.heat
            ),
            "Discovery",
        )
        self.tabs.addTab(
            tab_page(
                self.policy_table,
                hbox(self.simulate_button, self.run_button, None),
                self.sim_summary,
                self.months,
                self.samples,
                zendesk,
                grow=self.months,
            ),
            "Retention",
        )
        self.setLayout(
            vbox(hbox(heading(self.TITLE), self.banner), self.tabs, margin=MARGIN, spacing=MARGIN)
        )

    def _inventory_tabs(self) -> QWidget:
        inner = ScrollingTabs()
        inner.addTab(table_view(self.systems), "Systems")
        inner.addTab(table_view(self.categories), "Data categories")
        inner.addTab(table_view(self.activities), "Processing activities")
        self.inner_tabs = inner
        return inner

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        ctx, who = self.ctx, self.principal()

        def job(_control: JobControl) -> Loaded:
            inv = InventoryService(ctx, who).inventory()
            scan = InventoryService(ctx, who).last_scan()
            matrix = heat_matrix(scan.fields, scan.findings) if scan is not None else None
            return Loaded(inv, scan, matrix, RetentionService(ctx, who).policies())

        def empty(r: Loaded) -> bool:
            return not (r.inventory.systems or r.inventory.activities)

        self.load(job, self._loaded, "loading the data inventory", is_empty=empty)

    def _loaded(self, r: Loaded) -> None:
        self.systems.set_rows(r.inventory.systems)
        self.categories.set_rows(r.inventory.categories)
        self.activities.set_rows(r.inventory.activities)
        self.policies.set_rows(r.policies)
        self._show_scan(r.scan, r.matrix)
        self._selected()

    def _show_scan(self, scan: ScanResult | None, matrix: HeatMatrix | None) -> None:
        self.heat.show_matrix(matrix)
        self.findings.clear()
        if scan is None:
            self.scan_state.setText("No scan yet.")
            return
        self.scan_state.setText(
            f"Last scan {scan.finished_at} by {scan.started_by}: {scan.records:,} field values, "
            f"{len(scan.findings)} findings."
        )
        for f in scan.findings:
            self.findings.addItem(f"{f['message']} — {f['why']} (preview: {f['preview']})")

    # ------------------------------------------------------------ forms

    def open_form(self, kind: str) -> RecordDialog:
        dialog = RecordDialog(kind, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._save(dialog.row))
        dialog.open()
        return dialog

    def _save(self, row: Row | None) -> None:
        if row is None:
            return
        ctx, who = self.ctx, self.principal()

        def saved(_row: Row) -> None:
            self.banner.show_message(f"Saved {row.key}.", "info")
            self.refresh()

        self.run(lambda _c: InventoryService(ctx, who).save(row), saved, "saving the inventory")

    # ------------------------------------------------------------ discovery

    def start_scan(self) -> None:
        ctx, who = self.ctx, self.principal()

        def job(control: JobControl) -> tuple[ScanResult, HeatMatrix]:
            scan = InventoryService(ctx, who).scan(control)
            return scan, heat_matrix(scan.fields, scan.findings)

        self.scan_button.setEnabled(False)
        self.scan_state.setText("Scanning…")

        def done(result: tuple[ScanResult, HeatMatrix]) -> None:
            self.enable_for(self.scan_button, Permission.INVENTORY_MANAGE)
            self._show_scan(*result)

        def progress(n: int, total: int | None, _message: str) -> None:
            self.scan_state.setText(f"Scanning… {n:,} of {total or 0:,} records")

        def cancelled() -> None:
            self.enable_for(self.scan_button, Permission.INVENTORY_MANAGE)
            self.scan_state.setText("Scan cancelled; nothing was stored.")

        self.run(job, done, "scanning the help desk", on_progress=progress, on_cancelled=cancelled)

    # ------------------------------------------------------------ retention

    def selected_policy(self) -> Policy | None:
        rows = self.policy_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.policies.row_at(self.policy_table.model().index(rows[0].row(), 0).row())

    def select_policy(self, name: str) -> None:
        for n, p in enumerate(self.policies.rows()):
            if p.name == name:
                self.policy_table.selectRow(n)

    def _selected(self) -> None:
        policy = self.selected_policy()
        self.simulate_button.setEnabled(policy is not None)
        ready = (
            policy is not None
            and self.simulation is not None
            and self.simulation.policy.name == policy.name
        )
        if self.enable_for(self.run_button, Permission.INVENTORY_MANAGE) and not ready:
            self.run_button.setEnabled(False)
            self.run_button.setToolTip("Simulate the policy first: see what it will change.")

    def simulate(self) -> None:
        policy = self.selected_policy()
        if policy is None:
            return
        ctx, who = self.ctx, self.principal()
        self.run(
            lambda _c: RetentionService(ctx, who).simulate(policy.name),
            self._simulated,
            "simulating the policy",
        )

    def _simulated(self, sim: Simulation) -> None:
        self.simulation = sim
        self.sim_summary.setText(
            f"{sim.policy.describe()}: {sim.count:,} records would change, {sim.held:,} kept by "
            "legal holds. Nothing has changed yet."
        )
        self.months.show_months(sim.months, f"{sim.policy.name}: records by month of last activity")
        self.samples.clear()
        for x in sim.samples:
            self.samples.addItem(", ".join(f"{k}: {v}" for k, v in x.items()))
        self._selected()

    def run_policy(self) -> None:
        sim = self.simulation
        if sim is None:
            return
        ctx, name = self.ctx, sim.policy.name

        def action(p: Principal) -> Any:
            def job(control: JobControl) -> RunInfo:
                service = RetentionService(ctx, p)
                return service.run(service.start(name).id, control)

            return job

        self.run_guarded(action, self._ran, "running the retention policy")

    def _ran(self, info: RunInfo) -> None:
        self.last_run = info
        self.simulation = None
        data = info.to_json()
        self.sim_summary.setText(
            f"Run #{info.id} of {info.policy} finished: {info.total:,} records "
            f"({data['deleted']:,} deleted), {info.held:,} held. Certificate: {info.certificate}"
        )
        self.months.show_months({}, "")
        self.samples.clear()
        self._selected()
