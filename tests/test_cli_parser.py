"""The shape of `privdesk`'s command line as a user meets it: `--help` everywhere, each action
with only its own options, one-line errors for unknown or missing actions, and the Qt-side
front ends (GUI, Qt check, PDF) handed in rather than imported."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from app.cli.frontends import Frontends
from app.cli.main import build_parser, main


def _tree(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += _tree(child, (*path, name))
    return found


TREE = _tree(build_parser())
COMMANDS = [path for path, _ in TREE]
GROUPS = [
    path
    for path, parser in TREE
    if path and any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
]


def run(capsys: pytest.CaptureFixture[str], *argv: str, **kw: Any) -> tuple[int, str, str]:
    code = main(list(argv), **kw)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_tree_has_every_documented_command() -> None:
    for spelled in (
        "init",
        "operators confirm",
        "keyring forget",
        "audit export",
        "import csv",
        "review verify-pack",
        "dsar hold release",
        "dsar due",
        "drill run inject",
        "drill aar export",
        "breach clock",
        "redact history",
        "rules test",
    ):
        assert tuple(spelled.split()) in COMMANDS, spelled
    assert ("review",) in GROUPS and ("dsar", "hold") in GROUPS and ("drill", "run") in GROUPS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "privdesk")
def test_help_on_every_command(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *path, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(" ".join(("usage: privdesk", *path)))


def test_an_action_lists_only_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "decide", "--help")
    assert code == 0
    for own in ("CAMPAIGN", "--agent", "--decision", "--justification", "--workspace", "--json"):
        assert own in out, own
    for other in ("--dormant-days", "--out", "--toxic-rules", "--carry-over", "--scope"):
        assert other not in out, other


@pytest.mark.parametrize("group", GROUPS, ids=" ".join)
def test_unknown_action_is_exit_2_with_one_line(
    group: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *group, "no-such-action")
    assert (code, out) == (2, "")
    assert err.startswith("privdesk: ") and err.count("\n") == 1 and "invalid choice" in err


@pytest.mark.parametrize("group", GROUPS, ids=" ".join)
def test_a_group_without_an_action_lists_its_actions(
    group: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = dict(TREE)[group]
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    code, out, err = run(capsys, *group)
    assert (code, out) == (2, "")
    assert err.startswith(f"privdesk: `privdesk {' '.join(group)}` needs one of: ")
    assert err.count("\n") == 1
    for action in sub.choices:
        assert action in err


def test_global_options_before_and_after_the_command() -> None:
    parser = build_parser()
    for argv in (
        ["--json", "-w", "ws", "review", "list"],
        ["review", "--json", "--workspace", "ws", "list"],
        ["review", "list", "--json", "-w", "ws"],
        ["--allow-insecure-keyring", "dsar", "hold", "list", "-w", "ws", "--json"],
    ):
        args = parser.parse_args(argv)
        assert (args.json, args.workspace) == (True, Path("ws")), argv
    args = parser.parse_args(["drill", "run", "status", "--allow-insecure-keyring"])
    assert (args.allow_insecure_keyring, args.json, args.workspace) == (True, False, None)


def test_headless_cli_says_what_needs_qt(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # `python -m app` has no front ends: each command that needs one stops before any work.
    for argv in (
        [],
        ["selftest"],
        ["demo"],
        ["review", "export", "1", "--out", str(tmp_path / "pack")],
        ["dsar", "export", "DSAR-2026-0001"],
        ["drill", "aar", "export", "1", "--out", str(tmp_path / "aar.pdf")],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (2, ""), argv
        assert err.count("\n") == 1 and "run `privdesk` instead" in err, argv
    assert not any(tmp_path.iterdir())


def test_front_ends_are_handed_in(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    opened: list[Path | None] = []

    def run_gui(workspace: Path | None = None) -> int:
        opened.append(workspace)
        return 0

    fake = Frontends(run_gui=run_gui, qt_probe=lambda: {"ok": False, "detail": "no display"})
    assert run(capsys, frontends=fake)[0] == 0
    assert run(capsys, "-w", str(tmp_path), frontends=fake)[0] == 0
    assert opened == [None, tmp_path]
    code, out, _ = run(capsys, "selftest", frontends=fake)
    assert code == 1 and "Qt:        no display" in out
