"""QR codes for TOTP enrolment, drawn by segno (pure Python, no image library)."""

from __future__ import annotations

import io

from PySide6.QtGui import QPixmap


def qr_pixmap(uri: str, *, scale: int = 5) -> QPixmap:
    """The otpauth:// URI as a QR code; the URI holds the TOTP secret, so it is never saved."""
    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap
