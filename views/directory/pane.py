"""Directory pane: the people of the latest help-desk snapshot, searched and filtered.

Search and the role filter both run ``HelpdeskService.directory`` in a job, so the service's
row limit and masking apply to what is shown; the proxy model only sorts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from app.jobs import JobControl
from app.security.permissions import Permission
from views.common.pane import Pane
from views.common.table_model import SORT_ROLE, Column, RowTableModel
from views.common.widgets import MARGIN, LoadView, hbox, heading, table_view, vbox, wrapped

if TYPE_CHECKING:
    from app.context import AppContext
    from app.helpdesk import HelpdeskService, HelpdeskStatus, PersonRow
    from app.zendesk.connection import ConnectionService, ConnectionStatus

SEARCH_DELAY_MS = 300
ROW_LIMIT = 500

ROLE_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("All people", None),
    ("Agents and admins", "staff"),
    ("Admins", "admin"),
    ("End users", "end-user"),
)
ROLE_TITLES = {"admin": "Admin", "agent": "Agent", "end-user": "End user"}

EMPTY_IMPORTER = "No help-desk data yet — use Workspace → Import help-desk data…"
EMPTY_VIEWER = (
    "No help-desk data yet. A privacy officer or an administrator can import it with "
    "Workspace → Import help-desk data…"
)


def _flag(value: bool | None, yes: str = "yes", no: str = "no") -> str:
    return "—" if value is None else (yes if value else no)


def _when(ts: str | None) -> str:
    return ts[:16].replace("T", " ") if ts else "never"


def directory_columns() -> list[Column[PersonRow]]:
    return [
        Column("Name", lambda r: r.name or "—", lambda r: (r.name or "").lower()),
        Column("Email", lambda r: r.email or "—"),
        Column("Role", lambda r: ROLE_TITLES.get(r.role, r.role)),
        Column("Custom role", lambda r: r.custom_role or ""),
        Column("2FA", lambda r: _flag(r.two_factor_auth_enabled, "on", "off")),
        Column("Suspended", lambda r: "suspended" if r.suspended else ""),
        Column(
            "Last login (UTC)", lambda r: _when(r.last_login_at), lambda r: r.last_login_at or ""
        ),
    ]


def status_text(status: HelpdeskStatus) -> str:
    """The counts line: what the latest snapshot holds, and when it was taken."""
    c = status.counts
    snap = status.last_snapshot
    if snap is None:
        return ""

    def n(key: str, one: str, many: str) -> str:
        value = c.get(key, 0)
        return f"{value} {one if value == 1 else many}"

    parts = [
        f"{n('people', 'person', 'people')} ({c.get('agents', 0)} agents and admins)",
        n("custom_roles", "custom role", "custom roles"),
        n("groups", "group", "groups"),
        n("tickets", "ticket", "tickets"),
        n("comments", "comment", "comments"),
    ]
    if c.get("roster"):
        parts.append(n("roster", "roster entry", "roster entries"))
    taken = snap.created_at[:16].replace("T", " ")
    return " · ".join(parts) + f" — snapshot #{snap.id} ({snap.source}, {taken} UTC)"


def sync_text(status: ConnectionStatus) -> str:
    """'Zendesk (acme): users synced 2026-12-03 09:00 UTC (5) · …', or '' if never synced."""
    synced = [k for k in status.kinds if k.last_sync_at or k.running]
    if not synced and not status.connected:
        return ""
    parts = [
        f"{k.kind.replace('_', ' ')} {_when(k.last_sync_at)}"
        + (f" ({k.last_objects})" if k.last_sync_at else "")
        + (" — under way, Sync now resumes it" if k.running else "")
        for k in synced
    ]
    head = f"Zendesk ({status.subdomain})" if status.connected else "Zendesk (disconnected)"
    return f"{head} last sync, UTC: " + (" · ".join(parts) if parts else "never")


class DirectoryPane(Pane):
    NAME = "directory"
    TITLE = "Directory"
    ICON = "x-office-address-book"
    # After the audit log (an administrator still lands there), before operator admin; a
    # privacy officer, who has no audit view, lands here.
    ORDER = 75
    PERMISSION = Permission.HELPDESK_VIEW

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model: RowTableModel[PersonRow] = RowTableModel(directory_columns(), self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = table_view(self.proxy, sort_column=0)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, email or external id")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(280)
        self.role = QComboBox()
        for title, value in ROLE_FILTERS:
            self.role.addItem(title, value)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_query)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.run_query)
        self.role.currentIndexChanged.connect(self.run_query)

        self.summary = wrapped()
        self.synced = wrapped()  # the last Zendesk sync of each type
        self.synced.hide()
        self.count = QLabel()
        # "Loading…" until the first answer; the empty text only once the store said so.
        self.body = LoadView(
            self.table, EMPTY_IMPORTER if self.can(Permission.HELPDESK_IMPORT) else EMPTY_VIEWER
        )
        self.empty = self.body.empty_label
        self._seq = 0  # answers to an older query are dropped
        self.filters = QWidget()
        self.filters.setLayout(hbox(QLabel("Search"), self.search, QLabel("Show"), self.role, None))
        self.filters.hide()  # shown with the first snapshot: nothing to search before

        self.setLayout(
            vbox(
                hbox(heading("Directory"), self.banner),
                self.summary,
                self.synced,
                self.filters,
                self.body,
                self.count,
                margin=MARGIN,
                spacing=MARGIN,
            )
        )

    # ------------------------------------------------------------ state

    def current_query(self) -> tuple[str | None, str | None]:
        """(search text or None, role filter for the service or None)."""
        text = self.search.text().strip()
        return (text or None), self.role.currentData()

    @property
    def has_data(self) -> bool:
        return self.body is not None and self.body.state == "content"

    def _zendesk(self) -> ConnectionService:
        from app.zendesk.connection import ConnectionService

        return ConnectionService(self.ctx, self.principal())

    def _service(self) -> HelpdeskService:
        from app.helpdesk import HelpdeskService

        return HelpdeskService(self.ctx, self.principal())

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Status and rows together: after an import both change."""
        service, (query, role) = self._service(), self.current_query()
        self._debounce.stop()
        self._seq += 1
        seq = self._seq

        syncs = self._zendesk()

        def job(control: JobControl) -> tuple[int, HelpdeskStatus, list[PersonRow], str]:
            status = service.status()
            synced = sync_text(syncs.status())
            if status.last_snapshot is None:
                return seq, status, [], synced
            return seq, status, service.directory(query, role, ROW_LIMIT), synced

        self.banner.clear()
        self.load(
            job,
            self._loaded,
            "reading the directory",
            is_empty=lambda result: result[1].last_snapshot is None,
        )

    def run_query(self) -> None:
        if not self.has_data:
            return  # nothing to search; refresh() notices a first import
        service, (query, role) = self._service(), self.current_query()
        self._debounce.stop()
        self._seq += 1
        seq = self._seq

        def job(control: JobControl) -> tuple[int, list[PersonRow]]:
            return seq, service.directory(query, role, ROW_LIMIT)

        self.banner.clear()
        self.run(job, self._queried, "searching")

    def _loaded(self, result: tuple[int, HelpdeskStatus, list[PersonRow], str]) -> None:
        seq, status, rows, synced = result
        if seq != self._seq:
            return
        has_data = status.last_snapshot is not None
        self.summary.setText(status_text(status))
        self.summary.setVisible(has_data)
        self.synced.setText(synced)
        self.synced.setVisible(bool(synced))
        self.filters.setVisible(has_data)
        self.model.set_rows(rows if has_data else [])
        self._show_count(rows, has_data)

    def _queried(self, result: tuple[int, list[PersonRow]]) -> None:
        seq, rows = result
        if seq == self._seq:
            self._show_rows(rows)

    def _show_rows(self, rows: list[PersonRow]) -> None:
        self.model.set_rows(rows)
        self._show_count(rows, self.has_data)

    def _show_count(self, rows: list[PersonRow], has_data: bool) -> None:
        if not has_data:
            self.count.setText("")
        elif not rows:
            self.count.setText("Nobody matches the search and filter.")
        elif len(rows) >= ROW_LIMIT:
            self.count.setText(f"First {len(rows)} people shown — narrow the search to see more.")
        else:
            self.count.setText(f"{len(rows)} {'person' if len(rows) == 1 else 'people'} shown")
