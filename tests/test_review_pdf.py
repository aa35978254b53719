"""The evidence PDF's bar charts are proportional, as in the HTML.

The PDF is the pack's HTML laid out by Qt's text engine (`views.reports.pdf.render_pdf`:
QTextDocument on the A4 page of a QPdfWriter). Qt ignores CSS widths and the width of a
table nested in a cell, which made every bar full width in the PDF. This lays the page out
exactly as render_pdf does, paints it, and measures the bars.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import (
    QColor,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.review import evidence
from tests.test_review_campaigns import items_by_agent, make_setup

RED = "#b3261e"  # the findings bars
BLUE = "#3566a8"  # the decisions bars


@pytest.fixture
def setup(admin: Any, tmp_path: Path) -> tuple[Any, Any, str, Any]:
    return make_setup(admin, tmp_path)


def page_image(html: str, tmp_path: Path) -> QImage:
    """The HTML painted the way render_pdf lays it out (same page, margins, resolution)."""
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    width, height = writer.width(), writer.height()
    del writer
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(width, height))
    image = QImage(width, int(doc.size().height()) + 1, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    doc.drawContents(painter)
    painter.end()
    return image


def bar_widths(image: QImage, colour: str) -> list[int]:
    """The width in pixels of each bar of `colour`, top to bottom."""
    target = QColor(colour).rgb()
    widths: list[int] = []
    previous = 0
    for y in range(image.height()):
        n = sum(1 for x in range(0, image.width(), 1) if image.pixel(x, y) == target)
        if n and not previous:
            widths.append(n)
        elif n:
            widths[-1] = max(widths[-1], n)
        previous = n
    return widths


def test_pdf_bars_are_proportional_to_their_counts(setup: Any, tmp_path: Path, qapp: Any) -> None:
    service, _p, _s, campaign = setup
    items = items_by_agent(service, campaign.id)
    service.decide([items[104].id, items[105].id], "revoke", justification="not needed")
    service.decide([items[103].id], "keep")
    captured: list[str] = []
    service.export_pack(
        campaign.id,
        tmp_path / "pack",
        render_pdf=lambda html, path: captured.append(html) or path.write_bytes(b"%PDF"),
    )
    (html,) = captured
    image = page_image(html, tmp_path)

    progress = service.progress(campaign.id)
    counts = list(progress.findings_by_type.values())
    widths = bar_widths(image, RED)
    assert len(widths) == len(counts)
    full = max(widths)
    assert full < image.width() * 0.7  # the longest bar spans 60 % of the page, not all of it
    for n, w in zip(counts, widths, strict=True):
        assert abs(w - full * n / max(counts)) <= 0.02 * image.width(), (n, w, full)
    assert len(set(widths)) > 1 and len(Counter(counts)) > 1

    revoke, keep = bar_widths(image, BLUE)  # decisions, most first: revoke 2, keep 1
    assert progress.decisions == {"revoke": 2, "keep": 1}
    assert abs(revoke - 2 * keep) <= 3


def test_a_zero_count_draws_no_bar() -> None:
    rows = evidence._bar_rows({"revoke": 4, "keep": 1, "modify": 0})
    assert rows == [("revoke", 4, 60), ("keep", 1, 15), ("modify", 0, 0)]
