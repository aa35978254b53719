"""Status counts, the directory (masked by default) and the `import` / `status` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.clock import SystemClock
from app.security.guard import PermissionDenied
from tests.conftest import ADMIN_PASSWORD
from tests.helpdesk_helpers import EXPECTED, ZENDESK, audit_events, copy_shape, service


def test_status_before_and_after_import(admin) -> None:
    svc = service(admin)
    empty = svc.status().to_json()
    assert empty == {
        "counts": dict.fromkeys(EXPECTED, 0),
        "last_snapshot": None,
        "last_roster_snapshot": None,
    }
    result = svc.import_zendesk(ZENDESK / "api")
    data = svc.status().to_json()
    assert data["counts"] == EXPECTED
    assert data["last_snapshot"]["id"] == result.snapshot_id
    assert data["last_snapshot"]["counts"]["users"] == 5


def test_directory_masks_and_filters(admin) -> None:
    svc = service(admin)
    assert svc.directory() == []
    svc.import_zendesk(ZENDESK / "ndjson")
    everyone = svc.directory()
    assert [p.name for p in everyone] == [
        "Ada Admin",
        "Ben Agent",
        "Cléo Light",
        "Dana Customer",
        "Eve Shopper",
    ]
    dana = everyone[3]
    assert dana.email == "d***@customer.example" and dana.phone == "***67" and dana.masked
    staff = svc.directory(role="staff")
    assert {p.id for p in staff} == {1001, 1002, 1003}
    assert [p.custom_role for p in svc.directory(role="agent")] == ["Team lead", "Light agent"]
    assert [p.id for p in svc.directory("customer.example")] == [2001]
    assert [p.id for p in svc.directory("eve", role="end-user", limit=1)] == [2002]
    with pytest.raises(ValueError):
        svc.directory(role="superuser")
    views = audit_events(admin.ctx, "helpdesk.directory.view")
    assert views and all("@" not in v["raw"] and "Eve" not in v["raw"] for v in views)


def test_reveal_needs_permission_and_reason(admin) -> None:
    service(admin).import_zendesk(ZENDESK / "api")
    with pytest.raises(PermissionDenied):  # administrators don't hold pii.reveal
        service(admin).directory(reveal=True, reason="DSAR 12")
    officer, _ = admin.add_operator("priya", ["privacy_officer"])
    svc = service(admin, officer)
    with pytest.raises(PermissionDenied):
        svc.directory(reveal=True)
    rows = svc.directory("dana", reveal=True, reason="DSAR 12")
    assert rows[0].email == "dana@customer.example" and not rows[0].masked
    (event,) = audit_events(admin.ctx, "pii.reveal")
    assert event["details"]["reason"] == "DSAR 12" and event["details"]["rows"] == 1
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    assert len(service(admin, auditor).directory()) == 5  # read-only view is fine


# ---------------------------------------------------------------- CLI


@pytest.fixture
def cli_env(admin, monkeypatch: pytest.MonkeyPatch):
    """The CLI signs in as the fixture's admin on the fixture's clock."""
    monkeypatch.setattr(SystemClock, "now", lambda self: admin.clock.now())
    monkeypatch.setenv("PRIVDESK_WORKSPACE", str(admin.ctx.workspace.folder))
    monkeypatch.setenv("PRIVDESK_OPERATOR", "admin")
    monkeypatch.setenv("PRIVDESK_PASSWORD", ADMIN_PASSWORD)

    def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        from app.cli.main import main

        monkeypatch.setenv("PRIVDESK_TOTP", admin.code())
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_import_and_status(cli_env, capsys, tmp_path: Path) -> None:
    code, out, err = cli_env(capsys, "import", "zendesk", str(ZENDESK / "api"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["status"] == "ok" and data["snapshot_created"] and data["changes"] > 0

    code, out, err = cli_env(capsys, "import", "zendesk", str(ZENDESK / "ndjson"))
    assert code == 0, err
    assert out.startswith("No changes")

    code, out, err = cli_env(capsys, "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["counts"] == EXPECTED and status["last_snapshot"]["source"] == "zendesk"

    folder = copy_shape(tmp_path, "ndjson")
    lines = (folder / "tickets.ndjson").read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"requester_id": 2002', '"requester_id": "abc"')
    (folder / "tickets.ndjson").write_text("".join(lines))
    code, out, err = cli_env(capsys, "import", "zendesk", str(folder))
    assert code == 2
    assert err == "privdesk: tickets.ndjson line 2: requester_id 'abc' is not an integer\n"

    code, out, err = cli_env(capsys, "import", "csv", str(ZENDESK / "api" / "users.json"))
    assert code == 2 and err.count("\n") == 1 and "--kind" in err
