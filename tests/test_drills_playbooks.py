"""Playbooks: the six built-ins, validation with helpful errors, versions, import/export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.drills.library import PlaybookService, RosterService
from app.drills.playbooks import (
    PlaybookError,
    builtin_playbooks,
    dump_playbook,
    parse_playbook,
)
from app.drills.records import DrillError
from tests.conftest import SignedIn
from tests.drills_helpers import fast_argon2, incident_lead, long_sessions  # noqa: F401


def test_six_builtin_playbooks_parse_and_round_trip() -> None:
    files = builtin_playbooks()
    assert len(files) == 6
    for name, text in files:
        spec = parse_playbook(text, name)
        assert {s.phase for s in spec.steps} >= {"detect", "contain", "post"}
        assert any(s.decision == "awareness" for s in spec.steps)
        assert parse_playbook(dump_playbook(spec)) == spec


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('owner = "dpo"', 'owner = "ceo"'), "step 5 (awareness): field 'owner' must be one of"),
        (('minutes = 15\ndepends_on = ["scope-access"]', 'minutes = "soon"'), "field 'minutes'"),
        (('depends_on = ["triage"]\n', 'depends_on = ["nowhere"]\n'), "not an earlier step"),
    ],
)
def test_bad_playbooks_are_refused_naming_step_and_field(change, message) -> None:
    text = dict(builtin_playbooks())["compromised-agent-account.toml"]
    assert change[0] in text
    with pytest.raises(PlaybookError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_playbook(text.replace(change[0], change[1], 1), "mine.toml")


@pytest.fixture
def lead(admin: SignedIn):
    return incident_lead(admin)


def test_every_change_is_a_new_version_kept_and_audited(admin: SignedIn, lead) -> None:
    service = PlaybookService(admin.ctx, lead)
    assert len(service.list_playbooks()) == 6
    text = service.text("lost-laptop")
    edited = text.replace("minutes = 15", "minutes = 12", 1)
    info = service.save(edited, "wipe is faster with the new MDM")
    assert info.version == 2
    with pytest.raises(DrillError, match="unchanged"):
        service.save(edited, "again")
    history = service.history("lost-laptop")
    assert [(h.version, h.created_by) for h in history] == [(2, "ivan"), (1, "ivan")]
    assert service.get("lost-laptop", 1)[1].steps[0].minutes == 15
    assert service.get("lost-laptop")[1].steps[0].minutes == 12
    with admin.ctx.read_session() as s:
        from models.security import AuditEntry

        rows = [
            json.loads(r.details_json)
            for r in s.query(AuditEntry).filter(AuditEntry.action == "drills.playbooks.update")
        ]
    assert rows == [{"version": 2, "steps": 8}]


def test_import_and_export_files(admin: SignedIn, lead, tmp_path: Path) -> None:
    service = PlaybookService(admin.ctx, lead)
    out = service.export_file("vendor-breach", tmp_path / "vendor.toml")
    text = out.read_text().replace('key = "vendor-breach"', 'key = "vendor-breach-eu"')
    (tmp_path / "eu.toml").write_text(text)
    info = service.import_file(tmp_path / "eu.toml")
    assert info.key == "vendor-breach-eu" and info.version == 1 and not info.builtin
    (tmp_path / "bad.toml").write_text('key = "x y"\ntitle = "t"\n')
    with pytest.raises(PlaybookError, match=r"bad\.toml: field 'key'"):
        service.import_file(tmp_path / "bad.toml")


def test_every_playbook_export_is_audited(admin: SignedIn, lead, tmp_path: Path) -> None:
    from tests.helpdesk_helpers import audit_events

    service = PlaybookService(admin.ctx, lead)
    service.export_file("vendor-breach", tmp_path / "vendor.toml")
    text = service.export_text("lost-laptop", 1)
    assert text == service.text("lost-laptop", 1)
    with pytest.raises(OSError):  # nothing written: nothing audited
        service.export_file("lost-laptop", tmp_path / "missing" / "x.toml")
    with pytest.raises(DrillError, match="no version 9"):
        service.export_text("lost-laptop", 9)
    assert [e["details"] for e in audit_events(admin.ctx, "drills.playbooks.export")] == [
        {"version": 1, "to": "file"},
        {"version": 1, "to": "stdout"},
    ]


def test_roster_roles_people_deputies(admin: SignedIn, lead) -> None:
    roster = RosterService(admin.ctx, lead)
    roster.save("dpo", "Dana Privacy", email="dpo@example.test")
    roster.save("dpo", "Dev Deputy", deputy=True, phone="+44 20 0000 0001")
    roster.save("incident_lead", "Ivan Lead", out_of_band="phone bridge 555-0100 pin 42")
    people = roster.list_members()
    assert [(p.team_role, p.name, p.deputy) for p in people] == [
        ("incident_lead", "Ivan Lead", False),
        ("dpo", "Dana Privacy", False),
        ("dpo", "Dev Deputy", True),
    ]
    with pytest.raises(DrillError, match="team role"):
        roster.save("ceo", "Someone")


def test_cli_drill_run_from_start_to_aar(
    admin: SignedIn, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path, qapp
) -> None:
    # `qapp`: the PDF renderer reuses the test QApplication instead of making its own.
    from app.security import totp
    from views.launch import main  # the full `privdesk`: the AAR renders a PDF

    long_sessions(admin)
    _, secret = admin.add_operator("ivan", ["incident_lead"])
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "ivan")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(*argv: str) -> tuple[int, str]:
        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        assert code == 0, err
        return code, out

    _, out = run("drill", "playbooks", "list", "--json")
    assert len(json.loads(out)["playbooks"]) == 6
    _, out = run("drill", "playbooks", "export", "lost-laptop")  # to stdout: audited too
    assert 'key = "lost-laptop"' in out
    from tests.helpdesk_helpers import audit_events

    exports = audit_events(admin.ctx, "drills.playbooks.export")
    assert [(e["details"]["to"], e["details"]["version"]) for e in exports] == [("stdout", 1)]
    _, out = run("drill", "run", "start", "lost-laptop", "--json")
    run_id = json.loads(out)["run"]["id"]
    run("drill", "run", "step", str(run_id), "report", "finish", "--note", "police ref 1")
    admin.clock.advance(30 * 60)
    run("drill", "run", "inject", str(run_id), "--deliver")
    _, out = run("drill", "run", "status", str(run_id), "--json")
    status = json.loads(out)
    assert status["steps"][0]["status"] == "done"
    assert status["injects"][0]["delivered_at"] is not None
    run("drill", "aar", "export", str(run_id), "--out", str(tmp_path / "aar.html"))
    assert "After-Action Report" in (tmp_path / "aar.html").read_text()
    run("drill", "aar", "export", str(run_id), "--out", str(tmp_path / "aar.pdf"))
    assert (tmp_path / "aar.pdf").read_bytes().startswith(b"%PDF")
