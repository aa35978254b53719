"""Live refresh (issue 17, team mode): panes learn that another operator changed what they
show. SQLite: two workspaces open on one file, the feed polls ``PRAGMA data_version`` and
names the area. PostgreSQL: ``NOTIFY privdesk_changes`` goes out with the commit (never
after a rollback) and a ``LISTEN`` connection on a worker thread hears it.

No sleeps: the PostgreSQL listener's deliveries are waited for on a queue with a timeout.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.changes import AREAS, AnnouncesChanges, ChangeFeed, announce
from app.dsar.records import NewRequest
from app.dsar.requests import DsarService
from app.keystore import KeyringStore
from app.workspace import Workspace
from tests.pg_helpers import pg_engine
from tests.test_review_campaigns import items_by_agent, make_setup

__all__ = ["pg_engine"]


@pytest.fixture
def other(admin: Any) -> Iterator[Workspace]:
    """The same workspace file opened a second time, as another operator's app would."""
    ws = Workspace.open(
        admin.ctx.workspace.folder, keyring_store=KeyringStore(), passphrase=admin.passphrase
    )
    try:
        yield ws
    finally:
        ws.close()


def test_sqlite_feed_names_the_area_another_connection_changed(
    admin: Any, tmp_path: Path, other: Workspace
) -> None:
    service, priya, _secret, campaign = make_setup(admin, tmp_path)
    feed = ChangeFeed(other.engine)
    try:
        assert not feed.on_server
        assert feed.poll() == set()  # the baseline
        assert feed.poll() == set()  # nothing happened

        item = items_by_agent(service, campaign.id)[103]
        service.decide([item.id], "keep", expected_versions={item.id: item.version})
        assert feed.moved()  # the cheap look the GUI thread takes on every tick
        assert feed.poll() == {"review"}
        assert not feed.moved()
        assert feed.poll() == set()

        DsarService(admin.ctx, priya).create(
            NewRequest(
                "Dana Customer",
                "access",
                "uk-gdpr",
                datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                emails=["dana@customer.example"],
            )
        )
        assert feed.poll() == {"dsar"}

        with admin.ctx.session() as s:  # an unrelated write: the file changed, no area did
            admin.ctx.settings.set(s, "step_up_window_s", 240)
        assert feed.poll() == set()
    finally:
        feed.close()


def test_a_feed_asks_about_known_areas_only(admin: Any) -> None:
    with pytest.raises(ValueError, match="unknown change area 'tickets'"):
        ChangeFeed(admin.ctx.workspace.engine, ["tickets"])
    with pytest.raises(RuntimeError, match="use poll"):
        ChangeFeed(admin.ctx.workspace.engine).listen(lambda a: None, threading.Event())


# ------------------------------------------------------------------ PostgreSQL


class Listening:
    """`ChangeFeed.listen` on a worker thread; what it hears arrives on `heard`."""

    def __init__(self, engine: Engine) -> None:
        self.heard: queue.Queue[str] = queue.Queue()
        self.stop, self.ready = threading.Event(), threading.Event()
        feed = ChangeFeed(engine, AREAS)
        self.thread = threading.Thread(
            target=feed.listen,
            args=(self.heard.put, self.stop),
            kwargs={"ready": self.ready, "wait_s": 0.05},
        )

    def __enter__(self) -> Listening:
        self.thread.start()
        assert self.ready.wait(30), "LISTEN was not set up"
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        assert not self.thread.is_alive()

    def next(self) -> str:
        return self.heard.get(timeout=30)


def test_pg_notify_goes_out_with_the_commit_and_never_after_a_rollback(
    pg_engine: Engine,
) -> None:
    with Listening(pg_engine) as listener:
        with Session(pg_engine) as s:
            s.begin()
            announce(s, "dsar")
            s.rollback()  # the change did not happen: nobody is told
        with Session(pg_engine) as s, s.begin():
            announce(s, "review")
            announce(s, "review")  # repeats in one transaction: one notification
        with Session(pg_engine) as s, s.begin():
            announce(s, "dsar")
        assert [listener.next(), listener.next()] == ["review", "dsar"]
        assert listener.heard.empty()


def test_pg_services_announce_their_area_in_write_transactions_only(
    pg_engine: Engine,
) -> None:
    class Audits:
        seq = 7

        def audit(self, s: Session, action: str, **fields: Any) -> int:
            return self.seq  # 0: a read-only action, audited after its transaction

    class Decides(AnnouncesChanges, Audits):
        AREA = "review"

    with Listening(pg_engine) as listener:
        reader = Decides()
        reader.seq = 0
        with Session(pg_engine) as s, s.begin():
            assert reader.audit(s, "review.items") == 0
        with Session(pg_engine) as s, s.begin():
            assert Decides().audit(s, "review.decide", object_type="review_item") == 7
        assert listener.next() == "review"
        assert listener.heard.empty()
