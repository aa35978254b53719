"""Small view behaviours that the type-checking pass of views/ touched."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from app.security.permissions import ROLE_TITLES
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx
from views.audit.pane import AuditPane
from views.operators.dialogs import RolesDialog
from views.start.recent import KEY, RecentWorkspaces
from views.tasks import SyncTaskRunner


def test_recent_workspaces_tolerate_odd_settings_values(recent: RecentWorkspaces) -> None:
    settings = recent._settings
    settings.setValue(KEY, "")
    assert recent.paths() == []
    settings.setValue(KEY, "/tmp/one")
    assert recent.paths() == [Path("/tmp/one")]
    settings.setValue(KEY, 42)
    assert recent.paths() == []


def test_roles_dialog_ticks_the_current_roles(qtbot: QtBot) -> None:
    first = next(iter(ROLE_TITLES)).value
    dialog = RolesDialog("grace", [first])
    qtbot.addWidget(dialog)
    assert {role for role, box in dialog.roles.items() if box.isChecked()} == {first}


def test_audit_date_filter_is_a_date(qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    pane = AuditPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(pane)
    assert pane.current_filter().since is None
    pane.since_box.setChecked(True)
    pane.since.setDate(QDate(2024, 2, 29))
    assert pane.current_filter().since == date(2024, 2, 29)
