"""`privdesk` command line: the parser tree and the dispatch.

Every command is headless and shares the services with the GUI; with no command the GUI
opens, through the front ends `views/launch.py` hands in (`app` never imports `views`).
Conventions: `--json` for machine output; exit 0 success, 1 a check failed, 2 bad usage or
bad input, with a one-line reason on stderr and never a traceback. `main` (and the error
handling around every handler) lives in :mod:`app.cli.entry`, which loads this module only
for commands that need it.
"""

from __future__ import annotations

from app.cli import (
    alerts,
    audit,
    demo,
    drills,
    dsar,
    helpdesk,
    inventory,
    logreview,
    machine,
    operators,
    redaction,
    retention,
    review,
    search,
    session,
    settings,
    workspace,
    zendesk,
)
from app.cli.entry import EXIT_BROKEN_PIPE, main, make_parser
from app.cli.parsing import CliParser

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
    alerts,
    logreview,
    review,
    redaction,
    inventory,
    retention,
    settings,
    zendesk,
)


def build_parser(*, gui: bool = True) -> CliParser:
    return make_parser(GROUPS, gui=gui)


__all__ = ["EXIT_BROKEN_PIPE", "GROUPS", "build_parser", "main"]
