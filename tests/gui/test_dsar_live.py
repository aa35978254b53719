"""Two officers on one DSAR (issue 17, team mode): a step taken on a request another
officer changed since it was shown is refused with who and when, the request reloads and
their step stands; and the queue follows other officers' changes while it is shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.dsar.requests import DsarService
from tests.dsar_helpers import make_desk
from tests.gui.conftest import gui_ctx
from tests.gui.test_review_live import panes
from views.dsar.pane import DsarPane
from views.tasks import SyncTaskRunner

__all__ = ["panes"]  # the fixture, imported for the tests below


def test_a_step_on_a_request_another_officer_changed_is_refused_and_reloaded(
    qtbot: QtBot, panes: list[QWidget], admin: Any, tasks: SyncTaskRunner
) -> None:
    desk = make_desk(admin)
    ravi, _ = admin.add_operator("ravi", ["privacy_officer"])
    shown = desk.new()
    pane = DsarPane(gui_ctx(admin, desk.officer, tasks))
    panes.append(pane)
    pane.resize(1280, 860)
    pane.show()
    pane.live.stop()  # this test is about the click, not the live refresh
    pane.refresh()
    pane.select(shown.id)
    assert pane.detail is not None and pane.detail.version == 1
    admin.clock.advance(60)
    DsarService(admin.ctx, ravi).save_letter(shown.id, "acknowledgement", "Dear Dana")

    assert pane.buttons["verifying"].isEnabled()  # dpo's screen still shows version 1
    pane.buttons["verifying"].click()

    when = f"{admin.clock.now().astimezone():%H:%M}"
    assert pane.banner.text() == f"{shown.reference} changed by ravi at {when} — reload"
    assert pane.detail is not None
    assert (pane.detail.summary.status, pane.detail.version) == ("new", 2)  # reloaded
    assert pane.detail.timeline[-1].actor == "ravi"  # ravi's letter is shown
    assert len(desk.svc().get(shown.id).timeline) == 2  # dpo's step left nothing behind

    pane.buttons["verifying"].click()  # on the version now shown, it goes through
    assert (pane.detail.summary.status, pane.detail.version) == ("verifying", 3)


def test_the_queue_reloads_when_another_officer_logs_a_request(
    qtbot: QtBot, panes: list[QWidget], admin: Any, tasks: SyncTaskRunner
) -> None:
    desk = make_desk(admin)
    first = desk.new()
    pane = DsarPane(gui_ctx(admin, desk.officer, tasks))
    panes.append(pane)
    pane.show()
    pane.refresh()
    pane.select(first.id)
    assert pane.live.running and pane.model.rowCount() == 1

    with qtbot.waitSignal(pane.live.changed, timeout=10_000) as heard:
        desk.new(requester_name="Eve Shopper", emails=["eve@shopper.example"], phones=[])
    assert heard.args == ["dsar"]
    assert pane.model.rowCount() == 2
    assert pane.detail is not None and pane.detail.id == first.id  # still the one she had open
    pane.hide()
    assert not pane.live.running
