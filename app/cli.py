"""`privdesk` command line — the composition root.

With no command it opens the GUI (the one place `app` may import `views`). Every other
command is headless and shares the services with the GUI. Conventions: `--json` for
machine output; exit 0 success, 1 a check failed, 2 bad usage or bad input, with a
one-line reason on stderr and never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from app import __version__
from app.errors import PrivDeskError

Handler = Callable[[argparse.Namespace], int]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(PrivDeskError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage; one line is kinder in scripts and matches exit 2.
        sys.stderr.write(f"privdesk: {message} (see `privdesk --help`)\n")
        raise SystemExit(EXIT_BAD_INPUT)


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    from app import cli_workspace as ws

    parser = _Parser(
        prog="privdesk",
        description="PrivDesk — help-desk privacy office console. No command opens the GUI.",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p, top=False)
        p.set_defaults(handler=handler)
        return p

    from app import cli_operators as ops

    p = add("init", ops.cmd_init, "create a new encrypted workspace and its first administrator")
    p.add_argument("--admin", metavar="NAME", help="username of the first administrator")
    p.add_argument("--display-name", help="the administrator's full name")
    p.add_argument("--kit", type=Path, help="where to write the audit verifier kit")
    add("selftest", ws.cmd_selftest, "check SQLCipher, the keyring and Qt on this machine")
    p = add("verify", ws.cmd_verify, "integrity checks: database pages, B-tree, audit chain")
    p.add_argument("--kit", type=Path, help="audit verifier kit (checks every key epoch)")
    p = add("backup", ws.cmd_backup, "write one verified backup file")
    p.add_argument("--to", type=Path, help="backup file (default: WORKSPACE/backups/…)")
    p = add("restore", ws.cmd_restore, "restore a backup into a new workspace folder")
    p.add_argument("file", type=Path, help="backup file (.pdbk)")
    add("rekey", ws.cmd_rekey, "rotate the database key (re-encrypts every page)")
    p = add("keyring", ws.cmd_keyring, "show, enrol or forget this machine's keyring entry")
    p.add_argument("action", choices=["status", "enrol", "forget"])
    add("info", ws.cmd_info, "show workspace facts and how it was unlocked")
    p = add("demo", ws.cmd_demo, "open (creating if needed) the demo workspace in the GUI")
    p.add_argument("--no-gui", action="store_true", help="only create it and print where")
    p.add_argument("--reset", action="store_true", help="delete and recreate the demo workspace")
    p = add("demo-data", ws.cmd_demo_data, "write a deterministic Zendesk-shaped demo export")
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--agents", type=int, default=40)
    p.add_argument("--end-users", type=int, default=400)
    p.add_argument("--tickets", type=int, default=1500)
    p.add_argument("--seed", type=int, default=7)
    add("login", ops.cmd_login, "sign in; prints `export PRIVDESK_SESSION=…`")
    add("logout", ops.cmd_logout, "end the PRIVDESK_SESSION session")
    p = add("operators", ops.cmd_operators, "list and administer operator accounts")
    p.add_argument(
        "action",
        choices=[
            "list",
            "add",
            "disable",
            "enable",
            "reset-mfa",
            "roles",
            "unlock",
            "activate",
            "confirm",
        ],
    )
    p.add_argument("name", nargs="?", help="operator username")
    p.add_argument("--role", action="append", help="role (repeat or comma-separate)")
    p.add_argument("--display-name")
    p.add_argument("--email")
    p = add("audit", ops.cmd_audit, "verify or export the tamper-evident audit log")
    p.add_argument("action", choices=["verify", "export"])
    p.add_argument("--kit", type=Path, help="verifier kit (checks every key epoch)")
    p.add_argument("--from", dest="since", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="until", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")
    from app import cli_helpdesk as hd

    p = add("import", hd.cmd_import, "import help-desk data: a Zendesk export or a CSV")
    p.add_argument("source", choices=["zendesk", "csv"])
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="folder or files")
    p.add_argument("--kind", choices=["agents", "people", "roster"], help="CSV contents")
    p.add_argument("--map", type=Path, metavar="MAPPING.toml", help="CSV column mapping")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    add("status", hd.cmd_status, "counts of imported help-desk data and the last snapshot")
    from app import cli_search

    cli_search.add_arguments(add("search", cli_search.cmd_search, "search tickets and people"))
    from app import cli_dsar

    cli_dsar.add_arguments(add("dsar", cli_dsar.cmd_dsar, "data-subject requests: the DSAR queue"))
    from app import cli_drills

    cli_drills.register(add)
    from app import cli_review

    cli_review.add_arguments(add("review", cli_review.cmd_review, "quarterly access reviews"))
    from app import cli_redaction as rd

    rd.add_redact_arguments(add("redact", rd.cmd_redact, "mask personal data; redact history"))
    rd.add_rules_arguments(add("rules", rd.cmd_rules, "check every redaction rule's examples"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("PRIVDESK_LOG", "WARNING").upper())
    # SQLAlchemy's DEBUG output includes result rows (password hashes, TOTP seeds).
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["__qt_probe__"]:  # internal: selftest's child process
        from views.probe import qt_probe

        return qt_probe()
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.workspace is None and os.environ.get("PRIVDESK_WORKSPACE"):
        args.workspace = Path(os.environ["PRIVDESK_WORKSPACE"])
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return _run_gui(args)
    try:
        return handler(args)
    except PrivDeskError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"status": "error", "error": exc.message}))
        sys.stderr.write(f"privdesk: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("privdesk: cancelled\n")
        return EXIT_BAD_INPUT
    except Exception as exc:
        # Never a traceback for the user (it may quote personal data); the type is enough to
        # report, and PRIVDESK_DEBUG=1 shows the whole thing to a developer.
        if os.environ.get("PRIVDESK_DEBUG") == "1":
            raise
        sys.stderr.write(
            f"privdesk: internal error ({type(exc).__name__}); "
            "run again with PRIVDESK_DEBUG=1 for details\n"
        )
        return EXIT_BAD_INPUT


def _run_gui(args: argparse.Namespace) -> int:
    try:
        from views.app import run_gui  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        sys.stderr.write(f"privdesk: the GUI is not available ({type(exc).__name__})\n")
        return EXIT_BAD_INPUT
    result: int = run_gui(workspace=args.workspace)
    return result


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print `data` as JSON under --json, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(text)
