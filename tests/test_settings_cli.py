"""`privdesk settings` and SettingsService: each setting's own permissions, checked values,
audited changes with the value before and after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.admin import SettingsService
from app.clock import SystemClock
from app.security import totp
from app.security.guard import PermissionDenied
from models.security import AuditEntry
from tests.conftest import SignedIn


def events(ctx: Any, action: str) -> list[dict[str, Any]]:
    with ctx.read_session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [
            {
                "actor": r.actor,
                "object_id": r.object_id,
                "details": json.loads(r.details_json) if r.details_json else {},
            }
            for r in rows
        ]


@pytest.fixture
def run(admin: SignedIn, monkeypatch: pytest.MonkeyPatch) -> Any:
    _principal, secret = admin.add_operator("priya", ["privacy_officer"])
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "priya")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        from app.cli.main import main

        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_officer_lists_review_and_dsar_settings_and_changes_one(
    run: Any, capsys: Any, admin: SignedIn
) -> None:
    code, out, err = run(capsys, "settings", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)["settings"]
    assert {row["key"] for row in rows} == {spec.key for spec in admin.ctx.settings}
    # A privacy officer changes the areas they work in, not the sign-in policy.
    assert {row["key"] for row in rows if row["can_change"]} == {
        "review.dormant_days",
        "review.toxic_rules",
        "review.require_training_for_privileged",
        "dsar.pause_method",
        "dsar.timezone",
        *(spec.key for spec in admin.ctx.settings.in_area("dsar.art15_")),
        *(spec.key for spec in admin.ctx.settings.in_area("monitoring.")),
        "vendors.unused_after_days",
    }

    code, out, err = run(capsys, "settings", "set", "review.dormant_days", "60")
    assert code == 0, err
    assert "60 days" in out and "(changed)" in out
    [event] = [
        e for e in events(admin.ctx, "settings.change") if e["object_id"] == "review.dormant_days"
    ]
    assert event["details"] == {"before": 90, "after": 60} and event["actor"] == "priya"

    code, out, err = run(capsys, "settings", "reset", "review.dormant_days")
    assert code == 0 and "90 days" in out and "(changed)" not in out


def test_bad_values_and_foreign_settings_are_refused_with_one_line(
    run: Any, capsys: Any, admin: SignedIn
) -> None:
    code, _out, err = run(capsys, "settings", "set", "dsar.timezone", "Mars/Olympus")
    assert code == 2 and err.count("\n") == 1 and "unknown time zone 'Mars/Olympus'" in err
    code, _out, err = run(capsys, "settings", "set", "review.dormant_days", "soon")
    assert code == 2 and "whole number, not 'soon'" in err
    code, _out, err = run(capsys, "settings", "set", "idle_timeout_s", "600")
    assert code == 2 and "permission" in err
    code, _out, err = run(capsys, "settings", "set", "nope", "1")
    assert code == 2 and "unknown setting 'nope'" in err
    assert events(admin.ctx, "settings.change") == []
    with admin.ctx.session() as s:
        assert admin.ctx.settings.get(s, "idle_timeout_s") == 15 * 60


def test_auditor_reads_every_setting_and_changes_none(admin: SignedIn) -> None:
    auditor, _secret = admin.add_operator("audrey", ["auditor"])
    service = SettingsService(admin.ctx, auditor)
    values = service.list()
    assert {v.key for v in values} == {spec.key for spec in admin.ctx.settings}
    assert not any(v.can_change for v in values)
    with pytest.raises(PermissionDenied):
        service.set("dsar.pause_method", "dpa-s54")
    assert [e["details"]["attempted"] for e in events(admin.ctx, "access.denied")] == [
        "settings.change"
    ]


def test_admin_changes_the_idle_lock_with_before_and_after(admin: SignedIn, tmp_path: Path) -> None:
    SettingsService(admin.ctx, admin.principal).set("idle_timeout_s", 600)
    [event] = events(admin.ctx, "settings.change")
    assert event["details"] == {"before": 900, "after": 600}
    with pytest.raises(PermissionDenied):  # separation of duties: not the DSAR calendar
        SettingsService(admin.ctx, admin.principal).set("dsar.timezone", "Europe/Dublin")
