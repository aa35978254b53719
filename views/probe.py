"""The Qt check of `privdesk selftest`: load the Qt platform plugin in a child process and
report it, so a broken Qt install cannot take the CLI process down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any


def check_qt(probe_arg: str) -> dict[str, Any]:
    """Run `privdesk <probe_arg>` as a child; `ok`, a `detail` line, `version`, `platform`."""
    # A frozen build's executable is privdesk itself, so it is started directly, not with -m.
    frozen = bool(getattr(sys, "frozen", False))
    command = [sys.executable] if frozen else [sys.executable, "-m", "views"]
    try:
        out = subprocess.run(
            [*command, probe_arg],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ok": False, "detail": f"cannot start Qt: {type(exc).__name__}"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["unknown error"])[-1]
        return {"ok": False, "detail": f"Qt platform plugin failed to load: {last[:200]}"}
    version, _, platform = out.stdout.strip().partition(" ")
    return {
        "ok": True,
        "detail": f"PySide6 {version}, platform plugin '{platform}' loads",
        "version": version,
        "platform": platform,
    }


def qt_probe() -> int:
    """In the child: start a QGuiApplication and print the PySide6 version and platform."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import __version__
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication([])
    print(__version__, app.platformName())
    return 0
