"""The command line's entry point: `main` runs one command and returns its exit code.

Light on purpose: importing this module loads no workspace, SQLAlchemy or Qt code. The
offline redaction commands (`redact text`, `redact scan`, `rules test`) are parsed by a
parser holding only their group, so a pipeline that calls `privdesk redact text` once per
file pays for the engine, not for the whole program; every other command line goes to the
full parser tree in :mod:`app.cli.main`. Both parsers are built by :func:`make_parser`, so
the options, help and errors of those commands are the same either way.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

from app import __version__
from app.cli.frontends import Frontends
from app.cli.output import EXIT_BAD_INPUT, fail, report_error
from app.cli.parsing import CliParser, Handler, add_global_options, subcommands
from app.errors import PrivDeskError

# A reader that closed the pipe early (`privdesk … | head`): quiet, as `yes | head` is; the
# shell's convention for a process ended by SIGPIPE is 128 + 13.
EXIT_BROKEN_PIPE = 141

# (group, action) pairs that need no workspace: parsed without importing the rest.
OFFLINE = frozenset({("redact", "text"), ("redact", "scan"), ("rules", "test")})
_VALUE_OPTIONS = frozenset({"--workspace", "-w"})
_FLAG_OPTIONS = frozenset({"--json", "--allow-insecure-keyring"})


def make_parser(groups: Iterable[ModuleType], *, gui: bool = True) -> CliParser:
    """The `privdesk` parser with `groups` (modules with a `register(commands)`)."""
    opens = "No command opens the GUI." if gui else "Headless: run `privdesk` for the GUI."
    parser = CliParser(
        prog="privdesk",
        description=f"PrivDesk — help-desk privacy office console. {opens}",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    add_global_options(parser, top=True)
    commands = subcommands(parser, "COMMAND")
    for group in groups:
        group.register(commands)
    return parser


def offline_command(argv: Sequence[str]) -> bool:
    """True when `argv` is an offline redaction command: its first two words (after
    global options only) are one of :data:`OFFLINE`. Anything else — `--help` before the
    command, an unknown option, a misspelt word — goes to the full parser and its
    messages."""
    words: list[str] = []
    i = 0
    while i < len(argv) and len(words) < 2:
        token = argv[i]
        if not token.startswith("-") or token == "-":
            words.append(token)
        elif words:
            break  # an option between group and action: let the full parser judge it
        elif token in _VALUE_OPTIONS:
            i += 1  # its value
        elif not (
            token in _FLAG_OPTIONS
            or token.startswith("--workspace=")
            or (token.startswith("-w") and len(token) > 2)
        ):
            return False
        i += 1
    return len(words) == 2 and (words[0], words[1]) in OFFLINE


def build_parser(argv: Sequence[str], *, gui: bool) -> CliParser:
    if offline_command(argv):
        from app.cli import redaction

        return make_parser((redaction,), gui=gui)
    from app.cli.main import build_parser as full_parser

    return full_parser(gui=gui)


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
        args = build_parser(argv, gui=gui).parse_args(argv)
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
