"""Response team roster: team roles → people, deputies, contacts (incl. out-of-band)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QWidget

from app.drills.playbooks import TEAM_ROLES
from app.security.permissions import Permission
from views.common.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel
from views.common.widgets import hbox, table_view, vbox, wrapped
from views.drills.tab import DrillsTab

if TYPE_CHECKING:
    from app.context import AppContext
    from app.drills.library import RosterService
    from app.drills.records import RosterInfo


def roster_columns() -> list[Column[RosterInfo]]:
    order = list(TEAM_ROLES)
    return [
        Column(
            "Team role",
            lambda r: TEAM_ROLES.get(r.team_role, r.team_role),
            lambda r: (order.index(r.team_role) if r.team_role in order else 99, r.deputy),
        ),
        Column("Name", lambda r: r.name),
        Column("", lambda r: "deputy" if r.deputy else "primary"),
        Column("Email", lambda r: r.email),
        Column("Phone", lambda r: r.phone),
        Column("Out of band (email/chat down)", lambda r: r.out_of_band),
    ]


class TeamView(DrillsTab):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model: RowTableModel[RosterInfo] = RowTableModel(roster_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view(self.proxy, sort_column=0)
        self.table.setAccessibleName("Response team")
        self.empty = wrapped("No one on the roster yet: add the incident lead, DPO, legal, …")
        self.role = QComboBox()
        for key, title in TEAM_ROLES.items():
            self.role.addItem(title, key)
        self.name = QLineEdit()
        self.name.setPlaceholderText("Name")
        self.deputy = QCheckBox("deputy")
        self.email = QLineEdit()
        self.email.setPlaceholderText("Email")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("Phone")
        self.oob = QLineEdit()
        self.oob.setPlaceholderText("Out-of-band contact (bridge, home phone, Signal)")
        self.add_button = QPushButton("Add to roster")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.clicked.connect(self.remove)
        self.enable_for((self.add_button, self.remove_button), Permission.DRILLS_RUN)
        self.setLayout(
            vbox(
                self.empty,
                self.table,
                hbox(self.role, self.name, self.deputy, self.email, self.phone),
                hbox(self.oob, self.add_button, self.remove_button),
            )
        )

    def _service(self) -> RosterService:
        from app.drills.library import RosterService

        return RosterService(self.ctx, self.principal())

    def refresh(self) -> None:
        service = self._service()
        self.run(lambda c: service.list_members(), self._loaded, "reading the roster")

    def _loaded(self, rows: list[RosterInfo]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)

    def add(self) -> None:
        service = self._service()
        role, name, deputy = self.role.currentData(), self.name.text(), self.deputy.isChecked()
        email, phone, oob = self.email.text(), self.phone.text(), self.oob.text()

        def done(_: int) -> None:
            for edit in (self.name, self.email, self.phone, self.oob):
                edit.clear()
            self.deputy.setChecked(False)
            self.refresh()

        self.run(
            lambda c: service.save(
                role, name, deputy=deputy, email=email, phone=phone, out_of_band=oob
            ),
            done,
            "adding to the roster",
        )

    def remove(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        member: RosterInfo = self.proxy.index(index.row(), 0).data(ROW_ROLE)
        service = self._service()
        self.run(lambda c: service.remove(member.id), lambda _: self.refresh(), "removing")
