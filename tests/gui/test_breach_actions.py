"""The breach form's controls come from `BreachService.allowed_actions` (issue 13): an
incident lead may change an active run's record; a closed run or a read-only role gets
disabled controls whose tooltip says why, and the service refuses the same."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.drills.breach import BreachService
from app.drills.records import DrillError
from app.drills.runs import RunService
from app.security.guard import PermissionDenied
from tests.conftest import SignedIn
from tests.drills_helpers import incident_lead
from tests.gui.conftest import gui_ctx
from views.drills.breach_form import BreachForm
from views.tasks import SyncTaskRunner


def _form(qtbot: QtBot, admin: SignedIn, principal: object, tasks: SyncTaskRunner) -> BreachForm:
    form = BreachForm(gui_ctx(admin, principal, tasks))
    qtbot.addWidget(form)
    return form


def test_breach_controls_follow_the_service(
    qtbot: QtBot, admin: SignedIn, tasks: SyncTaskRunner
) -> None:
    lead = incident_lead(admin)
    runs = RunService(admin.ctx, lead)
    run_id = runs.start("lost-laptop", "drill").id

    form = _form(qtbot, admin, lead, tasks)
    form.set_detail(runs.detail(run_id))
    assert form.save_button.isEnabled() and form.aware_button.isEnabled()
    assert form.save_button.toolTip() == ""

    # A read-only role sees the record with every control disabled, told who may change it.
    auditor, _ = admin.add_operator("aud", ["auditor"])
    view = _form(qtbot, admin, auditor, tasks)
    view.set_detail(RunService(admin.ctx, auditor).detail(run_id))
    assert not view.save_button.isEnabled()
    assert view.save_button.toolTip() == "Changing the breach record needs the incident lead role"
    with pytest.raises(PermissionDenied):
        BreachService(admin.ctx, auditor).update(run_id, {"measures": "x"})

    # A closed run's record is evidence: no more changes, in the form or the service.
    runs.close(run_id)
    form = _form(qtbot, admin, lead, tasks)  # (the auditor's gui_ctx took the shared context)
    form.set_detail(runs.detail(run_id))
    assert not form.save_button.isEnabled() and not form.aware_button.isEnabled()
    assert "is closed; its record can no longer change" in form.save_button.toolTip()
    with pytest.raises(DrillError, match="is closed"):
        BreachService(admin.ctx, lead).update(run_id, {"measures": "x"})
