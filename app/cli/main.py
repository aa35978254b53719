"""`privdesk` command line: the parser tree and the dispatch.

Every command is headless and shares the services with the GUI; with no command the GUI
opens, through the front ends `views/launch.py` hands in (`app` never imports `views`).
Conventions: `--json` for machine output; exit 0 success, 1 a check failed, 2 bad usage or
bad input, with a one-line reason on stderr and never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.cli import (
    audit,
    demo,
    drills,
    dsar,
    helpdesk,
    machine,
    operators,
    redaction,
    review,
    search,
    session,
    settings,
    workspace,
)
from app.cli.frontends import Frontends
from app.cli.output import EXIT_BAD_INPUT, fail, report_error
from app.cli.parsing import CliParser, Handler, add_global_options, subcommands
from app.errors import PrivDeskError

# In the order `privdesk --help` lists them.
GROUPS = (
    workspace,
    machine,
    demo,
    session,
    operators,
    audit,
    helpdesk,
    search,
    dsar,
    drills,
    review,
    redaction,
    settings,
)


def build_parser(*, gui: bool = True) -> CliParser:
    opens = "No command opens the GUI." if gui else "Headless: run `privdesk` for the GUI."
    parser = CliParser(
        prog="privdesk",
        description=f"PrivDesk — help-desk privacy office console. {opens}",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    add_global_options(parser, top=True)
    commands = subcommands(parser, "COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


# A reader that closed the pipe early (`privdesk … | head`): quiet, as `yes | head` is; the
# shell's convention for a process ended by SIGPIPE is 128 + 13.
EXIT_BROKEN_PIPE = 141


def main(argv: Sequence[str] | None = None, *, frontends: Frontends | None = None) -> int:
    """Run one command (no command: the GUI) and return its exit code."""
    try:
        code = _run(argv, frontends)
        if sys.stdout is not None:
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # As the Python docs recommend: point stdout at devnull so the flush at exit finds
        # no broken pipe to complain about.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # no real file descriptor behind stdout
            pass
        finally:
            os.close(devnull)
        return EXIT_BROKEN_PIPE


def _run(argv: Sequence[str] | None, frontends: Frontends | None) -> int:
    logging.basicConfig(level=os.environ.get("PRIVDESK_LOG", "WARNING").upper())
    # SQLAlchemy's DEBUG output includes result rows (password hashes, TOTP seeds).
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    try:
        gui = frontends is not None and frontends.run_gui is not None
        args = build_parser(gui=gui).parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version, or a usage error argparse has reported
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.workspace is None and os.environ.get("PRIVDESK_WORKSPACE"):
        args.workspace = Path(os.environ["PRIVDESK_WORKSPACE"])
    args.frontends = chosen = frontends or Frontends()
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if handler is None:
            return chosen.gui()(workspace=args.workspace)
        return handler(args)
    except PrivDeskError as exc:
        return report_error(args, exc)
    except BrokenPipeError:
        raise  # main() ends quietly
    except KeyboardInterrupt:
        fail("cancelled")
        return EXIT_BAD_INPUT
    except Exception as exc:
        # Never a traceback for the user (it may quote personal data); the type is enough to
        # report, and PRIVDESK_DEBUG=1 shows the whole thing to a developer.
        if os.environ.get("PRIVDESK_DEBUG") == "1":
            raise
        fail(f"internal error ({type(exc).__name__}); run again with PRIVDESK_DEBUG=1 for details")
        return EXIT_BAD_INPUT
