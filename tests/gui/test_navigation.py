"""The pane list: it names every pane, in navigation order, and each opens for its roles."""

from __future__ import annotations

import importlib
from importlib.resources import files

import pytest
from pytestqt.qtbot import QtBot

from app.security.auth import SessionLocked
from app.security.guard import PermissionDenied
from app.security.permissions import Permission, Role
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx
from views.audit.pane import AuditPane
from views.common.pane import Pane
from views.navigation import PANES, all_panes, panes_for
from views.tasks import SyncTaskRunner


def pane_classes_on_disk() -> set[type[Pane]]:
    """Every Pane subclass defined in a views/<feature>/pane.py, found by looking."""
    found = set()
    for folder in files("views").iterdir():
        if not folder.is_dir() or not folder.joinpath("pane.py").is_file():
            continue
        module = importlib.import_module(f"views.{folder.name}.pane")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Pane)
                and value.__module__ == module.__name__
                and value.NAME
            ):
                found.add(value)
    return found


def test_the_pane_list_holds_exactly_the_panes_in_navigation_order() -> None:
    panes = all_panes()
    assert set(panes) == pane_classes_on_disk()
    assert len(panes) == len(PANES) == len({c.NAME for c in panes})
    # The list reads as the navigation: its order is the panes' ORDER.
    assert [f"{c.__module__}:{c.__name__}" for c in panes] == list(PANES)
    assert all(c.TITLE and c.PERMISSION is not None for c in panes)


ROLE_USERS = {
    Role.PRIVACY_OFFICER: "olga",
    Role.INCIDENT_LEAD: "ivan",
    Role.REDACTION_ADMIN: "rosa",
    Role.AUDITOR: "audrey",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_pane_opens_offscreen_for_each_role_that_may_see_it(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner, role: Role
) -> None:
    if role is Role.ADMINISTRATOR:
        principal = admin.principal
    else:
        principal, _ = admin.add_operator(ROLE_USERS[role], [role.value])
    visible = panes_for(principal)
    assert visible, f"{role} sees no pane"
    assert [c for c in all_panes() if c not in visible] == [
        c
        for c in all_panes()
        if c.PERMISSION is not None
        and not any(principal.can(p) for p in (c.PERMISSION, *c.ALSO_PERMISSIONS))
    ]
    ctx = gui_ctx(admin, principal, tasks)
    for cls in visible:
        pane = cls(ctx)
        qtbot.addWidget(pane)
        pane.resize(1366, 700)
        pane.show()
        pane.refresh()
        assert pane.banner.kind != "error", f"{cls.NAME} for {role}: {pane.banner.text()}"


class SessionLockedLookalike(Exception):
    """Same name as a session problem, not one: routing goes by class, not by name."""


SessionLockedLookalike.__name__ = "SessionLocked"


def test_pane_run_sends_session_problems_to_the_window_and_the_rest_to_the_banner(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    pane = AuditPane(gui_ctx(admin, admin.principal, tasks))
    qtbot.addWidget(pane)
    problems: list[BaseException] = []
    pane.sessionProblem.connect(problems.append)

    def raising(exc: BaseException):  # type: ignore[no-untyped-def]
        def job(control: object) -> None:
            raise exc

        return job

    pane.run(raising(SessionLocked("locked")), None, "reading")
    assert [type(p) for p in problems] == [SessionLocked]
    assert not pane.banner.showing and pane.banner.text() == ""

    pane.run(raising(PermissionDenied("nope", Permission.AUDIT_VIEW)), None, "read the log")
    assert pane.banner.text() == "You don't have permission to read the log."

    pane.run(raising(SessionLockedLookalike("lookalike")), None, "reading")
    assert len(problems) == 1
    assert pane.banner.text().startswith("Something went wrong (SessionLocked) while reading")
