"""`privdesk dsar …`: the workspace-free deadline calculator and the signed-in actions."""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.security import totp
from tests.dsar_helpers import make_desk
from views.launch import main  # the full `privdesk`: export renders a PDF

DUE_KEYS = {"regime", "received", "due", "extended_due", "acknowledge_by", "calendar"}


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_due_needs_no_workspace_and_prints_the_issues_keys(capsys: Any) -> None:
    code, out, _ = run(
        capsys,
        "dsar",
        "due",
        "--regime",
        "uk-gdpr",
        "--received",
        "2025-03-18",
        "--calendar",
        "GB-ENG",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert set(data) == DUE_KEYS
    assert data["due"] == "2025-04-22" and data["acknowledge_by"] is None
    code, out, _ = run(
        capsys, "dsar", "due", "--regime", "ccpa", "--received", "2025-12-01", "--json"
    )
    assert json.loads(out)["acknowledge_by"] == "2025-12-15"
    code, out, _ = run(
        capsys,
        "dsar",
        "due",
        "--regime",
        "uk-gdpr",
        "--received",
        "2028-02-15",
        "--pause",
        "2028-02-20:2028-02-25",
        "--extended",
    )
    assert (code, out.strip()) == (0, "2028-05-22")


@pytest.mark.parametrize(
    "argv",
    [
        ["--regime", "uk-gdpr"],
        ["--regime", "uk-gdpr", "--received", "18/03/2025"],
        ["--regime", "uk-gdpr", "--received", "2025-03-18", "--calendar", "XX"],
        ["--regime", "lgpd", "--received", "2025-03-18", "--extended"],
        ["--regime", "uk-gdpr", "--received", "2025-03-18", "--pause", "2025-03-20"],
    ],
)
def test_due_bad_input_is_exit_2_with_one_line(capsys: Any, argv: list[str]) -> None:
    code, out, err = run(capsys, "dsar", "due", *argv)
    assert code == 2 and out == ""
    assert err.startswith("privdesk: ") and err.count("\n") == 1


def _sign_in_as(monkeypatch: pytest.MonkeyPatch, signed_in: Any) -> None:
    for module in ("app.cli.dsar", "app.cli.dsar_holds"):
        monkeypatch.setattr(f"{module}.signed_in", signed_in)


def test_signed_in_actions(
    qapp: Any,  # the PDF summary renders with Qt: one QApplication for the whole session
    admin: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    tmp_path: Path,
) -> None:
    desk = make_desk(admin)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield desk.ctx, desk.officer

    _sign_in_as(monkeypatch, signed_in)
    code, out, err = run(
        capsys,
        "dsar",
        "new",
        "--name",
        "Dana Customer",
        "--type",
        "access",
        "--regime",
        "uk-gdpr",
        "--received",
        "2026-11-02T09:30",
        "--email",
        "dana@customer.example",
        "--json",
    )
    assert code == 0, err
    ref = json.loads(out)["reference"]
    assert json.loads(out)["deadline"]["due"] == "2026-12-02"
    assert run(capsys, "dsar", "verify", ref, "--method", "email")[0] == 0
    code, out, _ = run(capsys, "dsar", "list", "--json")
    assert [r["status"] for r in json.loads(out)["requests"]] == ["in_progress"]
    code, out, _ = run(capsys, "dsar", "locate", ref)
    assert "Tickets they requested (2)" in out
    admin.clock.advance(6 * 60)
    admin.clock.advance(30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(desk.secret, admin.clock.now()))
    package = tmp_path / "p.zip"
    code, out, err = run(capsys, "dsar", "export", ref, "--out", str(package), "--json")
    assert code == 0, err
    with zipfile.ZipFile(package) as z:
        assert z.read("summary.pdf").startswith(b"%PDF")
    code, out, err = run(capsys, "dsar", "erase", ref)
    assert code == 2 and "not erasure" in err
    code, out, _ = run(capsys, "dsar", "close", ref, "--outcome", "completed")
    assert code == 0 and "[completed]" in out
    code, out, _ = run(capsys, "dsar", "show", ref, "--json")
    assert [e["kind"] for e in json.loads(out)["timeline"]][-2:] == ["export", "status"]
    code, _, err = run(capsys, "dsar", "show")
    assert code == 2 and "required: REQUEST" in err


def test_holds_certificate_and_reveal(
    admin: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from app.dsar.locate import LocateService

    desk = make_desk(admin)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield desk.ctx, desk.officer

    _sign_in_as(monkeypatch, signed_in)
    ref = desk.new(request_type="erasure", ids=["CUST-88123"]).reference
    desk.svc().verify(ref, method="email")
    LocateService(desk.ctx, desk.officer).locate(ref)
    # Holds: add on a ticket and on a person, list, release.
    code, out, err = run(
        capsys, "dsar", "hold", "add", "--ticket", "103", "--basis", "dispute",
        "--reason", "chargeback open", "--json",
    )  # fmt: skip
    assert code == 0, err
    held = json.loads(out)["hold"]
    assert held["object_type"] == "ticket" and held["basis"] == "open-dispute"
    code, out, err = run(
        capsys, "dsar", "hold", "add", "--person", "9999", "--basis", "legal_hold",
        "--reason", "litigation", "--json",
    )  # fmt: skip
    person_hold = json.loads(out)["hold"]["id"]
    code, out, _ = run(capsys, "dsar", "hold", "list")
    assert code == 0 and "chargeback open" in out and "legal-hold" in out
    code, out, _ = run(capsys, "dsar", "hold", "release", str(person_hold))
    assert code == 0 and f"released hold {person_hold}" in out
    code, out, _ = run(capsys, "dsar", "hold", "list", "--json")
    assert [h["object_ref"] for h in json.loads(out)["holds"]] == [103]
    for bad in (
        ["hold"],
        ["hold", "add", "--basis", "dispute", "--reason", "x"],
        ["hold", "add", "--ticket", "1", "--basis", "dispute"],
        ["hold", "release"],
        ["hold", "list", "3"],
        ["hold", "release", str(person_hold)],  # already released
    ):
        code, out, err = run(capsys, "dsar", *bad)
        assert code == 2 and out == "" and err.startswith("privdesk: "), bad
    # argparse: only the CLI spellings
    code, _, err = run(capsys, "dsar", "hold", "add", "--ticket", "1", "--basis", "retention-rule")
    assert code == 2 and "legal_hold" in err
    # Show is masked; --reveal needs a reason and shows the identifiers in full.
    code, out, _ = run(capsys, "dsar", "show", ref, "--json")
    shown = json.loads(out)
    assert shown["masked"] and "dana@customer.example" not in out and "88123" not in out
    code, _, err = run(capsys, "dsar", "show", ref, "--reveal")
    assert code == 2 and "--reason" in err
    code, out, _ = run(capsys, "dsar", "show", ref, "--reveal", "--reason", "call", "--json")
    assert code == 0 and json.loads(out)["emails"] == ["dana@customer.example"]
    # The certificate: none before the erasure, then the saved one.
    code, _, err = run(capsys, "dsar", "certificate", ref)
    assert code == 2 and "no erasure certificate" in err
    admin.clock.advance(6 * 60 + 30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(desk.secret, admin.clock.now()))
    assert run(capsys, "dsar", "erase", ref)[0] == 0
    code, out, err = run(capsys, "dsar", "certificate", ref, "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["certificate"]["retained"][0]["ref"] == 103
    assert record["helpdesk_plan"]["users"] == [2001]
    code, out, _ = run(capsys, "dsar", "certificate", ref)
    assert out.startswith(f"Erasure certificate — {ref}") and "chargeback open" in out


@pytest.mark.parametrize(
    ("received", "due"),
    # ICO: no 31 February, so the last day of the month — Sat 28th rolls to Mon 2 March
    [("2026-01-31T23:59", "2026-03-02"), ("2026-01-31", "2026-03-02")],
)
def test_due_accepts_the_forms_its_help_names(capsys: Any, received: str, due: str) -> None:
    code, out, err = run(capsys, "dsar", "due", "--regime", "uk-gdpr", "--received", received)
    assert (code, out.strip(), err) == (0, due, "")
    code, out, _ = run(capsys, "dsar", "due", "--help")
    assert "YYYY-MM-DD[THH:MM]" in " ".join(out.split())


@pytest.mark.parametrize(
    "received",
    [
        "2026-01-31T23:59:30",
        "2026-01-31T23:59+01:00",
        "2026-01-31 23:59",
        "2026-1-31",
        "31/01/2026",
    ],
)
def test_due_refuses_any_other_form_naming_the_flag(capsys: Any, received: str) -> None:
    code, out, err = run(capsys, "dsar", "due", "--regime", "uk-gdpr", "--received", received)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--received must be YYYY-MM-DD or YYYY-MM-DDTHH:MM" in err and repr(received) in err


@pytest.mark.parametrize("received", ["2026-01-31T23:59+01:00", "2026-01-31T23:59:30", "20260131"])
def test_new_refuses_the_forms_due_refuses_before_signing_in(capsys: Any, received: str) -> None:
    """`dsar new` names the same two forms as `dsar due`: an offset or seconds would be
    silently reinterpreted as local time, so they are refused (exit 2) before any unlock."""
    argv = ["dsar", "new", "--name", "D", "--type", "access", "--regime", "uk-gdpr"]
    code, out, err = run(capsys, *argv, "--received", received)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--received must be YYYY-MM-DD or YYYY-MM-DDTHH:MM" in err and repr(received) in err
