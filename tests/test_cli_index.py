"""`privdesk` imports only the group of the command it runs (issue 22: `--help` < 150 ms):
the index in app/cli/commands.py must say exactly what every module registers."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from app.cli.commands import GROUPS


def _registered(module: str) -> list[tuple[str, str]]:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    importlib.import_module(f"app.cli.{module}").register(sub)
    helps = {a.dest: a.help for a in sub._choices_actions}
    return [(name, str(helps[name])) for name in sub.choices]


@pytest.mark.parametrize(("module", "words"), GROUPS, ids=[m for m, _ in GROUPS])
def test_the_index_lists_every_word_a_module_registers_with_its_help(
    module: str, words: tuple[tuple[str, str], ...]
) -> None:
    assert _registered(module) == list(words)


def test_no_word_is_claimed_by_two_modules() -> None:
    names = [name for _module, words in GROUPS for name, _help in words]
    assert len(names) == len(set(names))


PROBE = """
import contextlib, io, json, sys
from app.cli.entry import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(json.loads(sys.argv[1]))
loaded = sorted(m for m in sys.modules if m.startswith("app.cli.") or m.split(".")[0] in
                ("sqlalchemy", "PySide6", "app"))
print(json.dumps({"code": code, "loaded": loaded, "out": out.getvalue()}))
"""


def _probe(*argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(argv))],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_top_level_help_lists_every_command_and_imports_no_group() -> None:
    result = _probe("--help")
    assert result["code"] == 0
    for _module, words in GROUPS:
        for name, _help in words:
            assert f"    {name} " in str(result["out"]) or f"    {name}\n" in str(result["out"])
    loaded = set(result["loaded"])  # type: ignore[call-overload]
    groups = {f"app.cli.{m}" for m, _ in GROUPS}
    assert not loaded & groups
    assert not any(m.startswith(("sqlalchemy", "PySide6")) for m in loaded)


def test_a_group_help_loads_that_group_only() -> None:
    result = _probe("review", "--help")
    assert result["code"] == 0 and "decide" in str(result["out"])
    loaded = set(result["loaded"])  # type: ignore[call-overload]
    assert "app.cli.review" in loaded
    assert not {"app.cli.dsar", "app.cli.zendesk", "app.cli.inventory"} & loaded
