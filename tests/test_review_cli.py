"""`privdesk review …` end to end: create, findings JSON, decide, sign-off with step-up,
export with a real PDF, verify-pack, verify-remediation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.clock import SystemClock
from app.security import totp
from tests.test_review_data import USERS, load_snapshot, officer


@pytest.fixture
def cli(admin: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    load_snapshot(admin, tmp_path)
    _principal, secret = officer(admin, email="priya.raman@acme.example")
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "priya")
    monkeypatch.setenv("PRIVDESK_PASSWORD", "a sunny day in the office 7")

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
        from views.launch import main  # the full `privdesk`: export renders a PDF

        admin.clock.advance(30)
        monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(secret, admin.clock.now()))
        code = main(list(argv))
        out, err = capsys.readouterr()
        try:
            return code, json.loads(out), err
        except ValueError:
            return code, out, err

    return run


def test_review_cli_end_to_end(cli: Any, capsys: Any, tmp_path: Path, qapp: Any) -> None:
    # `qapp`: the PDF renderer would otherwise start a bare QGuiApplication in this process,
    # which the GUI tests after this one cannot use.
    code, out, err = cli(capsys, "review", "create", "--due", "2026-12-15", "--json")
    assert code == 0, err
    cid = str(out["campaign_id"])
    assert out["name"] == "2026-Q4" and out["total"] == len(USERS)

    code, out, err = cli(capsys, "review", "findings", cid, "--json")
    assert code == 0, err
    types = {(f["agent_id"], f["type"]) for f in out["findings"]}
    assert (102, "no_mfa") in types and (103, "no_mfa") not in types
    assert set(out["findings"][0]) >= {"agent_id", "email", "type", "reason"}

    code, out, err = cli(capsys, "review", "decide", cid, "--agent", "104", "--decision", "revoke")
    assert code == 2 and err == "privdesk: A revoke decision needs a justification.\n"
    code, out, err = cli(capsys, "review", "decide", cid, "--agent", "111", "--decision", "keep")
    assert code == 2 and "your own help-desk account" in err
    args = ("--decision", "revoke", "--justification", "dormant", "--json")
    code, out, err = cli(capsys, "review", "decide", cid, "--finding", "dormant", *args)
    assert (code, out["decided"]) == (0, 1), err

    code, out, err = cli(capsys, "review", "signoff", cid)
    assert code == 2 and "still open" in err
    code, out, err = cli(capsys, "review", "signoff", cid, "--carry-over", "--json")
    assert code == 0, err
    assert out["status"] == "signed_off"
    code, out, err = cli(capsys, "review", "decide", cid, "--agent", "101", "--decision", "keep")
    assert code == 2 and "signed off" in err

    code, out, err = cli(capsys, "review", "show", cid)
    assert code == 0 and "signed off" in out

    pack = tmp_path / "pack"
    code, out, err = cli(capsys, "review", "export", cid, "--out", str(pack), "--json")
    assert code == 0, err
    assert (pack / f"access-review-{cid}.pdf").read_bytes().startswith(b"%PDF")
    exported = out["pack_sha256"]
    code, out, err = cli(capsys, "review", "verify-pack", str(pack), "--json")
    assert (code, out["ok"], out["pack_sha256"]) == (0, True, exported)

    code, out, err = cli(capsys, "review", "verify-remediation", cid)
    assert code == 2 and "newer help-desk snapshot" in err

    code, out, err = cli(capsys, "review", "list", "--json")
    assert code == 0 and [c["id"] for c in out["campaigns"]] == [int(cid)]


def test_bulk_decide_prints_what_it_left_alone_and_redecide_keeps_history(
    cli: Any, capsys: Any
) -> None:
    code, out, err = cli(capsys, "review", "create", "--json")
    cid = str(out["campaign_id"])
    args = ("--decision", "revoke", "--justification", "dormant since May")
    code, out, err = cli(capsys, "review", "decide", cid, "--agent", "104", *args)
    assert code == 0, err
    code, out, err = cli(capsys, "review", "decide", cid, "--agent", "104", *args)
    assert code == 2 and "already decided" in err and "review redecide" in err

    code, out, err = cli(capsys, "review", "decide", cid, "--all-open", "--decision", "keep")
    assert code == 2 and "Keep needs a justification: 8 of the 10 items have findings" in err
    keep = ("--decision", "keep", "--justification", "Q4 rota confirmed")
    code, out, err = cli(capsys, "review", "decide", cid, "--all-open", *keep)
    assert code == 0, err
    assert "decided 10 open items: keep" in out
    assert "left alone 1 already-decided item (" in out
    assert "left 1 (your own help-desk account) to another reviewer" in out
    code, out, err = cli(capsys, "review", "decide", cid, "--finding", "dormant", *keep, "--json")
    assert code == 2 and "Nothing to decide: 1 item is already decided" in err

    change = ("--decision", "keep", "--justification", "back on the rota")
    code, out, err = cli(capsys, "review", "redecide", cid, "--agent", "104", *change)
    assert code == 2 and "required: --reason" in err
    code, out, err = cli(
        capsys, "review", "redecide", cid, "--agent", "104", *change, "--reason", "HR", "--json"
    )
    assert code == 0, err
    assert (out["earlier"]["decision"], out["earlier"]["justification"]) == (
        "revoke",
        "dormant since May",
    )
    assert (out["item"]["decision"], out["item"]["change_reason"]) == ("keep", "HR")
    code, out, err = cli(capsys, "review", "show", cid, "--json")
    assert (out["decided"], out["total"]) == (11, 12)


def test_review_cli_usage_errors(cli: Any, capsys: Any) -> None:
    code, _out, err = cli(capsys, "review", "create", "--scope", "group")
    assert code == 2 and "--scope must be" in err
    code, _out, err = cli(capsys, "review", "show")
    assert code == 2 and "required: CAMPAIGN" in err


def test_review_settings_cli(cli: Any, capsys: Any, tmp_path: Path) -> None:
    code, out, err = cli(capsys, "review", "settings", "--json")
    assert code == 0, err
    assert (out["dormant_days"], out["custom_rules"], out["changed"]) == (90, False, False)
    assert {"id", "all", "reason"} <= set(out["toxic_rules"][0])

    toml = tmp_path / "rules.toml"
    toml.write_text(
        '[[rule]]\nid = "redactors"\nall = ["tickets.redact"]\nreason = "can redact"\n',
        encoding="utf-8",
    )
    args = ("--dormant-days", "180", "--toxic-rules", str(toml), "--json")
    code, out, err = cli(capsys, "review", "settings", *args)
    assert code == 0, err
    assert (out["dormant_days"], out["custom_rules"], out["changed"]) == (180, True, True)
    assert out["toxic_rules"] == [
        {"id": "redactors", "all": ["tickets.redact"], "reason": "can redact"}
    ]

    code, out, err = cli(capsys, "review", "settings")
    assert code == 0, err
    assert "dormant after: 180 days" in out and "redactors: tickets.redact" in out

    rules = tmp_path / "rules.json"
    rules.write_text('[{"id": "x", "all": []}]', encoding="utf-8")
    code, out, err = cli(capsys, "review", "settings", "--toxic-rules", str(rules))
    assert code == 2 and "non-empty list" in err
    code, out, err = cli(capsys, "review", "settings", "--dormant-days", "2")
    assert code == 2 and "between 7 and 3650" in err
    code, out, err = cli(capsys, "review", "settings", "--toxic-rules", str(tmp_path / "nope"))
    assert code == 2 and "cannot read" in err
    (tmp_path / "bad.toml").write_text("rule = 3\n", encoding="utf-8")
    code, out, err = cli(capsys, "review", "settings", "--toxic-rules", str(tmp_path / "bad.toml"))
    assert code == 2 and "[[rule]]" in err

    code, out, err = cli(capsys, "review", "settings", "--default-toxic-rules", "--json")
    assert code == 0, err
    assert (out["dormant_days"], out["custom_rules"]) == (180, False)
    assert len(out["toxic_rules"]) > 1
