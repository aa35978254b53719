"""Table models of the DSAR pane: the queue (coloured by time left), items, timeline."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from app.dsar.locate import SOURCE_TITLES, LocatedItem
from app.dsar.records import RequestSummary, TimelineEvent
from app.dsar.vocabulary import STATUS_TITLES
from views.common.table_model import ROW_ROLE, Column, RowTableModel

STATE_COLOURS = {
    "overdue": "#f6d5d2",
    "due-today": "#f9e0c0",
    "due-soon": "#fbf0c4",
    "on-track": "",
    "closed": "",
}
STATE_TITLES = {
    "overdue": "Overdue",
    "due-today": "Due today",
    "due-soon": "Due soon",
    "on-track": "On track",
    "closed": "Closed",
}


def _days(r: RequestSummary) -> str:
    d = r.deadline
    if d.state == "closed":
        return "closed"
    if d.days_left < 0:
        return f"{-d.days_left} d late"
    return "today" if d.days_left == 0 else f"{d.days_left} d"


def queue_columns() -> list[Column[RequestSummary]]:
    return [
        Column("Reference", lambda r: r.reference),
        Column("Requester", lambda r: r.requester_name),
        Column("Type", lambda r: r.request_type),
        Column("Regime", lambda r: r.regime),
        Column("Status", lambda r: STATUS_TITLES[r.status] + (" (ext.)" if r.extended else "")),
        Column("Received", lambda r: r.received_date.isoformat()),
        Column(
            "Legal due",
            lambda r: r.deadline.due.isoformat(),
            lambda r: f"{int(r.deadline.state == 'closed')}{r.deadline.due.isoformat()}",
            tooltip=lambda r: (
                "Reminders: " + ", ".join(d.isoformat() for d in r.deadline.reminders)
            ),
        ),
        Column(
            "Time left",
            _days,
            lambda r: r.deadline.days_left + (100_000 if r.deadline.state == "closed" else 0),
            tooltip=lambda r: STATE_TITLES[r.deadline.state],
            alert=lambda r: r.deadline.state == "overdue",
            align_right=True,
        ),
        Column("28-day target", lambda r: r.deadline.internal_target.isoformat()),
    ]


class QueueModel(RowTableModel[RequestSummary]):
    """Rows tinted by time left: red overdue, orange due today, yellow within 7 days."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and index.isValid():
            colour = STATE_COLOURS[self.row_at(index.row()).deadline.state]
            return QBrush(QColor(colour)) if colour else None
        return super().data(index, role)


class QueueFilter(QSortFilterProxyModel):
    """Filters by status, regime and type (None: any)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.regime: str | None = None
        self.request_type: str | None = None

    def set_filters(self, status: str | None, regime: str | None, kind: str | None) -> None:
        self.beginFilterChange()
        self.status, self.regime, self.request_type = status, regime, kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        r = model.data(model.index(row, 0, parent), ROW_ROLE)
        if r is None:
            return False
        if self.status == "open":
            if r.deadline.state == "closed":
                return False
        elif self.status and r.status != self.status:
            return False
        if self.regime and r.regime != self.regime:
            return False
        return not (self.request_type and r.request_type != self.request_type)


def item_columns() -> list[Column[LocatedItem]]:
    return [
        Column("Include", lambda i: "✓" if i.included else "—", lambda i: int(i.included)),
        Column(
            "Source",
            lambda i: SOURCE_TITLES[i.source],
            lambda i: f"{list(SOURCE_TITLES).index(i.source)}{i.kind}{i.ref:020d}",
        ),
        Column("Kind", lambda i: i.kind),
        Column("Id", lambda i: str(i.ref), lambda i: i.ref, align_right=True),
        Column("What", lambda i: i.label, tooltip=lambda i: i.label),
        Column(
            "Why it matched", lambda i: "; ".join(i.reasons), tooltip=lambda i: "\n".join(i.reasons)
        ),
    ]


def timeline_columns() -> list[Column[TimelineEvent]]:
    return [
        Column("When (UTC)", lambda e: e.at[:16].replace("T", " "), lambda e: e.at),
        Column("Operator", lambda e: e.actor),
        Column("Event", lambda e: e.kind),
        Column("What happened", lambda e: e.summary, tooltip=lambda e: e.body or e.summary),
    ]
