"""`privdesk alerts …` end to end, with the issue 20 CLI contract's --json shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli.alerts import STATUSES
from app.clock import SystemClock
from app.helpdesk import HelpdeskService
from app.security import totp
from models import monitoring
from tests.drills_helpers import long_sessions
from tests.monitoring_helpers import PLANTED, LogWriter, history, planted_day


@pytest.fixture
def cli(admin: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    long_sessions(admin)
    officer, secret = admin.add_operator("olivia", ["privacy_officer"])
    w = LogWriter()
    history(w, days=22)
    planted_day(w)
    HelpdeskService(admin.ctx, officer).import_zendesk(w.write(tmp_path / "logs"))
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "olivia")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
        from app.cli.main import main

        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        try:
            return code, json.loads(out), err
        except ValueError:
            return code, out, err

    return run


def test_the_cli_status_choices_are_the_models() -> None:
    assert monitoring.STATUSES == STATUSES


def test_alerts_cli_run_list_show_ack_dismiss_escalate(cli: Any, capsys: Any) -> None:
    code, out, err = cli(capsys, "alerts", "run", "--json")
    assert code == 0, err
    assert out["new"] == len(PLANTED)
    assert {"id", "rule", "severity", "subject", "status"} <= set(out["alerts"][0])
    ids = {a["rule"]: a["id"] for a in out["alerts"]}
    code, out, err = cli(capsys, "alerts", "run", "--json")
    assert code == 0 and out["new"] == 0 and out["alerts"] == []

    code, out, err = cli(capsys, "alerts", "show", str(ids["new_ip"]), "--json")
    assert code == 0, err
    assert out["alert"]["rule"] == "new_ip" and len(out["evidence"]) == 2
    code, text, err = cli(capsys, "alerts", "show", str(ids["new_ip"]))
    assert "Evidence (2 event(s)):" in text and "203.0.113.50" in text

    code, out, err = cli(capsys, "alerts", "ack", str(ids["new_ip"]), "--json")
    assert code == 0 and out["alert"]["status"] == "acknowledged"
    code, out, err = cli(capsys, "alerts", "dismiss", str(ids["off_hours_access"]), "--reason", " ")
    assert code == 2 and err == "privdesk: say why the alert is a false positive (--reason)\n"
    dismiss = ("alerts", "dismiss", str(ids["off_hours_access"]), "--reason", "on call")
    code, text, err = cli(capsys, *dismiss, "--suppress-days", "3")
    assert code == 0 and "quiet for this actor for 3 day(s)" in text
    code, out, err = cli(capsys, "alerts", "escalate", str(ids["bulk_user_reads"]), "--json")
    assert code == 0 and out["alert"]["status"] == "escalated" and out["run"]
    code, out, err = cli(capsys, "alerts", "list", "--status", "escalated", "--json")
    assert [a["id"] for a in out["alerts"]] == [ids["bulk_user_reads"]]
    code, out, err = cli(capsys, "alerts", "show", "9999")
    assert code == 2 and "no alert #9999" in err


def test_alerts_rules_list_show_export_import(cli: Any, capsys: Any, tmp_path: Path) -> None:
    code, out, err = cli(capsys, "alerts", "rules", "list", "--json")
    assert code == 0, err
    assert {"bulk_user_reads", "failed_signins"} <= {r["id"] for r in out["rules"]}
    code, text, err = cli(capsys, "alerts", "rules", "show", "bulk_user_reads")
    assert code == 0 and 'id = "bulk_user_reads"' in text
    target = tmp_path / "rules.toml"
    code, out, err = cli(capsys, "alerts", "rules", "export", "--out", str(target), "--json")
    assert code == 0 and out == {"exported": str(target)}
    code, out, err = cli(capsys, "alerts", "rules", "import", str(target), "--json")
    assert code == 0 and {r["origin"] for r in out["rules"]} == {"unchanged"}

    mine = target.read_text().replace("count = 40", "count = 100")
    target.write_text(mine)
    code, text, err = cli(capsys, "alerts", "rules", "import", str(target))
    assert code == 0 and "bulk_user_reads: now version 2" in text.splitlines()
    assert text.count("now version") == 1
    code, out, err = cli(capsys, "alerts", "rules", "show", "bulk_user_reads", "--json")
    assert out["rule"]["params"]["count"] == 100 and out["rule"]["origin"] == "imported"

    target.write_text(mine.replace('severity = "high"', 'severity = "urgent"', 1))
    code, text, err = cli(capsys, "alerts", "rules", "import", str(target))
    assert code == 2
    assert err.startswith("privdesk: rules.toml: rule 'account_owner_changed': field 'severity'")
    # nothing of the bad file was used
    code, out, err = cli(capsys, "alerts", "rules", "show", "account_owner_changed", "--json")
    assert out["rule"]["severity"] == "high" and out["rule"]["origin"] == "built-in"


def test_logreview_cli_status_start_signoff_export(
    cli: Any, capsys: Any, admin: Any, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    assert cli(capsys, "alerts", "run")[0] == 0
    admin.clock.set_wall(datetime(2026, 12, 10, 10, 0, tzinfo=UTC))  # November is over
    code, out, err = cli(capsys, "logreview", "status", "--json")
    assert code == 0, err
    assert out["period"]["start"] == "2026-11-01" and out["review_status"] is None
    assert out["overdue"] is True  # monthly: due 7 days after the month
    code, out, err = cli(capsys, "logreview", "start", "--json")
    assert code == 0, err
    rid = str(out["id"])
    assert out["status"] == "open" and out["summary"]["alerts_by_status"] == {"new": len(PLANTED)}
    code, out, err = cli(capsys, "logreview", "signoff", rid)
    assert code == 2 and "still new" in err
    code, out, err = cli(capsys, "alerts", "list", "--json")
    for a in out["alerts"]:
        cli(capsys, "alerts", "ack", str(a["id"]))
    code, out, err = cli(capsys, "logreview", "signoff", rid, "--note", "ok", "--json")
    assert code == 0 and out["status"] == "signed" and len(out["digest"]) == 64
    target = tmp_path / "lr"
    code, out, err = cli(capsys, "logreview", "export", rid, "--out", str(target), "--no-pdf")
    assert code == 0 and "manifest.json" in {p.name for p in target.iterdir()}
    code, out, err = cli(capsys, "logreview", "start", "--period-start", "someday")
    assert code == 2 and err == "privdesk: --period-start: expected YYYY-MM-DD, got 'someday'\n"
