"""DSAR pane buttons come from the service's `allowed_actions` (issue 13): a button is
enabled exactly when the service would accept the action, and a disabled one says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from app.dsar.erasure import ErasureService
from app.dsar.errors import DsarError
from app.dsar.export import ExportService
from app.dsar.locate import LocateService
from tests.dsar_helpers import make_desk
from tests.gui.conftest import gui_ctx
from views.dsar.pane import DsarPane
from views.tasks import SyncTaskRunner

DANA_ID = 2001  # the fixture's person behind dana@customer.example


def _open(pane: DsarPane, ref: str) -> None:
    pane.refresh()
    pane.select(next(r.id for r in pane.model.rows() if r.reference == ref))
    assert pane.detail is not None and pane.detail.reference == ref


def _erase_would_work(desk: Any, ref: str) -> bool:
    """Ask the service itself (in a transaction rolled back by the refusal, if any)."""
    try:
        with pytest.MonkeyPatch.context() as mp:
            # Dry run: stop right after the service's own decision.
            mp.setattr(ErasureService, "_apply", _stop)
            ErasureService(desk.ctx, desk.stepped_up()).erase(ref)
    except _Decided:
        return True
    except DsarError:
        return False
    raise AssertionError("erase ran past its decision")


class _Decided(Exception):
    pass


def _stop(*_: Any) -> None:
    raise _Decided


def test_erase_button_follows_the_service_and_says_why_not(
    qtbot: QtBot, admin: Any, tasks: SyncTaskRunner, tmp_path: Path
) -> None:
    desk = make_desk(admin)
    auditor, _ = admin.add_operator("aud", ["auditor"])
    ref = desk.new(request_type="erasure").reference
    pane = DsarPane(gui_ctx(admin, desk.officer, tasks))
    qtbot.addWidget(pane)
    erase = pane.buttons["erase"]

    def check(enabled: bool, tooltip: str = "") -> None:
        _open(pane, ref)
        assert erase.isEnabled() is enabled, erase.toolTip()
        assert _erase_would_work(desk, ref) is enabled  # the pane and the service agree
        if tooltip:
            assert tooltip in erase.toolTip()

    check(False, "must be verified and in progress")
    desk.svc().verify(ref, method="email reply from the address on file")
    check(False, "locate their data first")
    LocateService(desk.ctx, desk.officer).locate(ref)
    check(True)

    # A legal hold on the person: no erasure (before, the service "erased" nothing and
    # wrote a certificate; the pane showed the button).
    hold = ErasureService(desk.ctx, desk.officer).add_hold(
        "person", DANA_ID, "legal-hold", "litigation hold 2026-07"
    )
    check(False, "Erasure is not possible while a legal hold is active on this person")
    ErasureService(desk.ctx, desk.officer).release_hold(hold.id)
    check(True)

    # Awaiting clarification: the pane used to disable Erase here while the service
    # accepted it; now both refuse.
    desk.svc().pause(ref)
    check(False, "awaiting clarification")
    desk.svc().resume(ref)
    check(True)

    # The export button explains itself for an erasure request.
    assert not pane.buttons["export"].isEnabled()
    assert "export packages are for access and portability" in pane.buttons["export"].toolTip()
    with pytest.raises(DsarError, match="export packages are for access and portability"):
        ExportService(desk.ctx, desk.stepped_up()).export(ref, tmp_path / "x.zip")

    # An auditor sees the same request read-only, told which role erasure needs.
    # (gui_ctx gives the shared context to the auditor: the officer's pane is done.)
    audit_pane = DsarPane(gui_ctx(admin, auditor, tasks))
    qtbot.addWidget(audit_pane)
    _open(audit_pane, ref)
    assert not audit_pane.buttons["erase"].isEnabled()
    assert audit_pane.buttons["erase"].toolTip() == "Erasure needs the privacy officer role"
    assert "privacy officer role" in audit_pane.buttons["close"].toolTip()
    assert not audit_pane.new_button.isEnabled()
    assert "privacy officer role" in audit_pane.new_button.toolTip()
    # The tooltip and the service give the same answer for the read-only role.
    assert "erase" not in desk.svc().__class__(desk.ctx, auditor).allowed_actions(ref)
