"""`privdesk` command line: the parser tree and the dispatch.

Every command is headless and shares the services with the GUI; with no command the GUI
opens, through the front ends `views/launch.py` hands in (`app` never imports `views`).
Conventions: `--json` for machine output; exit 0 success, 1 a check failed, 2 bad usage or
bad input, with a one-line reason on stderr and never a traceback. `main` (and the error
handling around every handler) lives in :mod:`app.cli.entry`; which module registers each
command word is in :mod:`app.cli.commands` (a new group goes there).
"""

from __future__ import annotations

from app.cli.entry import EXIT_BROKEN_PIPE, main, make_parser
from app.cli.parsing import CliParser


def build_parser(*, gui: bool = True) -> CliParser:
    """The whole parser tree, every group imported (for tests and tools that walk it)."""
    return make_parser([], gui=gui, everything=True)


__all__ = ["EXIT_BROKEN_PIPE", "build_parser", "main"]
