"""The parser tree: one-line usage errors, the global options on every level, groups whose
actions are subparsers dispatched through `set_defaults(handler=…)`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from app.cli.output import EXIT_BAD_INPUT, UsageError

Handler = Callable[[argparse.Namespace], int]


class CliParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage; one line is kinder in scripts and matches exit 2.
        sys.stderr.write(f"privdesk: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """`--workspace/-w`, `--json`, `--allow-insecure-keyring`, before or after any command.

    Below the top level the defaults are SUPPRESS, so a subcommand that is not given the
    option leaves what the top level parsed.
    """
    default: Any = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--workspace",
        "-w",
        type=Path,
        default=default,
        help="workspace folder (default: $PRIVDESK_WORKSPACE)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="machine-readable output",
    )
    parser.add_argument(
        "--allow-insecure-keyring",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="accept a keyring backend below priority 1 (e.g. keyrings.alt); not recommended",
    )


def subcommands(parser: argparse.ArgumentParser, metavar: str) -> argparse._SubParsersAction[Any]:
    # Not required: a group given no action gets its own message listing the actions.
    return parser.add_subparsers(metavar=metavar, parser_class=CliParser)


def add_command(
    sub: argparse._SubParsersAction[Any], name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """A leaf: `name` with its own options, run by `handler`."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_global_options(parser, top=False)
    parser.set_defaults(handler=handler)
    return parser


def add_group(
    sub: argparse._SubParsersAction[Any], name: str, help_text: str, *, metavar: str = "ACTION"
) -> argparse._SubParsersAction[Any]:
    """A group of actions (`privdesk review …`); without an action it lists them."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    add_global_options(parser, top=False)
    actions = subcommands(parser, metavar)
    parser.set_defaults(handler=_needs_action(parser.prog, actions))
    return actions


def _needs_action(prog: str, actions: argparse._SubParsersAction[Any]) -> Handler:
    def handler(_args: argparse.Namespace) -> int:
        names = ", ".join(actions.choices)
        raise UsageError(f"`{prog}` needs one of: {names} (see `{prog} --help`)")

    return handler
