"""Reports render to real PDF files (views/reports/pdf.py)."""

from __future__ import annotations

import re
from pathlib import Path

from views.reports.pdf import render_pdf


def test_html_report_becomes_a_multi_page_pdf(qapp, tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>agent {i}</td><td>keep</td></tr>" for i in range(400))
    out = render_pdf(f"<h1>Evidence</h1><table>{rows}</table>", tmp_path / "r.pdf", title="E")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type ?/Page[^s]", data)
    assert len(pages) >= 2  # 400 rows do not fit on one A4 page
    assert not (tmp_path / "r.pdf.partial").exists()
