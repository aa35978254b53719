"""Item table of a campaign: a row model over ItemRow records and a filtering proxy.

Sized for thousands of agents: the columns' text is computed on demand from the frozen
rows, filtering compares precomputed fields, and one decided item is updated in place
(`dataChanged` for its row) instead of reloading the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from views.common.table_model import Column, RowTableModel

if TYPE_CHECKING:
    from app.review.records import CampaignSummary, ItemRow, WhoCan

OPEN = "open"
DECISION_COLOURS = {
    "keep": "#e9f6ec",
    "revoke": "#fdecea",
    "modify": "#fff4dc",
    "carry_over": "#eeeeee",
}
SEVERITY_WEIGHT = {"high": 100, "medium": 10, "low": 2, "info": 1}
MFA_TEXT = {"2fa": "2FA", "idp": "IdP", "password_no_2fa": "none", "unknown": "?"}


def _findings(r: ItemRow) -> str:
    return "; ".join(r.finding_labels) or "—"


def _risk(r: ItemRow) -> int:
    """Sort key: most serious first (ascending order); a plain int so Qt can compare it."""
    return -sum(SEVERITY_WEIGHT.get(f.severity, 1) for f in r.findings)


def _decision(r: ItemRow) -> str:
    if r.decision is None:
        return OPEN
    text = r.decision.replace("_", " ")
    if r.target_role:
        text += f" → {r.target_role}"
    if r.verification:
        text += f" ({r.verification.replace('_', ' ')})"
    return text


def item_columns() -> list[Column[ItemRow]]:
    # Decision second: it must stay visible at 1366×768 beside the detail panel.
    return [
        Column("Agent", lambda r: r.name or "—", lambda r: (r.name or "").lower()),
        Column("Decision", _decision, tooltip=lambda r: r.justification or ""),
        Column(
            "Findings",
            _findings,
            _risk,
            tooltip=lambda r: "\n".join(f"{f.label}: {f.reason}" for f in r.findings),
            alert=lambda r: any(f.severity == "high" for f in r.findings),
        ),
        Column("Role", lambda r: r.role_name),
        Column(
            "MFA",
            lambda r: MFA_TEXT.get(r.mfa, r.mfa),
            tooltip=lambda r: r.mfa_text,
            alert=lambda r: r.mfa == "password_no_2fa",
        ),
        Column("Reviewer", lambda r: r.reviewer or "(unassigned)"),
        Column("Groups", lambda r: ", ".join(r.groups), tooltip=lambda r: ", ".join(r.groups)),
        Column("E-mail", lambda r: r.email or "—"),
    ]


DECISION_COLUMN = 1


class ItemTableModel(RowTableModel["ItemRow"]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(item_columns(), parent)
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: Any) -> None:
        super().set_rows(rows)
        self._row_of = {r.id: i for i, r in enumerate(self.rows())}

    def row(self, item_id: int) -> ItemRow | None:
        i = self._row_of.get(item_id)
        return None if i is None else self._rows[i]

    def update_row(self, row: ItemRow) -> None:
        """Replace one item (after a decision) without resetting the table."""
        i = self._row_of.get(row.id)
        if i is None or self._rows[i] == row:
            return  # unchanged: no signal (selection changes reload the same row)
        self._rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.BackgroundRole
            and index.isValid()
            and index.column() == DECISION_COLUMN
        ):
            decision = self._rows[index.row()].decision
            colour = DECISION_COLOURS.get(decision or "")
            return QBrush(QColor(colour)) if colour else None
        return super().data(index, role)


class ItemFilter(QSortFilterProxyModel):
    """Filters: finding type, decision state (open/decided/a decision), reviewer, role, text."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.finding: str | None = None
        self.decision: str | None = None  # open | decided | keep | revoke | modify | carry_over
        self.reviewer: str | None = None
        self.role: str | None = None
        self.text = ""

    def set_filters(self, **values: Any) -> None:
        self.beginFilterChange()
        for key, value in values.items():
            setattr(self, key, value)
        self.endFilterChange()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ItemTableModel)
        r = model.row_at(source_row)
        if self.finding and self.finding not in r.finding_types:
            return False
        if self.decision == OPEN and r.decision is not None:
            return False
        if self.decision == "decided" and r.decision is None:
            return False
        if self.decision not in (None, OPEN, "decided") and r.decision != self.decision:
            return False
        if self.reviewer and (r.reviewer or "(unassigned)") != self.reviewer:
            return False
        if self.role and r.role_name != self.role:
            return False
        if self.text:
            hay = f"{r.name or ''} {r.email or ''} {r.agent_id or ''}".lower()
            if self.text.lower() not in hay:
                return False
        return True

    def visible_rows(self) -> list[ItemRow]:
        model = self.sourceModel()
        assert isinstance(model, ItemTableModel)
        return [
            model.row_at(self.mapToSource(self.index(i, 0)).row()) for i in range(self.rowCount())
        ]


def campaign_columns() -> list[Column[CampaignSummary]]:
    def state(c: CampaignSummary) -> str:
        if c.signed_off:
            return "signed off"
        return "overdue" if c.overdue else "open"

    return [
        Column("Campaign", lambda c: c.name, lambda c: c.id),
        Column(
            "Decided", lambda c: f"{c.decided}/{c.total}", lambda c: c.decided / max(c.total, 1)
        ),
        Column("Due", lambda c: c.due_date or "—"),
        Column("State", state, alert=lambda c: c.overdue),
    ]


def who_columns() -> list[Column[WhoCan]]:
    return [
        Column("Agent", lambda w: w.name or "—"),
        Column("E-mail", lambda w: w.email or "—"),
        Column("Role", lambda w: w.role_name),
        Column("Granted by", lambda w: "; ".join(w.via), tooltip=lambda w: "\n".join(w.via)),
    ]
