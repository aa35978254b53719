"""Evidence-pack provider "training_status" (app/evidence_types.py): status per agent and
programme at the period's end, phishing results sent in the period, and gaps that name the
programmes with privileged agents not trained."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.evidence_types import Period, provider
from app.helpdesk import HelpdeskService
from app.security.guard import PermissionDenied
from app.training.service import TrainingService
from tests.helpdesk_helpers import CSV

DATA = Path(__file__).parent / "data" / "training"


@pytest.fixture
def officer(admin: Any) -> Any:
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    principal, _ = admin.add_operator("dpo", ["privacy_officer"])
    svc = TrainingService(admin.ctx, principal)
    svc.add_programme("Annual privacy training", roles=("agent", "admin"))
    svc.add_programme("Admin security", recurrence_months=6, roles=("admin",))
    svc.import_completions(
        DATA / "moodle-course-completion.csv", programme="Annual privacy training"
    )
    svc.import_phishing(DATA / "gophish-results.json")
    return principal


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_status_at_the_period_end_and_phishing_in_the_period(admin: Any, officer: Any) -> None:
    ev = provider("training_status")(
        admin.ctx, officer, Period(date(2026, 10, 1), date(2026, 12, 31))
    )
    assert ev.kind == "training_status"
    files = {f.name: f for f in ev.files}
    status = {(r["programme"], r["agent"]): r for r in _rows(files["training-status.csv"].content)}
    # On 31 December Ben's annual training (2 Dec 2025 + 12 months) has lapsed.
    assert status[("Annual privacy training", "Ben Agent")]["status"] == "Overdue"
    assert status[("Annual privacy training", "Ada Admin")]["status"] == "Current"
    assert status[("Admin security", "Ada Admin")]["privileged"] == "yes"
    assert status[("Annual privacy training", "Ben Agent")]["privileged"] == "no"
    assert "ben.agent@" not in files["training-status.csv"].content.decode()  # masked
    phish = _rows(files["phishing-results.csv"].content)
    assert {r["result"] for r in phish} == {"Email Reported", "Submitted Data"}
    # Ada (admin) never did "Admin security"; Ben is overdue but holds nothing privileged.
    assert ev.gaps == (
        "Admin security: 1 privileged agent(s) not trained on 2026-12-31 "
        "(0 overdue, 1 never completed)",
    )


def test_an_earlier_period_ignores_later_completions_and_has_no_phishing(
    admin: Any, officer: Any
) -> None:
    ev = provider("training_status")(
        admin.ctx, officer, Period(date(2026, 1, 1), date(2026, 3, 31))
    )
    status = {(r["programme"], r["agent"]): r["status"] for r in _rows(ev.files[0].content)}
    # Ada completed on 14 March 2026: current at the end of March; the phishing was October.
    assert status[("Annual privacy training", "Ada Admin")] == "Current"
    assert [f.name for f in ev.files] == ["training-status.csv"]
    assert "no phishing simulation was sent between 2026-01-01 and 2026-03-31" in ev.gaps


def test_the_provider_checks_training_view(admin: Any, officer: Any) -> None:
    lead, _ = admin.add_operator("lead", ["incident_lead"])
    with pytest.raises(PermissionDenied):
        provider("training_status")(admin.ctx, lead, Period(date(2026, 1, 1), date(2026, 3, 31)))
