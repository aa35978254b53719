"""The after-action report says exactly what happened, as of the report: steps done on time,
done late, skipped (with the reason) and not done; injects delivered or not; awareness
against the run's start (refused before a drill's start, shown as it is for an incident)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.drills.aar import AarService, aar_html
from app.drills.breach import BreachService
from app.drills.records import DrillError
from app.drills.runs import RunService
from tests.conftest import SignedIn
from tests.drills_helpers import incident_lead, long_sessions

MINUTE = 60


@pytest.fixture
def lead(admin: SignedIn):
    return incident_lead(admin)


def part_way_ransomware_drill(admin: SignedIn, lead) -> int:
    """Ransomware drill (9 steps, injects at T+20/60/120) at T+75: 2 steps done, 7 open."""
    runs = RunService(admin.ctx, lead)
    run = runs.start("ransomware-workstation", "drill")
    admin.clock.advance(3 * MINUTE)
    runs.step(run.id, "isolate", "finish")  # expected by T+5: on time
    admin.clock.advance(12 * MINUTE)
    runs.step(run.id, "out-of-band", "finish")  # expected by T+10: 5 min late
    admin.clock.advance(55 * MINUTE)
    assert runs.deliver_due_injects(run.id) == 2  # T+20 and T+60, delivered at T+70
    first = runs.detail(run.id).injects[0]
    runs.acknowledge_inject(run.id, first.id, "Called IT on the bridge")
    admin.clock.advance(5 * MINUTE)  # T+75
    return run.id


def test_a_drill_with_7_of_9_steps_open_says_so_and_never_all_finished(
    admin: SignedIn, lead
) -> None:
    run_id = part_way_ransomware_drill(admin, lead)
    report = AarService(admin.ctx, lead).report(run_id)
    page = aar_html(report)
    assert "every step was finished" not in page.lower()
    assert "within their expected time" not in page
    assert (
        "9 steps: 1 done on time, 1 done late, 0 skipped, 7 not done at the time of the report "
        "(1 overdue)." in page
    )
    assert "The run is still running" in page
    outcome = {o.step.key: o.text for o in report.step_outcomes}
    assert outcome["isolate"] == "done on time"
    assert outcome["out-of-band"] == "done late (5 min after its expected time)"
    assert outcome["triage"] == "not done (not started), overdue by 25 min"  # due T+50
    assert outcome["exfil"] == "not done (not started), not due yet"
    for text in outcome.values():
        assert text in page

    # injects: one answered, one delivered with no reaction, one never delivered
    assert page.count("no reaction recorded") == 1
    assert "not delivered: not due yet" in page
    assert (
        "3 inject(s) in the plan: 1 delivered and answered, 1 delivered but not answered, "
        "1 not delivered" in page
    )
    assert [o.reaction for o in report.inject_outcomes] == ["0 min", "no reaction recorded", "—"]

    # closed part-way: the same facts, and the undelivered inject says why
    RunService(admin.ctx, lead).close(run_id)
    admin.clock.advance(3 * 3600)  # a report read later still describes the run as closed
    page = aar_html(AarService(admin.ctx, lead).report(run_id))
    assert "1 done on time, 1 done late, 0 skipped, 7 not done at the time of the report" in page
    assert "overdue by 25 min" in page and "still running" not in page
    assert "not delivered: the run was closed first" in page
    assert page.count("no reaction recorded") == 1


def test_a_drill_with_every_step_done_in_time_says_so(admin: SignedIn, lead) -> None:
    runs = RunService(admin.ctx, lead)
    run = runs.start("misdirected-email", "drill")
    admin.clock.advance(MINUTE)
    for step in runs.detail(run.id).steps:
        runs.step(run.id, step.key, "finish")
    runs.close(run.id)
    page = aar_html(AarService(admin.ctx, lead).report(run.id))
    assert "All 8 steps were done within their expected time." in page
    # both injects came after the close: listed as not delivered, never "no reaction"
    assert "no reaction recorded" not in page
    assert page.count("not delivered: the run was closed first") == 2


def test_cli_export_of_a_drill_run_part_way(
    admin: SignedIn, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    from app.cli.main import main
    from app.security import totp

    long_sessions(admin)
    _, secret = admin.add_operator("ivan", ["incident_lead"])
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "ivan")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(*argv: str) -> str:
        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    run_id = json.loads(run("drill", "run", "start", "ransomware-workstation", "--json"))["run"]
    rid = str(run_id["id"])
    run("drill", "run", "step", rid, "isolate", "finish")
    run("drill", "run", "step", rid, "out-of-band", "skip", "--reason", "phones down in drill")
    out = tmp_path / "aar.html"
    run("drill", "aar", "export", rid, "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert (
        "9 steps: 1 done on time, 0 done late, 1 skipped, 7 not done at the time of the report."
        in page
    )
    assert "skipped: phones down in drill" in page
    assert "within their expected time" not in page
    assert "0 delivered and answered, 0 delivered but not answered, 3 not delivered" in page
    assert "no reaction recorded" not in page


def test_awareness_before_the_drill_started_is_refused_naming_the_field(
    admin: SignedIn, lead
) -> None:
    runs, breach = RunService(admin.ctx, lead), BreachService(admin.ctx, lead)
    run = runs.start("lost-laptop", "drill")
    admin.clock.advance(10 * MINUTE)
    with pytest.raises(DrillError, match=r"aware at: .* is before this exercise started"):
        breach.decide_awareness(run.id, admin.clock.now() - timedelta(hours=1), "found it")
    detail = runs.detail(run.id)
    assert detail.breach.aware_at is None  # nothing written
    assert not any(t.kind == "decision.awareness" for t in detail.timeline)
    breach.decide_awareness(run.id, admin.clock.now() - timedelta(minutes=4), "confirmed")
    page = aar_html(AarService(admin.ctx, lead).report(run.id))
    assert "(T+6 min from the start)" in page


def test_an_incident_aware_before_its_run_started_is_shown_as_it_is(admin: SignedIn, lead) -> None:
    runs, breach, aar = (
        RunService(admin.ctx, lead),
        BreachService(admin.ctx, lead),
        AarService(admin.ctx, lead),
    )
    real = runs.start("ransomware-workstation", "incident")
    admin.clock.advance(5 * MINUTE)
    # the officer knew at 11:20 and opened the incident in PrivDesk at 12:00
    breach.decide_awareness(real.id, admin.clock.now() - timedelta(minutes=45), "EDR alert")
    report = aar.report(real.id)
    page = aar_html(report)
    assert report.aware_minutes == pytest.approx(-40)
    assert "(40 min before this incident run in PrivDesk was started)" in page
    aware_row = page.split("<th>Aware at</th>")[1].split("</tr>")[0]
    assert "0 min" not in aware_row.replace("40 min", "")
    metrics = aar.incident_metrics()
    assert metrics.incidents == 1 and metrics.aware_before_start == 1
    assert metrics.median_minutes_to_awareness is None  # unknown, not "0 min"
