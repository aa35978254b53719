"""Which system libraries Qt's xcb platform plugin (a Linux desktop) cannot find, and the
one command that installs them.

PySide6 wheels bring Qt but not the X11/xcb, EGL and fontconfig libraries of the system;
without them Qt says only "could not load the Qt platform plugin xcb". This module runs
``ldd`` on PySide6's ``libqxcb.so`` and maps each missing library to its Debian/Ubuntu
and Fedora package. No Qt is imported here (app/ stays Qt-free).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# library soname (without version) -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape": ("libxcb-shape0", "libxcb"),
    "libxcb-randr": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama": ("libxcb-xinerama0", "libxcb"),
    "libxcb-shm": ("libxcb-shm0", "libxcb"),
    "libxcb-sync": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render": ("libxcb-render0", "libxcb"),
    "libxcb-util": ("libxcb-util1", "xcb-util"),
    "libxcb-xinput": ("libxcb-xinput0", "libxcb"),
    "libxcb": ("libxcb1", "libxcb"),
    "libxkbcommon-x11": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb": ("libx11-xcb1", "libX11-xcb"),
    "libX11": ("libx11-6", "libX11"),
    "libSM": ("libsm6", "libSM"),
    "libICE": ("libice6", "libICE"),
    "libEGL": ("libegl1", "libglvnd-egl"),
    "libGL": ("libgl1", "libglvnd-glx"),
    "libOpenGL": ("libopengl0", "libglvnd-opengl"),
    "libGLX": ("libglx0", "libglvnd-glx"),
    "libfontconfig": ("libfontconfig1", "fontconfig"),
    "libfreetype": ("libfreetype6", "freetype"),
    "libdbus-1": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0": ("libglib2.0-0", "glib2"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


@dataclass(frozen=True)
class DesktopCheck:
    """``missing`` sonames; ``checked`` False when there was nothing to check (not Linux,
    no ldd, no xcb plugin) and ``reason`` says why."""

    checked: bool
    missing: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing

    def debian_packages(self) -> list[str]:
        return packages(self.missing, debian=True)

    def fedora_packages(self) -> list[str]:
        return packages(self.missing, debian=False)

    def apt_line(self) -> str:
        return f"sudo apt-get install {' '.join(self.debian_packages())}" if self.missing else ""

    def dnf_line(self) -> str:
        return f"sudo dnf install {' '.join(self.fedora_packages())}" if self.missing else ""


def missing_from_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports as "not found", once each, in its order."""
    seen: dict[str, None] = {}
    for name in _NOT_FOUND.findall(output):
        seen.setdefault(name, None)
    return list(seen)


def _stem(soname: str) -> str:
    """``libxcb-icccm.so.4`` -> ``libxcb-icccm``."""
    return soname.split(".so", 1)[0]


def packages(sonames: list[str], *, debian: bool = True) -> list[str]:
    """The packages that provide ``sonames`` (an unknown one is named as it is)."""
    found: dict[str, None] = {}
    for soname in sonames:
        pair = PACKAGES.get(_stem(soname))
        found.setdefault(pair[0 if debian else 1] if pair else _stem(soname), None)
    return list(found)


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so``, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def check_desktop() -> DesktopCheck:
    """Run ``ldd`` on the xcb plugin and report what the system lacks."""
    if not sys.platform.startswith("linux"):
        return DesktopCheck(False, reason="not Linux: no system libraries to check")
    plugin = xcb_plugin()
    if plugin is None:
        return DesktopCheck(False, reason="PySide6's xcb platform plugin was not found")
    ldd = shutil.which("ldd")
    if ldd is None:
        return DesktopCheck(False, reason="ldd is not installed")
    try:
        out = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return DesktopCheck(False, reason=f"ldd failed: {type(exc).__name__}")
    return DesktopCheck(True, missing_from_ldd(out.stdout + out.stderr))
