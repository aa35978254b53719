"""A Zendesk sync killed with SIGKILL resumes from its last committed page (issue 18 jobs).

The sync runs in a real OS process (tests/crash_driver.py, operation ``zendesk-sync``)
against the local test server of this process; it is killed after the commit of a page,
or in the middle of a page (rows written, cursor and COMMIT not). Reopened, the
workspace verifies, holds exactly the committed pages, and the next sync resumes after
them and ends with the same data as an uninterrupted sync (SQLC-5: nothing half-written).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.security.auth import AuthService
from app.zendesk.connection import ConnectionService
from app.zendesk.sync import SyncService
from models.helpdesk import Comment, Snapshot, Ticket
from models.zendesk_api import ZendeskSyncState
from tests.conftest import SignedIn
from tests.test_crash_safety import cli_verify, crash, reopen, world
from tests.zendesk_server import EMAIL, TOKEN, ZendeskServer

__all__ = ["cli_verify", "world"]  # fixtures, imported for the tests below

EXTRA = 10  # tickets added to the fixture's 3: 7 export pages of 2


@pytest.fixture
def server() -> Iterator[ZendeskServer]:
    with ZendeskServer(page_limit=2) as running:
        template = running.account.tickets[101]
        for n in range(EXTRA):
            running.account.change({**template, "id": 30_000 + n, "subject": f"Order {n}"})
        yield running


def _count(ctx: Any, model: Any) -> int:
    with ctx.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("point", "committed"), [("sync-pages-2", 2), ("sync-mid-page", 1)])
def test_a_killed_sync_keeps_its_committed_pages_and_resumes(
    world: SignedIn, server: ZendeskServer, cli_verify: Any, point: str, committed: int
) -> None:
    admin = AuthService(world.ctx).step_up(world.principal, world.code())
    ConnectionService(world.ctx, admin).connect(
        subdomain="acme", email=EMAIL, token=TOKEN, base_url=server.url
    )
    _officer, secret = world.add_operator("rosa", ["privacy_officer"])
    crash(world, "zendesk-sync", point, as_="rosa", secret=secret)
    cli_verify(world)

    ctx, principal = reopen(world, "rosa", secret)
    try:
        assert _count(ctx, Snapshot) == 1  # the directory was done before the tickets
        assert _count(ctx, Ticket) == 2 * committed
        with ctx.read_session() as s:
            state = s.get(ZendeskSyncState, "tickets")
            assert state is not None and (state.running, state.pages) == (True, committed)
        server.requests.clear()
        result = SyncService(ctx, principal).sync()
        assert result.resumed
        export = [r for r in server.requests if "incremental" in r.path]
        assert "cursor" in export[0].query  # after the last committed page, not from 0
        assert result.kinds["tickets"]["objects"] == 3 + EXTRA - 2 * committed
        assert (_count(ctx, Ticket), _count(ctx, Comment)) == (3 + EXTRA, 4)
        assert _count(ctx, Snapshot) == 1  # the same directory: no new snapshot
    finally:
        ctx.close()
    cli_verify(world)
