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
    from views.flow import AppFlow
    from views.tasks import QtTaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("PrivDesk")
    app.setOrganizationName("PrivDesk")
    app.setApplicationDisplayName("PrivDesk")
    # Windows come and go (picker → sign-in → main window); the flow decides when to quit.
    app.setQuitOnLastWindowClosed(False)

    tasks = QtTaskRunner()
    flow = AppFlow(tasks)
    flow.picker.closed.connect(flow.quit)
    flow.start(workspace)
    code = app.exec()
    tasks.cancel_all()
    tasks.wait_for_done(10_000)
    flow.shutdown()
    return int(code)
