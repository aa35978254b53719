"""The application icon and a palette that follows the system's light or dark setting.

Qt 6 reports the desktop's colour scheme (`QStyleHints.colorScheme()`) and tells when it
changes. Windows 11 and macOS styles repaint themselves; elsewhere (Fusion on most Linux
desktops, the offscreen platform) the palette stays light, so we give Fusion a dark one.
`PRIVDESK_THEME=dark|light` overrides the system (screenshots, testing).
"""

from __future__ import annotations

import os
from importlib.resources import files

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QStyleFactory

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

_icon: QIcon | None = None


def app_icon() -> QIcon:
    """The PrivDesk icon from resources/icons/ (PNG sizes, so no SVG plugin is needed)."""
    global _icon
    if _icon is None:
        icon = QIcon()
        folder = files("resources.icons")
        for size in ICON_SIZES:
            pixmap = QPixmap()
            if pixmap.loadFromData((folder / f"privdesk-{size}.png").read_bytes(), "PNG"):
                icon.addPixmap(pixmap)
        _icon = icon
    return _icon


def dark_palette() -> QPalette:
    """A calm dark palette for Fusion; links and selection keep the icon's blue."""
    window, base, text = QColor("#202327"), QColor("#17191c"), QColor("#e6e8eb")
    mid, disabled, accent = QColor("#2c3036"), QColor("#7d838c"), QColor("#3a7bd5")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: mid,
        QPalette.ColorRole.ToolTipBase: mid,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: mid,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Light: QColor("#3a3f46"),
        QPalette.ColorRole.Midlight: QColor("#33383e"),
        QPalette.ColorRole.Mid: QColor("#25282d"),
        QPalette.ColorRole.Dark: QColor("#121416"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: accent,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#7fb2ff"),
        QPalette.ColorRole.LinkVisited: QColor("#b79cff"),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, mid)
    return palette


def wants_dark() -> bool:
    """The user's choice: PRIVDESK_THEME if set, else the desktop's colour scheme."""
    forced = os.environ.get("PRIVDESK_THEME", "").strip().lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


class ThemeFollower(QObject):
    """Applies the palette now and again whenever the desktop switches light/dark."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._native_style = app.style().name()
        self.dark = False
        app.styleHints().colorSchemeChanged.connect(self.apply)
        self.apply()

    def apply(self, *_args: object) -> None:
        dark = wants_dark()
        self.dark = dark
        if dark:
            style = self._app.style()
            if is_dark(style.standardPalette()):
                self._app.setPalette(style.standardPalette())  # the native style is dark
                return
            if style.name().lower() != "fusion":
                self._app.setStyle(QStyleFactory.create("Fusion"))
            self._app.setPalette(dark_palette())
        else:
            if self._app.style().name() != self._native_style:
                self._app.setStyle(QStyleFactory.create(self._native_style))
            self._app.setPalette(self._app.style().standardPalette())


def apply_theme(app: QApplication) -> ThemeFollower:
    """Icon and palette for the whole application (the follower is owned by ``app``)."""
    app.setWindowIcon(app_icon())
    return ThemeFollower(app)
