"""What the command line needs from the Qt side, handed in by whoever starts it.

`app` never imports `views`: `views/launch.py` (the `privdesk` console script) passes a
`Frontends` with all three; the headless `python -m app` passes none, and a command that
needs a missing one stops with exit 2 and says what to run instead.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.cli.output import UsageError


class GuiRunner(Protocol):
    def __call__(self, workspace: Path | None = None) -> int: ...


class QtProbe(Protocol):
    """Load the Qt platform plugin (in a child process) and report `ok`, `detail`, …"""

    def __call__(self) -> dict[str, Any]: ...


class PdfRenderer(Protocol):
    def __call__(self, html: str, out: Path, *, title: str) -> Path: ...


class FrontendMissing(UsageError):
    pass


_HEADLESS = "this is the headless command line (`python -m app`); run `privdesk` instead"


@dataclass(frozen=True)
class Frontends:
    run_gui: GuiRunner | None = None
    qt_probe: QtProbe | None = None
    render_pdf: PdfRenderer | None = None

    def gui(self) -> GuiRunner:
        if self.run_gui is None:
            raise FrontendMissing(f"the GUI is not available: {_HEADLESS}")
        return self.run_gui

    def probe(self) -> QtProbe:
        if self.qt_probe is None:
            raise FrontendMissing(f"selftest needs the Qt check: {_HEADLESS}")
        return self.qt_probe

    def pdf(self, hint: str = "") -> PdfRenderer:
        if self.render_pdf is None:
            raise FrontendMissing(f"PDF needs Qt's renderer: {_HEADLESS}{hint}")
        return self.render_pdf


def frontends(args: argparse.Namespace) -> Frontends:
    """The front ends `main` put on the parsed arguments."""
    found = getattr(args, "frontends", None)
    return found if isinstance(found, Frontends) else Frontends()
