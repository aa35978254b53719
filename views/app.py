"""GUI entry point: `run_gui(workspace)` (called by `privdesk` with no command).

Imports only Qt and the picker at module level: the first window must be on screen
before SQLAlchemy, the crypto stack or matplotlib are loaded (they load inside jobs).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication


def run_gui(workspace: Path | None = None) -> int:
    """Show the workspace picker (or open ``workspace``), run the event loop, return its code."""
    from app import APP_ID
    from views.flow import AppFlow
    from views.start.welcome import open_demo
    from views.tasks import QtTaskRunner
    from views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("PrivDesk")
    app.setOrganizationName("PrivDesk")
    app.setApplicationDisplayName("PrivDesk")
    # Wayland/X11 match windows to packaging/linux/org.privdesk.PrivDesk.desktop by this id.
    app.setDesktopFileName(APP_ID)
    apply_theme(app)  # icon + a palette that follows the system's light/dark setting
    # Windows come and go (picker → sign-in → main window); the flow decides when to quit.
    app.setQuitOnLastWindowClosed(False)

    tasks = QtTaskRunner()
    flow = AppFlow(tasks)
    flow.picker.closed.connect(flow.quit)
    flow.picker.demoRequested.connect(lambda: open_demo(flow.picker, tasks, flow.open_workspace))
    flow.start(workspace)
    code = app.exec()
    tasks.cancel_all()
    tasks.wait_for_done(10_000)
    flow.shutdown()
    return int(code)
