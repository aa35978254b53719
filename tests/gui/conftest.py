"""GUI fixtures: a cheap argon2 (hash cost is not under test here), the sync runner, panes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.security import passwords, totp
from tests.conftest import SignedIn
from views.main_window import MainWindow
from views.session import CurrentOperator
from views.start.recent import RecentWorkspaces
from views.tasks import SyncTaskRunner

SHOTS = os.environ.get("PRIVDESK_SHOTS")  # a folder: save screenshots of key screens there


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production parameters cost ~0.2 s per hash; GUI tests hash dozens of times.
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    monkeypatch.setattr(passwords, "_HASHER", cheap)


@pytest.fixture
def tasks() -> SyncTaskRunner:
    return SyncTaskRunner()


@pytest.fixture
def recent(tmp_path: Path) -> RecentWorkspaces:
    return RecentWorkspaces(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def gui_ctx(signed: SignedIn, principal: object, tasks: object) -> AppContext:
    """``signed.ctx`` as views.flow leaves it once ``principal`` signed in: panes need no more."""
    ctx: AppContext = signed.ctx
    ctx.operator = CurrentOperator(principal)  # type: ignore[arg-type]
    ctx.tasks = tasks  # type: ignore[assignment]
    return ctx


def make_window(qtbot: QtBot, signed: SignedIn, principal: object, tasks: object) -> MainWindow:
    window = MainWindow(gui_ctx(signed, principal, tasks), idle_tick_ms=10)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner) -> Iterator[MainWindow]:
    win = make_window(qtbot, admin, admin.principal, tasks)
    yield win
    win.idle.stop()


def wrong_code(secret: str, signed: SignedIn) -> str:
    right = totp.current_code(secret, signed.clock.now())
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def shoot(widget: object, name: str) -> None:
    """Keep a picture of the screen for a human to look at (not an assertion)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))  # type: ignore[attr-defined]
