"""The command line's entry point: `main` runs one command and returns its exit code.

Light on purpose: importing this module loads no workspace, SQLAlchemy or Qt code, and a
command line imports only the group of its own first word (:mod:`app.cli.commands`): a
pipeline that calls `privdesk redact text` once per file pays for the engine, not for the
whole program, and `privdesk --help` imports no group at all.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.cli import commands
from app.cli.frontends import Frontends
from app.cli.output import EXIT_BAD_INPUT, fail, report_error
from app.cli.parsing import CliParser, Handler, add_global_options, subcommands
from app.errors import PrivDeskError

# A reader that closed the pipe early (`privdesk … | head`): quiet, as `yes | head` is; the
# shell's convention for a process ended by SIGPIPE is 128 + 13.
EXIT_BROKEN_PIPE = 141


def make_parser(argv: Sequence[str], *, gui: bool = True, everything: bool = False) -> CliParser:
    """The `privdesk` parser for this command line: the full group of its command word
    (`app.cli.commands`), one-line stubs for the others, so only that group is imported."""
    opens = "No command opens the GUI." if gui else "Headless: run `privdesk` for the GUI."
    parser = CliParser(
        prog="privdesk",
        description=f"PrivDesk — help-desk privacy office console. {opens}",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    add_global_options(parser, top=True)
    commands.register(subcommands(parser, "COMMAND"), argv, everything=everything)
    return parser


def main(argv: Sequence[str] | None = None, *, frontends: Frontends | None = None) -> int:
    """Run one command (no command: the GUI) and return its exit code."""
    try:
        code = _run(list(sys.argv[1:] if argv is None else argv), frontends)
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


def _run(argv: list[str], frontends: Frontends | None) -> int:
    logging.basicConfig(level=os.environ.get("PRIVDESK_LOG", "WARNING").upper())
    # SQLAlchemy's DEBUG output includes result rows (password hashes, TOTP seeds).
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    try:
        gui = frontends is not None and frontends.run_gui is not None
        args = make_parser(argv, gui=gui).parse_args(argv)
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
