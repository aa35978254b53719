"""Issue 20: the alert rules also run after each import that brings access or audit logs.

An officer who imports logs sees the new alerts at once; an operator who may import but
not work alerts (the workspace admin) is told the events wait for the next `alerts run`,
and no alert is created on their behalf.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.clock import SystemClock
from app.monitoring.after_import import evaluate_after_import, new_log_events
from app.monitoring.service import AlertService
from app.security import totp
from tests.conftest import ADMIN_PASSWORD
from tests.drills_helpers import long_sessions
from tests.monitoring_helpers import PLANTED, LogWriter, history, planted_day

OFFICE = "a sunny day in the office 7"  # the password add_operator gives


def _logs(tmp_path: Path) -> Path:
    w = LogWriter()
    history(w, days=22)
    planted_day(w)
    return w.write(tmp_path / "logs")


def _cli(
    admin: Any, monkeypatch: pytest.MonkeyPatch, username: str, secret: str, password: str = OFFICE
) -> Any:
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", username)
    monkeypatch.setenv("PRIVDESK_PASSWORD", password)

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        from app.cli.main import main

        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_an_officer_importing_logs_sees_the_new_alerts_at_once(
    admin: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    long_sessions(admin)
    officer, secret = admin.add_operator("olivia", ["privacy_officer"])
    cli = _cli(admin, monkeypatch, "olivia", secret)
    logs = _logs(tmp_path)

    code, out, err = cli(capsys, "import", "zendesk", str(logs), "--json")
    assert code == 0, err
    report = json.loads(out)["monitoring"]
    assert report["rules_run"] is True and report["new_log_events"] > 0
    assert report["new_alerts"] == len(PLANTED)
    assert {a["rule"] for a in report["alerts"]} == {rule for rule, _ in PLANTED}
    stored = AlertService(admin.ctx, officer).list_alerts()
    assert sorted(a.id for a in stored) == sorted(a["id"] for a in report["alerts"])

    # The same files again write no new event: nothing to evaluate, nothing said.
    code, out, err = cli(capsys, "import", "zendesk", str(logs), "--json")
    assert code == 0, err
    assert "monitoring" not in json.loads(out)

    # A dry run writes nothing and so runs nothing.
    code, out, err = cli(capsys, "import", "zendesk", str(_logs(tmp_path / "again")), "--dry-run")
    assert code == 0 and "Alert rules" not in out


def test_an_operator_who_cannot_work_alerts_is_told_the_events_wait(
    admin: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    long_sessions(admin)
    officer, _ = admin.add_operator("olivia", ["privacy_officer"])
    cli = _cli(admin, monkeypatch, "admin", admin.secret, ADMIN_PASSWORD)
    code, out, err = cli(capsys, "import", "zendesk", str(_logs(tmp_path)))
    assert code == 0, err
    assert "wait for the alert rules: they run at the next `privdesk alerts run`" in out
    assert AlertService(admin.ctx, officer).list_alerts() == []
    # …and the next run by the officer finds exactly the planted alerts.
    assert AlertService(admin.ctx, officer).run().new == len(PLANTED)


def test_counts_without_log_records_run_nothing(admin: Any) -> None:
    counts = {"users": {"read": 3, "inserted": 3}, "access_logs": {"read": 2, "inserted": 0}}
    assert new_log_events(counts) == 0
    assert evaluate_after_import(admin.ctx, admin.principal, counts) is None
    assert new_log_events({"audit_logs": {"inserted": 4}, "access_logs": {"inserted": 1}}) == 5
