"""`privdesk` (the console script and the frozen binary): the composition root.

With no command it opens the GUI, otherwise it runs the command line, handing it the three
things only the Qt side has: the GUI, the Qt check for `selftest`, the PDF renderer. Each is
imported when first used, so a headless command never loads Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli.entry import main as cli_main
from app.cli.frontends import Frontends
from app.cli.output import EXIT_BAD_INPUT, fail

QT_PROBE_ARG = "__qt_probe__"  # internal: selftest's child process


def _run_gui(workspace: Path | None = None) -> int:
    try:
        from views.app import run_gui
    except ImportError as exc:
        fail(f"the GUI is not available ({type(exc).__name__})")
        return EXIT_BAD_INPUT
    return run_gui(workspace=workspace)


def _qt_probe() -> dict[str, Any]:
    from views.probe import check_qt

    return check_qt(QT_PROBE_ARG)


def _render_pdf(html: str, out: Path, *, title: str) -> Path:
    from views.reports.pdf import render_pdf

    return render_pdf(html, out, title=title)


FRONTENDS = Frontends(run_gui=_run_gui, qt_probe=_qt_probe, render_pdf=_render_pdf)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == [QT_PROBE_ARG]:
        from views.probe import qt_probe

        return qt_probe()
    return cli_main(args, frontends=FRONTENDS)
