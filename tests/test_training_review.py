"""Access review x training (issue 21, part 2): an agent with privileged rights (admin,
CSV export, … — app.review.permissions.PRIVILEGED) whose required training is overdue or
never completed gets the finding "untrained_privileged"; with
`review.require_training_for_privileged` on (the default) that item cannot be kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.helpdesk import HelpdeskService
from app.review import ReviewError
from app.review.service import ReviewService
from app.training.service import TrainingService
from tests.helpdesk_helpers import CSV

DATA = Path(__file__).parent / "data" / "training"


@pytest.fixture
def world(admin: Any) -> tuple[ReviewService, TrainingService]:
    """Ada is an admin (privileged), Ben a plain agent. Both completed "Annual privacy
    training" (Moodle export); nobody completed "Admin security", required of admins."""
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    officer, _ = admin.add_operator("priya", ["privacy_officer"])
    training = TrainingService(admin.ctx, officer)
    training.add_programme("Annual privacy training", roles=("agent", "admin"))
    training.add_programme("Admin security", recurrence_months=6, roles=("admin",))
    training.import_completions(
        DATA / "moodle-course-completion.csv", programme="Annual privacy training"
    )
    return ReviewService(admin.ctx, officer), training


def _by_name(review: ReviewService, cid: int) -> dict[str, Any]:
    return {i.name: i for i in review.items(cid)}


def test_a_privileged_agent_with_lapsed_training_is_a_finding(world: Any) -> None:
    review, _training = world
    campaign = review.create_campaign(due_date=date(2026, 12, 20))
    items = _by_name(review, campaign.id)
    ada, ben = items["Ada Admin"], items["Ben Agent"]
    (found,) = [f for f in ada.findings if f.type == "untrained_privileged"]
    assert found.severity == "high"
    assert "Admin security" in found.reason and "Annual privacy training" not in found.reason
    assert found.label == "privileged, training lapsed"
    # Ben's training is current and he holds nothing privileged: no such finding.
    assert not [f for f in ben.findings if f.type == "untrained_privileged"]
    listed = [(f.name, f.type) for f in review.findings(campaign.id)]
    assert ("Ada Admin", "untrained_privileged") in listed  # the findings list shows it too


def test_with_the_gate_on_the_item_cannot_be_kept_only_revoked(world: Any, admin: Any) -> None:
    review, _training = world
    campaign = review.create_campaign(due_date=date(2026, 12, 20))
    ada = _by_name(review, campaign.id)["Ada Admin"]
    with pytest.raises(ReviewError, match=r"Cannot keep item #\d+: privileged access"):
        review.decide([ada.id], "keep", justification="needed for the rota")
    assert _by_name(review, campaign.id)["Ada Admin"].decision is None
    review.decide([ada.id], "revoke", justification="train first")
    assert _by_name(review, campaign.id)["Ada Admin"].decision == "revoke"


def test_with_the_gate_off_a_justified_keep_is_allowed(world: Any, admin: Any) -> None:
    review, _training = world
    with admin.ctx.session() as s:
        admin.ctx.settings.set(s, "review.require_training_for_privileged", "off")
    campaign = review.create_campaign(due_date=date(2026, 12, 20))
    ada = _by_name(review, campaign.id)["Ada Admin"]
    with pytest.raises(ReviewError, match="needs a justification"):
        review.decide([ada.id], "keep")
    review.decide([ada.id], "keep", justification="booked on the 3 December session")
    assert _by_name(review, campaign.id)["Ada Admin"].decision == "keep"


def test_no_programmes_no_training_findings(admin: Any) -> None:
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    officer, _ = admin.add_operator("priya", ["privacy_officer"])
    review = ReviewService(admin.ctx, officer)
    campaign = review.create_campaign(due_date=date(2026, 12, 20))
    assert not [
        f for i in review.items(campaign.id) for f in i.findings if f.type == "untrained_privileged"
    ]
