"""Two reviewers on one campaign (issue 17, team mode): the pane decides on the version it
shows, so a decision another officer made meanwhile is never overwritten — the banner
says "changed by sam at 12:01 — reload" and the row shows sam's decision — and the pane
follows other officers' changes while it is shown (SQLite: PRAGMA data_version polling;
PostgreSQL: LISTEN on a worker thread, against the throwaway cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt, QThread
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.changes import announce
from tests.gui.conftest import gui_ctx
from tests.pg_helpers import pg_engine
from tests.test_review_data import load_snapshot, officer, review
from views.common.live import LiveChanges
from views.review.pane import ReviewPane
from views.tasks import SyncTaskRunner

__all__ = ["pg_engine"]


@pytest.fixture
def panes() -> Iterator[list[QWidget]]:
    """The test's panes, closed and deleted at its end while still referenced. (Left to the
    cyclic garbage collector after the test returns, a pane's Python side can be cleared
    while Qt still delivers its events — an order-dependent crash.)"""
    widgets: list[QWidget] = []
    yield widgets
    for widget in widgets:
        widget.close()
        shiboken6.delete(widget)


def two_reviewers(
    panes: list[QWidget], admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> tuple[ReviewPane, Any]:
    """priya's pane on a campaign she shares with sam; (the pane, sam's service)."""
    load_snapshot(admin, tmp_path)
    priya, _ = officer(admin, "priya", email="priya.raman@acme.example")
    sam, _ = officer(admin, "sam")
    review(admin, priya).create_campaign(reviewers=("priya", "sam"), due_date=date(2026, 12, 1))
    pane = ReviewPane(gui_ctx(admin, priya, tasks))
    panes.append(pane)
    pane.resize(1400, 860)
    pane.show()
    pane.refresh()
    return pane, review(admin, sam)


def select_agent(pane: ReviewPane, agent_id: int) -> Any:
    for row in range(pane.proxy.rowCount()):
        item = pane.model.row_at(pane.proxy.mapToSource(pane.proxy.index(row, 0)).row())
        if item.agent_id == agent_id:
            pane.select_row(row)
            return item
    raise AssertionError(agent_id)


def test_deciding_an_item_another_reviewer_just_decided_shows_who_and_keeps_theirs(
    qtbot: QtBot, panes: list[QWidget], admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    pane, sam = two_reviewers(panes, admin, tmp_path, tasks)
    pane.live.stop()  # this test is about the click, not the live refresh
    pane.table.setFocus()
    shown = select_agent(pane, 103)  # Tidy Agent, open, version 1 on priya's screen
    assert (shown.decision, shown.version) == (None, 1)
    admin.clock.advance(60)
    sam.decide([shown.id], "revoke", justification="left the support team")

    qtbot.keyClick(pane.table, Qt.Key.Key_K)  # priya keeps what she sees

    when = f"{admin.clock.now().astimezone():%H:%M}"
    assert pane.banner.text() == f"Review item #{shown.id} changed by sam at {when} — reload"
    now = pane.model.row(shown.id)
    assert now is not None
    assert (now.decision, now.decided_by, now.version) == ("revoke", "sam", 2)  # reloaded
    assert pane.current_item() is not None and pane.current_item().id == shown.id  # no skip
    assert "left the support team" in pane.detail.browser.toPlainText()
    assert sam.item(shown.id).item.decision == "revoke"  # sam's decision kept

    # Now that she sees it, the explicit change is hers to make, on version 2.
    pane.change_decision(shown.id, "keep", None, "on the rota after all", "sam misread it")
    assert pane.model.row(shown.id).decision == "keep"  # type: ignore[union-attr]
    assert "Decision changed to keep" in pane.banner.text()


def test_the_pane_reloads_in_place_when_another_reviewer_decides(
    qtbot: QtBot, panes: list[QWidget], admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    pane, sam = two_reviewers(panes, admin, tmp_path, tasks)
    assert pane.live.running
    current = select_agent(pane, 109)
    other = next(r for r in pane.model.rows() if r.agent_id == 103)
    pane.banner.show_message("kept while reloading", "info")

    with qtbot.waitSignal(pane.live.changed, timeout=10_000) as heard:
        sam.decide([other.id], "keep")
    assert heard.args == ["review"]
    assert pane.model.row(other.id).decided_by == "sam"  # type: ignore[union-attr]
    assert pane.current_item() is not None and pane.current_item().id == current.id
    assert "1 of 12 decided" in pane.summary.text()
    assert pane.banner.text() == "kept while reloading"

    pane.hide()  # a hidden pane holds no timer or connection
    assert not pane.live.running


def test_pg_the_listener_thread_delivers_on_the_gui_thread(qtbot: QtBot, pg_engine: Engine) -> None:
    """PostgreSQL: LISTEN runs on a worker QThread; `changed` arrives on the GUI thread,
    for this pane's area only, and stopping joins the thread (else the leak check fails)."""
    owner = QObject()
    ctx: Any = SimpleNamespace(workspace=SimpleNamespace(engine=pg_engine))
    live = LiveChanges(ctx, ("review",), owner, debounce_ms=20)
    live.start()
    try:
        assert live.wait_listening(30)
        threads: list[Any] = []
        live.changed.connect(lambda area: threads.append(QThread.currentThread()))
        with qtbot.waitSignal(live.changed, timeout=10_000) as heard:
            with Session(pg_engine) as s, s.begin():
                announce(s, "dsar")  # not this pane's area
            with Session(pg_engine) as s, s.begin():
                announce(s, "review")
        assert heard.args == ["review"]
        assert threads == [QApplication.instance().thread()]  # type: ignore[union-attr]
    finally:
        live.stop()
    assert not live.running


def test_a_bulk_decision_says_what_it_left_alone_for_another_reviewer(
    qtbot: QtBot, panes: list[QWidget], admin: Any, tmp_path: Path, tasks: SyncTaskRunner
) -> None:
    pane, sam = two_reviewers(panes, admin, tmp_path, tasks)
    pane.live.stop()
    shown = {r.id: r.version for r in pane.proxy.visible_rows()}  # what "Decide filtered…" saw
    by_agent = {r.agent_id: r for r in pane.model.rows()}
    sam.reassign([by_agent[109].id], "sam")  # open still, but changed since priya looked
    sam.decide([by_agent[103].id], "keep")

    pane.decide_bulk(list(shown), "keep", None, "needed for the rota", versions=shown)

    assert pane.banner.text() == (
        "Decided 9 open items: keep. Left 1 already-decided item and 1 item another "
        "reviewer changed meanwhile (reload) alone."
    )
    assert pane.model.row(by_agent[109].id).decision is None  # type: ignore[union-attr]
    assert pane.model.row(by_agent[103].id).decided_by == "sam"  # type: ignore[union-attr]
    only_changed = {by_agent[109].id: 1}
    pane.decide_bulk(list(only_changed), "keep", None, "x", versions=only_changed)
    assert "changed by sam at" in pane.banner.text()
