"""Operators pane (administrators): who may sign in, with which roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.jobs import JobControl
from app.security.guard import AllowedActions
from app.security.permissions import Permission
from views.common.pane import Pane
from views.common.table_model import ROW_ROLE, SORT_ROLE, Column, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox, wrapped
from views.operators.dialogs import AddOperatorDialog, EnrolmentCodeDialog, RolesDialog

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal
    from app.security.operators import NewOperator, OperatorService, OperatorView

STATUS_TEXT = {"active": "Active", "pending": "Enrolment pending", "disabled": "Disabled"}


def _when(ts: str | None) -> str:
    return ts[:16].replace("T", " ") if ts else "never"


def _locked_text(o: OperatorView) -> str:
    if o.locked:
        return "locked"
    return f"{o.failed_logins} failures" if o.failed_logins else ""


def _roles_tooltip(o: OperatorView) -> str:
    if not o.conflicts:
        return ""
    return "Separation of duties: " + "; ".join(f"{o.username} {why}" for why in o.conflicts)


def duty_warning_text(rows: list[OperatorView]) -> str:
    """The warning shown under the table for operators whose roles conflict ("" if none)."""
    flagged = [o for o in rows if o.conflicts and o.status != "disabled"]
    if not flagged:
        return ""
    names = ", ".join(o.username for o in flagged)
    return (
        f"⚠ Separation of duties: {names} "
        + ("holds" if len(flagged) == 1 else "hold")
        + " both administrator and auditor. The person who manages operators, keys and "
        "settings should not also review and export their audit trail; give the auditor "
        "role to someone else."
    )


def operator_columns() -> list[Column[OperatorView]]:
    return [
        Column("Username", lambda o: o.username),
        Column("Name", lambda o: o.display_name, tooltip=lambda o: o.email or ""),
        Column(
            "Roles",
            lambda o: ", ".join(o.roles) + ("  ⚠" if o.conflicts else ""),
            tooltip=_roles_tooltip,
            alert=lambda o: bool(o.conflicts),
        ),
        Column(
            "Status",
            lambda o: STATUS_TEXT.get(o.status, o.status),
            alert=lambda o: o.status == "disabled",
        ),
        Column("Last sign-in", lambda o: _when(o.last_login_at), lambda o: o.last_login_at or ""),
        Column(
            "Locked",
            _locked_text,
            lambda o: (o.locked, o.failed_logins),
            alert=lambda o: o.locked,
        ),
    ]


class OperatorsPane(Pane):
    NAME = "operators"
    TITLE = "Operators"
    ICON = "system-users"
    ORDER = 80
    PERMISSION = Permission.OPERATORS_MANAGE

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model: RowTableModel[OperatorView] = RowTableModel(operator_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = table_view(self.proxy)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the name
        self.allowed: AllowedActions | None = None  # for the selected operator, from the service
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # "Loading…" until the list arrives, "Could not load" if it fails (never a blank table).
        self.body = LoadView(self.table, "No operators yet.")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter operators")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("add", "Add…", self.add),
            ("roles", "Roles…", self.edit_roles),
            ("disable", "Disable", lambda: self._act("disable", "disabling")),
            ("enable", "Enable", lambda: self._act("enable", "enabling")),
            ("reset_mfa", "Reset MFA", self.reset_mfa),
            ("unlock", "Unlock", lambda: self._act("unlock", "unlocking")),
            ("refresh", "Refresh", self.refresh),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons[key] = button
        # Under the table, so it never moves the buttons when it appears.
        self.duty_warning = wrapped()
        self.duty_warning.setObjectName("dutyWarning")
        self.duty_warning.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.duty_warning.hide()
        actions = ("add", "roles", "disable", "enable", "reset_mfa", "unlock")
        row = hbox(*(self.buttons[k] for k in actions), None, self.filter, self.buttons["refresh"])
        self.setLayout(
            vbox(
                hbox(heading("Operators"), self.banner),  # the message area moves nothing
                row,
                self.body,
                self.duty_warning,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )
        self._update_buttons()

    # ------------------------------------------------------------ data

    def _service(self, principal: Principal) -> OperatorService:
        from app.security.operators import OperatorService

        return OperatorService(self.ctx, principal)

    def refresh(self) -> None:
        principal = self.principal()
        self.load(
            lambda control: self._service(principal).list(),
            self._loaded,
            "listing operators",
            is_empty=lambda rows: not rows,
        )

    def _loaded(self, rows: list[OperatorView]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.username)
        warning = duty_warning_text(rows)
        self.duty_warning.setText(warning)
        self.duty_warning.setToolTip(
            "Separation of duties: an auditor checks what administrators did. One person "
            "holding both roles could change security settings and then review (or export) "
            "the record of it themself."
            if warning
            else ""
        )
        self.duty_warning.setVisible(bool(warning))
        self._update_buttons()

    def selected(self) -> OperatorView | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def select(self, username: str) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data() == username:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        op = self.selected()
        self.allowed = None
        self._update_buttons()
        if op is None:
            return
        principal, username = self.principal(), op.username

        def done(allowed: AllowedActions) -> None:
            if (current := self.selected()) is not None and current.username == username:
                self.allowed = allowed
                self._update_buttons()

        self.run(
            lambda control: self._service(principal).allowed_actions(username),
            done,
            "checking what is possible",
        )

    def _update_buttons(self) -> None:
        """Enabled when the service says so for the selected operator; else why not."""
        op, allowed = self.selected(), self.allowed
        self.buttons["add"].setEnabled(True)
        for key in ("roles", "disable", "enable", "reset_mfa", "unlock"):
            if op is None or allowed is None:
                ok, why = False, "Select an operator first"
            else:
                ok, why = key in allowed, allowed.why_not(key)
            self.buttons[key].setEnabled(ok)
            self.buttons[key].setToolTip("" if ok else why)

    # ------------------------------------------------------------ actions

    def _guarded(
        self, call: Callable[[OperatorService], Any], doing: str, then: Callable[[Any], None]
    ) -> None:
        def action(principal: Principal) -> Callable[[JobControl], Any]:
            return lambda control: call(self._service(principal))

        def done(result: Any) -> None:
            then(result)
            self.refresh()

        self.banner.clear()
        self.run_guarded(action, done, doing)

    def _act(self, verb: str, doing: str) -> None:
        op = self.selected()
        if op is None:
            return
        username = op.username
        self._guarded(
            lambda svc: getattr(svc, verb)(username),
            f"{doing} {username}",
            lambda _: self.banner.show_message(f"{username}: done ({verb}).", "ok"),
        )

    def add(self) -> None:
        dialog = AddOperatorDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._add(*dialog.values()))
        dialog.open()

    def _add(self, username: str, name: str, roles: list[str], email: str | None) -> None:
        self._guarded(
            lambda svc: svc.add(username, name, roles, email=email),
            "adding an operator",
            self._show_code,
        )

    def reset_mfa(self) -> None:
        op = self.selected()
        if op is None:
            return
        username = op.username
        self._guarded(
            lambda svc: svc.reset_mfa(username), f"resetting MFA of {username}", self._show_code
        )

    def _show_code(self, new: NewOperator) -> None:
        dialog = EnrolmentCodeDialog(new.username, new.enrolment_code, new.expires_at, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def edit_roles(self) -> None:
        op = self.selected()
        if op is None:
            return
        dialog = RolesDialog(op.username, op.roles, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._set_roles(op.username, dialog.values()))
        dialog.open()

    def _set_roles(self, username: str, roles: list[str]) -> None:
        self._guarded(
            lambda svc: svc.set_roles(username, roles),
            f"changing the roles of {username}",
            lambda after: self.banner.show_message(
                f"{username} now has: {', '.join(after)}.", "ok"
            ),
        )
