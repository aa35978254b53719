"""The data inventory for the privacy officer (manages) and the auditor (reads).

`inventory()` installs the built-in starting inventory for a Zendesk help desk
(resources/inventory/zendesk.toml) the first time it finds the inventory empty, so the
pane is never blank; `save` adds or replaces one system, category or activity by key.
`export_text` gives the record of processing (ICO template columns) as CSV, JSON or HTML
(the PDF is the HTML through the Qt renderer). `scan` runs the redaction engine over the
stored help-desk data (a background job: progress and cancel) and stores the counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.inventory import ropa
from app.inventory import scan as scanning
from app.inventory.records import (
    ActivityRow,
    CategoryRow,
    Inventory,
    InventoryError,
    Row,
    SystemRow,
    activity_row,
    builtin_inventory,
    category_row,
    check,
    columns_of,
    dangling,
    kind_of,
    system_row,
)
from app.jobs import Cancelled, JobControl
from app.redaction import store as rules_store
from app.security.guard import Service
from app.security.permissions import Permission
from models.inventory import InventoryActivity, InventoryCategory, InventoryScan, InventorySystem

BUILTIN_BY = "built-in"  # `updated_by` of the starting inventory's rows
TABLES: dict[str, Any] = {
    "system": InventorySystem,
    "category": InventoryCategory,
    "activity": InventoryActivity,
}


@dataclass(frozen=True)
class ScanResult:
    id: int
    status: str
    started_at: str
    finished_at: str | None
    started_by: str
    records: int
    fields: tuple[dict[str, Any], ...]
    findings: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "scan": self.id,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "started_by": self.started_by,
            "records": self.records,
            "fields": list(self.fields),
            "findings": list(self.findings),
        }

    def count(self, field_name: str, entity_type: str) -> int:
        for f in self.fields:
            if f["field"] == field_name:
                return int(f["types"].get(entity_type, 0))
        return 0


def _scan_result(row: InventoryScan) -> ScanResult:
    data = json.loads(row.result_json or "{}")
    return ScanResult(
        row.id,
        row.status,
        row.started_at,
        row.finished_at,
        row.started_by,
        row.records,
        tuple(data.get("fields", [])),
        tuple(data.get("findings", [])),
    )


def load(s: Session) -> Inventory:
    inv = Inventory(
        tuple(
            system_row(r) for r in s.scalars(select(InventorySystem).order_by(InventorySystem.key))
        ),
        tuple(
            category_row(r)
            for r in s.scalars(select(InventoryCategory).order_by(InventoryCategory.key))
        ),
        tuple(
            activity_row(r)
            for r in s.scalars(select(InventoryActivity).order_by(InventoryActivity.key))
        ),
    )
    return Inventory(inv.systems, inv.categories, inv.activities, dangling(inv))


class InventoryService(Service):
    """Systems, data categories and processing activities; the ROPA; discovery scans."""

    def inventory(self) -> Inventory:
        """Everything recorded (the built-in starting inventory on first use)."""
        with self.authorized(Permission.INVENTORY_VIEW, action="inventory.view") as (s, _a):
            self._install(s)
            inv = load(s)
            self.audit(s, "inventory.view", details={"activities": len(inv.activities)})
            return inv

    def _install(self, s: Session) -> None:
        """The built-in starting inventory, when nothing at all is recorded yet."""
        if any(s.scalar(select(t.id).limit(1)) for t in TABLES.values()):
            return
        seed = builtin_inventory()
        rows: list[Row] = [*seed.systems, *seed.categories, *seed.activities]
        for row in rows:
            self._write(s, row, BUILTIN_BY)
        self.audit(
            s,
            "inventory.install",
            details={
                "systems": len(seed.systems),
                "categories": len(seed.categories),
                "activities": len(seed.activities),
            },
        )

    def save(self, row: Row) -> Row:
        """Add a system, category or activity, or replace the one with the same key."""
        check(row)
        with self.authorized(Permission.INVENTORY_MANAGE, action="inventory.save") as (s, actor):
            self._install(s)
            created = self._write(s, row, actor.username)
            self.audit(
                s,
                "inventory.save",
                object_type=kind_of(row),
                object_id=row.key,
                details={"created": created},
            )
            return row

    def _write(self, s: Session, row: Row, who: str) -> bool:
        table = TABLES[kind_of(row)]
        existing = s.scalar(select(table).where(table.key == row.key))
        values = {**columns_of(row), "updated_at": utc_iso(self.ctx.clock.now()), "updated_by": who}
        if existing is None:
            s.add(table(**values))
            s.flush()
            return True
        for k, v in values.items():
            setattr(existing, k, v)
        return False

    def export_text(self, fmt: str, *, controller: str = "") -> str:
        """The record of processing as CSV, JSON or HTML (ICO template columns)."""
        if fmt not in ("csv", "json", "html"):
            raise InventoryError(f"unknown export format {fmt!r} (csv, json, html)")
        with self.authorized(Permission.INVENTORY_VIEW, action="inventory.export") as (s, _a):
            self._install(s)
            inv = load(s)
            now = utc_iso(self.ctx.clock.now())
            name = controller or "the controller (set with --controller)"
            if fmt == "csv":
                text = ropa.to_csv(inv)
            elif fmt == "json":
                text = ropa.to_json(inv, generated_at=now, controller=name)
            else:
                text = ropa.to_html(inv, generated_at=now, controller=name)
            self.audit(
                s, "inventory.export", details={"format": fmt, "activities": len(inv.activities)}
            )
            return text

    # ------------------------------------------------------------ discovery

    def scan(self, control: JobControl | None = None) -> ScanResult:
        """Scan the stored help-desk data with the workspace's rules; stored, audited."""
        control = control or JobControl()
        with self.authorized(Permission.INVENTORY_MANAGE, action="inventory.scan") as (s, actor):
            infos = rules_store.load_rule_infos(s)
            engine = rules_store.build_engine(
                s, [i.rule for i in infos], utc_iso(self.ctx.clock.now())
            )
            self._install(s)
            started = utc_iso(self.ctx.clock.now())
            tally = scanning.scan(s, engine, control)  # Cancelled rolls it all back
            result = tally.to_json()
            result["findings"] = scanning.findings(result, load(s).categories)
            row = InventoryScan(
                status="done",
                started_at=started,
                finished_at=utc_iso(self.ctx.clock.now()),
                started_by=actor.username,
                records=sum(tally.records.values()),
                result_json=json.dumps(result, sort_keys=True),
            )
            s.add(row)
            s.flush()
            self.audit(
                s,
                "inventory.scan",
                object_type="inventory_scan",
                object_id=str(row.id),
                details={"records": row.records, "findings": len(result["findings"])},
            )
            return _scan_result(row)

    def last_scan(self) -> ScanResult | None:
        """The latest stored scan (counts only), or None before the first."""
        with self.authorized(Permission.INVENTORY_VIEW, action="inventory.scan.view") as (s, _a):
            row = s.scalar(select(InventoryScan).order_by(InventoryScan.id.desc()).limit(1))
            self.audit(s, "inventory.scan.view", details={"scan": row.id if row else None})
            return None if row is None else _scan_result(row)


__all__ = [
    "ActivityRow",
    "Cancelled",
    "CategoryRow",
    "InventoryService",
    "ScanResult",
    "SystemRow",
]
