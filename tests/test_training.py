"""Training and awareness (issue 21, part 2): programmes, LMS completions (Moodle's
course-completion CSV), GoPhish results (CSV export and API JSON), status per agent.

Test files in tests/data/training/ follow the tools' own source (README there)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.helpdesk import HelpdeskService
from app.security.guard import PermissionDenied
from app.training.imports import TrainingError
from app.training.service import TrainingService
from app.training.status import add_months
from models.training import Completion, PhishingResult
from tests.helpdesk_helpers import CSV, audit_events

DATA = Path(__file__).parent / "data" / "training"
PRIVACY = "Annual privacy training"


@pytest.fixture
def officer(admin: Any) -> Any:
    principal, _secret = admin.add_operator("dpo", ["privacy_officer"])
    return principal


@pytest.fixture
def auditor(admin: Any) -> Any:
    principal, _secret = admin.add_operator("audit", ["auditor"])
    return principal


@pytest.fixture
def desk(admin: Any) -> Any:
    """The help-desk directory: Ada (admin), Ben (agent), Cléo (light agent, suspended)."""
    HelpdeskService(admin.ctx, admin.principal).import_csv("agents", CSV / "agents.csv")
    return admin


def _count(ctx: Any, model: Any) -> int:
    with ctx.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_officer_adds_programmes_auditor_only_reads(admin: Any, officer: Any, auditor: Any) -> None:
    svc = TrainingService(admin.ctx, officer)
    p = svc.add_programme(PRIVACY, recurrence_months=12, roles=("agent", "admin"))
    svc.add_programme("PCI awareness", recurrence_months=12, custom_roles=("Card data",))
    assert [x.name for x in TrainingService(admin.ctx, auditor).programmes()] == [
        PRIVACY,
        "PCI awareness",
    ]
    assert p.audience.roles == ("agent", "admin")
    with pytest.raises(PermissionDenied):
        TrainingService(admin.ctx, auditor).add_programme("Other", roles=("agent",))
    with pytest.raises(TrainingError, match="already exists"):
        svc.add_programme(PRIVACY, roles=("agent",))
    with pytest.raises(TrainingError, match="at least one role"):
        svc.add_programme("Nobody")
    with pytest.raises(TrainingError, match="agent and admin"):
        svc.add_programme("Typo", roles=("agnet",))
    assert [e["outcome"] for e in audit_events(admin.ctx, "training.programme.add")] == ["ok", "ok"]


def test_moodle_completions_give_each_agent_a_status(desk: Any, officer: Any) -> None:
    svc = TrainingService(desk.ctx, officer)
    svc.add_programme(PRIVACY, roles=("agent", "admin"))
    result = svc.import_completions(DATA / "moodle-course-completion.csv", programme=PRIVACY)
    assert (result.added, result.updated, result.skipped) == (2, 0, 1)  # Cléo: not complete
    by_agent = {r.agent: r for r in svc.status()}  # the clock says 2026-11-27
    # Cléo's account is suspended: not an agent who must train.
    assert set(by_agent) == {"Ada Admin", "Ben Agent"}
    ada, ben = by_agent["Ada Admin"], by_agent["Ben Agent"]
    assert (ada.state, ada.completed_at, ada.due_at) == (
        "current",
        "2026-03-14T10:05:00Z",
        "2027-03-14T10:05:00Z",
    )
    assert (ben.state, ben.due_at) == ("due_soon", "2026-12-02T16:40:00Z")
    assert ben.email == "b***@acme.example"  # the status never shows the full address
    later = {r.agent: r.state for r in svc.status(at=datetime(2027, 1, 5, tzinfo=UTC))}
    assert later == {"Ada Admin": "current", "Ben Agent": "overdue"}
    again = svc.import_completions(DATA / "moodle-course-completion.csv", programme=PRIVACY)
    assert (again.added, again.updated) == (0, 2)  # idempotent: nothing stored twice
    assert _count(desk.ctx, Completion) == 2
    event = audit_events(desk.ctx, "training.import.completions")[-1]
    assert "acme.example" not in event["raw"] and event["details"]["added"] == 0


def test_programme_audience_by_group_and_agents_never_trained(desk: Any, officer: Any) -> None:
    svc = TrainingService(desk.ctx, officer)
    svc.add_programme("Admin security", recurrence_months=6, roles=("admin",))
    rows = svc.status()
    assert [(r.programme, r.agent, r.state) for r in rows] == [
        ("Admin security", "Ada Admin", "never")
    ]


def test_completion_email_is_stored_with_a_blind_index(desk: Any, officer: Any) -> None:
    svc = TrainingService(desk.ctx, officer)
    svc.add_programme(PRIVACY, roles=("agent",))
    svc.import_completions(DATA / "moodle-course-completion.csv", programme=PRIVACY)
    with desk.ctx.read_session() as s:
        indexes = set(s.scalars(select(Completion.email_index)))
    assert all(len(i) == 64 and "@" not in i for i in indexes) and len(indexes) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'ID,Name,Email address,Course complete\n1,A,a@x.example,"14/03/26, 10:05"\n'
            '2,B,not-an-email,"14/03/26, 10:05"\n',
            "completions.csv, line 3, field 'email': not an email address",
        ),
        (
            "ID,Name,Email address,Course complete\n1,A,a@x.example,2026-03-14\n",
            "completions.csv, line 2, field 'completed_at': not a time",
        ),
        (
            'ID,Name,Email,Finished\n1,A,a@x.example,"14/03/26, 10:05"\n',
            "completions.csv, line 1: no column for completed_at",
        ),
    ],
)
def test_a_bad_lms_file_names_line_and_field_and_writes_nothing(
    desk: Any, officer: Any, tmp_path: Path, text: str, message: str
) -> None:
    svc = TrainingService(desk.ctx, officer)
    svc.add_programme(PRIVACY, roles=("agent",))
    bad = tmp_path / "completions.csv"
    bad.write_text(text, "utf-8")
    with pytest.raises(TrainingError) as caught:
        svc.import_completions(bad, programme=PRIVACY)
    assert message in caught.value.message
    assert "x.example" not in caught.value.message  # no personal data in errors
    assert _count(desk.ctx, Completion) == 0


def test_custom_lms_mapping_with_a_score_column(desk: Any, officer: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "talent.toml"
    mapping.write_text(
        '[columns]\nemail = "User email"\ncompleted_at = "Completion date"\nscore = "Score"\n'
        '[formats]\ncompleted_at = "%Y-%m-%d"\n',
        "utf-8",
    )
    data = tmp_path / "export.csv"
    data.write_text("User email,Completion date,Score\nBen.Agent@ACME.example,2026-11-01,87%\n")
    svc = TrainingService(desk.ctx, officer)
    svc.add_programme(PRIVACY, roles=("agent",))
    svc.import_completions(data, programme=PRIVACY, mapping=mapping)
    (ben,) = svc.status()  # matched to the directory's ben.agent@acme.example, any case
    assert (ben.state, ben.score, ben.completed_at) == ("current", 87.0, "2026-11-01T00:00:00Z")


def test_gophish_csv_and_api_json_give_stage_times(desk: Any, officer: Any, auditor: Any) -> None:
    svc = TrainingService(desk.ctx, officer)
    lure = "Q4 parcel-delivery lure"
    csv_result = svc.import_phishing(DATA / "gophish-results.csv", campaign=lure)
    assert (csv_result.added, csv_result.campaign) == (3, "Q4 parcel-delivery lure")
    json_result = svc.import_phishing(DATA / "gophish-results.json")  # the name from the JSON
    assert (json_result.added, json_result.updated) == (0, 2)  # same campaign, same rids
    rows = {r.email: r for r in TrainingService(desk.ctx, auditor).phishing_results()}
    ben = rows["b***@acme.example"]
    assert ben.status == "Submitted Data"
    # The timeline dates each stage; the CSV only knew when the row last changed.
    assert (ben.opened_at, ben.clicked_at, ben.submitted_at) == (
        "2026-10-05T10:02:00Z",
        "2026-10-05T10:29:30Z",
        "2026-10-05T10:31:09Z",
    )
    ada = rows["a***@acme.example"]
    assert (ada.status, ada.reported_at, ada.sent_at) == (
        "Email Reported",
        "2026-10-05T09:12:44Z",
        "2026-10-05T09:00:01.123456Z",
    )
    assert (ada.opened_at, ada.clicked_at) == ("2026-10-05T09:10:00Z", None)  # reported, no click
    assert rows["c***@acme.example"].clicked_at is None


def test_a_gophish_csv_dates_the_stages_up_to_the_status(desk: Any, officer: Any) -> None:
    svc = TrainingService(desk.ctx, officer)
    svc.import_phishing(DATA / "gophish-results.csv", campaign="Q4")
    rows = {r.email: r for r in svc.phishing_results("Q4")}
    ben = rows["b***@acme.example"]  # "Submitted Data": opened, clicked and submitted
    assert ben.opened_at == ben.clicked_at == ben.submitted_at == "2026-10-05T10:31:09Z"
    ada = rows["a***@acme.example"]  # reported: nothing says she opened or clicked
    assert (ada.reported_at, ada.clicked_at) == ("2026-10-05T09:12:44.500000Z", None)
    assert "acme" not in audit_events(desk.ctx, "training.import.phishing")[-1]["raw"]


def test_a_bad_gophish_file_is_refused_whole(officer: Any, admin: Any, tmp_path: Path) -> None:
    bad = tmp_path / "results.csv"
    text = (DATA / "gophish-results.csv").read_text("utf-8").replace("Submitted Data", "Phished")
    bad.write_text(text, "utf-8")
    svc = TrainingService(admin.ctx, officer)
    with pytest.raises(TrainingError, match=r"results.csv, line 3, field 'status': unknown status"):
        svc.import_phishing(bad, campaign="Q4")
    broken = tmp_path / "results.json"
    shutil.copy(DATA / "gophish-results.json", broken)
    text = broken.read_text("utf-8")
    broken.write_text(text.replace('"ben.agent@acme.example", "first', '"ben.agent", "first'))
    with pytest.raises(TrainingError, match=r"results.json, result 2, field 'email'"):
        svc.import_phishing(broken)
    sending = tmp_path / "sending.csv"
    sending.write_text(
        (DATA / "gophish-results.csv").read_text("utf-8").replace("Email Sent", "Scheduled"),
        "utf-8",
    )
    # A campaign still sending: the unsent recipient is skipped and counted, not refused.
    partial = svc.import_phishing(sending, campaign="Q4 sending")
    assert (partial.added, partial.skipped) == (2, 1)
    with pytest.raises(TrainingError, match="campaign's name"):
        svc.import_phishing(DATA / "gophish-results.csv")
    assert _count(admin.ctx, PhishingResult) == 2  # only the campaign still sending


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 3, 14, tzinfo=UTC), 12) == datetime(2027, 3, 14, tzinfo=UTC)
