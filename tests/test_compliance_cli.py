"""`privdesk policies|evidence|trust …` (issue 21): a policy added, approved and
acknowledged; a pack with its index.pdf whose manifest verifies until a file is edited; the
trust summary exported only after its approval (step-up); bad input is exit 2."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.security import totp
from tests.dsar_helpers import Desk, make_desk
from views.launch import main

POLICY = Path(__file__).parent / "data" / "compliance" / "code-of-conduct.md"


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def desk(admin: Any, monkeypatch: pytest.MonkeyPatch) -> Desk:
    d = make_desk(admin)

    @contextlib.contextmanager
    def signed_in(_args: Any) -> Iterator[tuple[Any, Any]]:
        yield d.ctx, d.officer

    monkeypatch.setattr("app.cli.compliance.signed_in", signed_in)
    return d


def test_policies(desk: Desk, capsys: Any) -> None:
    code, out, err = run(
        capsys, "policies", "add", "conduct", "--title", "Code of conduct",
        "--file", str(POLICY), "--next-review", "2026-12-15",
    )  # fmt: skip
    assert code == 0, err
    assert "conduct v1 [draft] Code of conduct — code-of-conduct.md" in out
    assert run(capsys, "policies", "due")[1].startswith("no policy review is due")
    assert run(capsys, "policies", "approve", "conduct")[0] == 0
    code, out, _ = run(capsys, "policies", "due", "--json")
    assert [p["key"] for p in json.loads(out)["due"]] == ["conduct"]  # review in 18 days
    code, out, _ = run(capsys, "policies", "acknowledge", "conduct", "--json")
    assert json.loads(out)["policy"]["acknowledged_by_me"] is True
    code, out, _ = run(capsys, "policies", "list")
    assert "1 acknowledgement(s) (acknowledged by you)" in out


def test_evidence_pack_and_verify(desk: Desk, capsys: Any, qapp: Any, tmp_path: Path) -> None:
    out_dir = tmp_path / "gdpr"
    code, out, err = run(
        capsys, "evidence", "pack", "--framework", "gdpr", "--from", "2026-10-01",
        "--to", "2026-11-27", "--out", str(out_dir), "--json",
    )  # fmt: skip
    assert code == 0, err
    pack = json.loads(out)
    assert (
        "Art. 12-22: no data subject request received or closed between 2026-10-01 and "
        "2026-11-27" in pack["gaps"]
    )
    assert (out_dir / "index.pdf").read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "evidence", "verify", str(out_dir))
    assert code == 0 and "all" in out and pack["manifest_sha256"] in out
    (out_dir / "index.html").write_text("<p>nothing to see</p>", encoding="utf-8")
    code, out, _ = run(capsys, "evidence", "verify", str(out_dir))
    assert code == 1
    assert "index.html: changed (its SHA-256 differs from the manifest)" in out
    # a second pack into the same (now non-empty) folder is refused, nothing touched
    code, _out, err = run(
        capsys, "evidence", "pack", "--framework", "soc2", "--out", str(out_dir), "--no-pdf"
    )
    assert code != 0 and "not an empty folder" in err


def test_trust(desk: Desk, capsys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "trust", "preview")
    assert "NOT approved" in out and "MFA: 2 of 2 active operators" in out
    target = tmp_path / "trust.html"
    code, _out, err = run(capsys, "trust", "export", "--out", str(target))
    assert code != 0 and "not approved" in err and not target.exists()
    desk.admin.clock.advance(6 * 60 + 30)
    monkeypatch.setenv("PRIVDESK_TOTP", totp.current_code(desk.secret, desk.admin.clock.now()))
    code, out, err = run(capsys, "trust", "approve", "--json")
    assert code == 0, err
    approved = json.loads(out)["sha256"]
    code, out, err = run(capsys, "trust", "export", "--out", str(target), "--json")
    assert code == 0, err and json.loads(out)["sha256"] == approved
    assert "Trust summary" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["policies", "add", "k", "--title", "T", "--file", "nope.md", "--next-review",
          "2027-01-01"], "--file nope.md: no such file"),
        (["policies", "add", "k", "--title", "T", "--file", str(POLICY), "--next-review",
          "soon"], "--next-review 'soon': not a date"),
        (["evidence", "pack", "--framework", "pci", "--from", "2026-12-01", "--to",
          "2026-11-01", "--out", "x", "--no-pdf"], "is before --from"),
    ],
)  # fmt: skip
def test_bad_input(desk: Desk, capsys: Any, argv: list[str], message: str) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and message in err
