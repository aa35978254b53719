"""`privdesk retention …` and `privdesk hold …` (issue 19's CLI contract): add, list, show
with Zendesk's rules, simulate/run --json in the contract's shape (run asks a step-up),
holds; bad input is exit 2 with one line."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.security import totp
from tests.dsar_helpers import make_desk
from tests.test_retention import plant
from views.launch import main


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def desk(admin: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    d = make_desk(admin)
    plant(d)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield d.ctx, d.officer

    monkeypatch.setattr("app.cli.retention.signed_in", signed_in)
    return d


def test_the_contract(desk: Any, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(
        capsys, "retention", "add", "closed-1y", "--target", "tickets", "--status", "closed",
        "--older-than", "365d", "--action", "delete",
    )  # fmt: skip
    assert code == 0, err
    assert "delete: tickets, status closed, not updated for 365 days" in out
    code, out, err = run(
        capsys, "hold", "add", "--tag", "litigation", "--reason", "counsel's hold", "--json"
    )
    assert code == 0 and json.loads(out)["hold"]["kind"] == "tag"
    assert run(capsys, "hold", "add", "--ticket", "9203", "--reason", "tribunal")[0] == 0
    code, out, _ = run(capsys, "hold", "list", "--json")
    assert {(h["kind"], h["ref"]) for h in json.loads(out)["holds"]} == {
        ("tag", "litigation"),
        ("ticket", "9203"),
    }
    code, out, _ = run(capsys, "retention", "simulate", "closed-1y", "--json")
    sim = json.loads(out)
    assert {"policy", "count", "held", "samples"} <= set(sim) and sim["policy"] == "closed-1y"
    assert sim["held"] >= 2 and sim["count"] >= 2
    code, out, _ = run(capsys, "retention", "simulate", "closed-1y")
    assert "By month of last activity:" in out and "Zendesk's own rules:" in out
    desk.admin.clock.advance(6 * 60 + 30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(desk.secret, desk.admin.clock.now()))
    code, out, err = run(capsys, "retention", "run", "closed-1y", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["deleted"] == sim["count"] and done["held"] == sim["held"]
    assert json.loads(Path(done["certificate"]).read_text())["ids_sha256"] == sim["plan_sha256"]
    code, out, _ = run(capsys, "retention", "show", "closed-1y")
    assert "run #1 done" in out and "archived tickets" in out
    code, out, _ = run(capsys, "retention", "list", "--json")
    assert [p["name"] for p in json.loads(out)["policies"]] == ["closed-1y"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retention", "add", "x", "--target", "tickets", "--older-than", "1 year",
          "--action", "delete"], "--older-than '1 year': write a duration like 365d"),
        (["retention", "add", "x", "--target", "users", "--action", "delete"],
         "needs --inactive-for"),
        (["retention", "simulate", "nope"], "no retention policy 'nope'"),
        (["hold", "add", "--person", "dana", "--reason", "r"], "numeric id"),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2_with_one_line(
    desk: Any, capsys: Any, argv: list[str], message: str
) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1
