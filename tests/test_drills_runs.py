"""Drill and incident runs: step timing, injects, breach record, notices, isolation, AAR."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.drills.aar import AarService, aar_html
from app.drills.breach import BreachService
from app.drills.records import EXERCISE_BANNER, DrillError
from app.drills.runs import RunService
from app.security.guard import PermissionDenied
from tests.conftest import SignedIn
from tests.drills_helpers import incident_lead

FILLED = {
    "nature": "Agent account taken over; tickets viewed and exported",
    "subject_categories": "customers",
    "subjects_approx": 2300,
    "record_categories": "support tickets",
    "records_approx": 2300,
    "data_categories": "names, emails, ticket text",
    "dpo_contact": "dpo@example.test, +44 20 0000 0000",
    "consequences": "phishing using ticket details",
}


@pytest.fixture
def lead(admin: SignedIn):
    return incident_lead(admin)


def services(admin: SignedIn, principal):
    ctx = admin.ctx
    return RunService(ctx, principal), BreachService(ctx, principal), AarService(ctx, principal)


def test_step_timing_and_the_overdue_step(admin: SignedIn, lead) -> None:
    runs, _, _ = services(admin, lead)
    run = runs.start("compromised-agent-account", "drill")
    assert run.is_drill and run.label.startswith("EXERCISE")
    d = runs.detail(run.id)
    assert [s.status for s in d.steps][:2] == ["pending", "pending"]
    t0 = admin.clock.now()

    runs.step(run.id, "roster-check", "start")
    admin.clock.advance(5 * 60)
    runs.step(run.id, "roster-check", "finish", note="bridge open")
    runs.step(run.id, "triage", "start")
    admin.clock.advance(25 * 60)  # triage expects 20 min
    d = runs.detail(run.id)
    roster, triage = d.step("roster-check"), d.step("triage")
    assert roster.started_at is not None and roster.finished_by == "ivan"
    assert roster.status == "done" and not roster.late and "bridge open" in roster.note
    assert triage.overdue and triage.due_at == t0 + timedelta(minutes=25)
    assert [s.key for s in d.overdue_steps] == ["triage"]

    with pytest.raises(DrillError, match="needs a reason"):
        runs.step(run.id, "recover", "skip")
    runs.step(run.id, "recover", "skip", reason="covered by IT runbook")
    runs.step(run.id, "suspend", "assign", assignee="Sam (IT)")
    with pytest.raises(DrillError, match="already skipped"):
        runs.step(run.id, "recover", "finish")
    d = runs.detail(run.id)
    assert d.step("suspend").assignee == "Sam (IT)"
    kinds = [t.kind for t in d.timeline]
    assert kinds[:4] == ["run.start", "step.start", "step.finish", "step.start"]
    assert "step.skip" in kinds and "step.assign" in kinds


def test_injects_are_delivered_on_time_and_reaction_is_recorded(admin: SignedIn, lead) -> None:
    runs, _, _ = services(admin, lead)
    run = runs.start("compromised-agent-account", "drill")
    d = runs.detail(run.id)
    assert [i.offset_minutes for i in d.injects] == [10, 20, 45]
    assert runs.deliver_due_injects(run.id) == 0
    admin.clock.advance(10 * 60)
    assert [i.offset_minutes for i in runs.detail(run.id).due_injects(admin.clock.now())] == [10]
    assert runs.deliver_due_injects(run.id) == 1
    admin.clock.advance(4 * 60)
    first = runs.detail(run.id).injects[0]
    minutes = runs.acknowledge_inject(run.id, first.id, "Suspended the agent")
    assert minutes == pytest.approx(4.0)
    assert runs.detail(run.id).injects[0].reaction_minutes == pytest.approx(4.0)
    incident = runs.start("compromised-agent-account", "incident")
    assert runs.detail(incident.id).injects == ()
    with pytest.raises(DrillError, match="belong to drills"):
        runs.add_inject(incident.id, 5, "extra")


def test_authority_notified_refused_until_art33_items_filled_or_to_follow(
    admin: SignedIn, lead
) -> None:
    runs, breach, _ = services(admin, lead)
    run = runs.start("misdirected-email", "incident")
    with pytest.raises(DrillError, match="decide awareness first"):
        breach.mark_authority_notified(run.id)
    breach.update(run.id, {"detected_at": admin.clock.now()})
    admin.clock.advance(600)
    b = breach.decide_awareness(run.id, admin.clock.now(), "recipient confirmed they opened it")
    assert b.aware_by == "ivan" and b.aware_reason.startswith("recipient")
    assert runs.detail(run.id).clocks[0].key == "gdpr_art33_due"
    breach.update(run.id, FILLED)
    with pytest.raises(DrillError, match="measures taken or proposed"):
        breach.mark_authority_notified(run.id)
    b = breach.set_to_follow(run.id, "measures", True)
    assert b.missing == ()
    tasks = runs.detail(run.id).tasks
    assert [(t.kind, t.item, t.status) for t in tasks] == [("art33_follow_up", "measures", "open")]
    b = breach.mark_authority_notified(run.id)
    assert b.authority_notified_at is not None

    # phase 2: the measures arrive, the follow-up closes as provided
    breach.update(run.id, {"measures": "recipient deleted the email; macro fixed"})
    breach.close_task(run.id, tasks[0].id, "provided")
    detail = runs.detail(run.id)
    assert detail.tasks[0].status == "closed" and detail.breach.to_follow == ()


def test_late_notification_needs_reasons_for_the_delay(admin: SignedIn, lead) -> None:
    runs, breach, _ = services(admin, lead)
    run = runs.start("lost-laptop", "incident")
    breach.decide_awareness(run.id, admin.clock.now(), "device not encrypted")
    breach.update(run.id, {**FILLED, "measures": "remote wipe"})
    admin.clock.advance(75 * 3600)
    with pytest.raises(DrillError, match=r"3\.0 h after the 72 hours"):
        breach.mark_authority_notified(run.id)
    b = breach.mark_authority_notified(run.id, delay_reasons="forensics vendor delayed scope")
    assert b.delay_reasons == "forensics vendor delayed scope"


def test_high_risk_opens_the_art34_task_closed_by_an_exception_with_justification(
    admin: SignedIn, lead
) -> None:
    runs, breach, _ = services(admin, lead)
    run = runs.start("lost-laptop", "drill")
    breach.decide_risk(run.id, "high")
    (task,) = runs.detail(run.id).tasks
    assert task.kind == "art34" and task.status == "open"
    with pytest.raises(DrillError, match="needs a justification"):
        breach.close_task(run.id, task.id, "exception_a")
    breach.close_task(run.id, task.id, "exception_a", "full-disk encryption verified")
    closed = runs.detail(run.id).tasks[0]
    assert closed.resolution == "exception_a" and closed.closed_by == "ivan"


def test_notices_are_filled_marked_as_exercise_and_approval_is_reset_by_edits(
    admin: SignedIn, lead
) -> None:
    runs, breach, _ = services(admin, lead)
    run = runs.start("vendor-breach", "drill")
    breach.update(run.id, FILLED)
    breach.set_to_follow(run.id, "measures", True)
    notices = {n.template_key: n for n in breach.notices(run.id)}
    assert set(notices) == {
        "sa_notice",
        "subject_notice",
        "customer_faq",
        "press_statement",
        "internal",
    }
    sa = notices["sa_notice"].body
    assert sa.startswith(EXERCISE_BANNER)
    assert "2300" in sa and "[to follow]" in sa and "[missing: awareness time]" in sa
    breach.save_notice(run.id, "sa_notice", sa.replace(EXERCISE_BANNER, "") + "\nEdited.")
    breach.approve_notice(run.id, "sa_notice")
    saved = {n.template_key: n for n in breach.notices(run.id)}["sa_notice"]
    assert saved.approved_by == "ivan" and saved.body.startswith(EXERCISE_BANNER)
    breach.save_notice(run.id, "sa_notice", saved.body + " Again.")
    again = {n.template_key: n for n in breach.notices(run.id)}["sa_notice"]
    assert again.approved_at is None


def test_every_notice_export_is_audited_with_ids_only(admin: SignedIn, lead, tmp_path) -> None:
    from tests.helpdesk_helpers import audit_events

    runs, breach, _ = services(admin, lead)
    run = runs.start("vendor-breach", "drill")
    breach.update(run.id, FILLED)
    sa = {n.template_key: n for n in breach.notices(run.id)}["sa_notice"].body
    edited = sa.replace(EXERCISE_BANNER, "") + "\nSecret detail: jane@example.test"
    out = tmp_path / "sa.txt"
    text = breach.export_notice(run.id, "sa_notice", edited, path=out)
    assert out.read_text(encoding="utf-8") == text  # a drill's export keeps its banner
    assert text.startswith(EXERCISE_BANNER) and text.endswith("jane@example.test")
    copied = breach.export_notice(run.id, "internal", "Team update", to="clipboard")
    assert copied.startswith(EXERCISE_BANNER)
    events = audit_events(admin.ctx, "drills.notice.export")
    assert [e["details"] for e in events] == [
        {"template": "sa_notice", "to": "file", "kind": "drill", "saved": False, "approved": False},
        {
            "template": "internal",
            "to": "clipboard",
            "kind": "drill",
            "saved": False,
            "approved": False,
        },
    ]
    assert not any("jane" in e["raw"] or str(tmp_path) in e["raw"] for e in events)

    breach.save_notice(run.id, "sa_notice", text)
    breach.approve_notice(run.id, "sa_notice")
    breach.export_notice(run.id, "sa_notice", text, path=out)
    assert audit_events(admin.ctx, "drills.notice.export")[-1]["details"]["approved"] is True

    with pytest.raises(DrillError, match="empty"):
        breach.export_notice(run.id, "sa_notice", "  ")
    with pytest.raises(DrillError, match="no template"):
        breach.export_notice(run.id, "nope", "text")
    with pytest.raises(OSError):  # the file could not be written: no audit entry
        breach.export_notice(run.id, "sa_notice", text, path=tmp_path / "missing" / "x.txt")
    assert len(audit_events(admin.ctx, "drills.notice.export")) == 3


def test_drills_never_appear_in_real_incident_metrics(admin: SignedIn, lead) -> None:
    runs, breach, aar = services(admin, lead)
    for _ in range(2):
        drill = runs.start("ransomware-workstation", "drill")
        admin.clock.advance(600)
        breach.decide_awareness(drill.id, admin.clock.now(), "exercise")
    before = aar.incident_metrics()
    assert before.incidents == 0 and before.median_minutes_to_awareness is None
    real = runs.start("ransomware-workstation", "incident")
    admin.clock.advance(1800)
    breach.decide_awareness(real.id, admin.clock.now(), "leak site entry")
    metrics = aar.incident_metrics()
    assert metrics.incidents == 1 and metrics.median_minutes_to_awareness == pytest.approx(30)
    assert [t.run_id for t in aar.trends()] == [1, 2]  # trends: drills only
    assert {r.kind for r in runs.list_runs("incident")} == {"incident"}


def test_aar_has_decisions_against_targets_late_steps_injects_and_the_plan(
    admin: SignedIn, lead
) -> None:
    runs, breach, aar = services(admin, lead)
    run = runs.start("misdirected-email", "drill")
    admin.clock.advance(20 * 60)
    breach.decide_awareness(run.id, admin.clock.now(), "content confirmed")
    admin.clock.advance(100 * 60)  # risk decided at 120 min: target is 90
    breach.decide_risk(run.id, "risk")
    runs.step(run.id, "capture", "finish")  # expected 15 min: late
    runs.step(run.id, "fix", "skip", reason="out of scope for the drill")
    runs.deliver_due_injects(run.id)
    injects = runs.detail(run.id).injects
    runs.acknowledge_inject(run.id, injects[0].id, "legal looped in")
    aar.save_observations(run.id, "Bridge opened fast", "Risk call took too long")
    item = aar.add_improvement(run.id, "Pre-agreed risk matrix for misdirected email", "DPO", None)
    runs.close(run.id)

    report = aar.report(run.id)
    decisions = {d.name: d for d in report.decisions}
    assert decisions["awareness"].minutes == pytest.approx(20) and decisions["awareness"].met
    assert decisions["notifiable"].met is False
    assert decisions["draft_notice"].minutes is None
    assert {s.key for s in report.late_or_skipped} >= {"capture", "fix"}
    page = aar_html(report)
    for text in (
        EXERCISE_BANNER,
        "Time to each decision",
        "skipped: out of scope for the drill",
        "legal looped in",
        "Pre-agreed risk matrix",
        "Bridge opened fast",
    ):
        assert text in page

    # tracked across runs: still open in the next drill of the same playbook, then closed
    second = runs.start("misdirected-email", "drill")
    assert [i.id for i in aar.report(second.id).improvements] == [item]
    aar.set_improvement_status(item, "done", closed_in_run=second.id)
    assert aar.report(second.id).improvements == ()
    assert aar.improvements()[0].closed_run_id == second.id


def test_auditor_reads_but_cannot_run_and_closed_runs_do_not_change(admin: SignedIn, lead) -> None:
    runs, _, _ = services(admin, lead)
    run = runs.start("lost-laptop", "drill")
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    as_auditor = RunService(admin.ctx, auditor)
    assert as_auditor.detail(run.id).run.id == run.id
    with pytest.raises(PermissionDenied):
        as_auditor.step(run.id, "report", "start")
    runs.close(run.id)
    with pytest.raises(DrillError, match="closed"):
        runs.step(run.id, "report", "start")
