"""`privdesk __qt_probe__`: load the Qt platform plugin and report it (used by selftest).

Runs in a child process so a broken Qt install cannot take the CLI process down with it.
"""

from __future__ import annotations

import os


def qt_probe() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import __version__
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication([])
    print(__version__, app.platformName())
    return 0
