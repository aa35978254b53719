"""HTML → PDF with Qt's own text engine (QTextDocument → QPdfWriter).

`app/` builds report HTML without Qt; this renders it. The CLI gets it from
`views/launch.py`; with no GUI running it starts an offscreen QGuiApplication for fonts.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument


def _ensure_app() -> None:
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        # Kept on the module so it outlives this call (Qt needs one instance per process).
        global _APP
        _APP = QGuiApplication([])


_APP: QGuiApplication | None = None


def render_pdf(html: str, out: Path, *, title: str, author: str = "PrivDesk") -> Path:
    """Write `html` as an A4 PDF to `out` (written to a temp name, then renamed)."""
    _ensure_app()
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    writer = QPdfWriter(str(partial))
    writer.setTitle(title)
    writer.setCreator(author)
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.print_(writer)
    del writer  # flushes and closes the file
    os.replace(partial, out)
    return out
