"""HTML reports from Jinja2 templates: hostile text comes out escaped, missing values fail."""

from __future__ import annotations

import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pytest
from markupsafe import escape

from app.drills.aar import AarService, aar_html
from app.drills.runs import RunService
from app.dsar.export import ExportService
from app.dsar.locate import LocateService
from app.reports.templates import nl2br, render
from tests.conftest import SignedIn
from tests.drills_helpers import incident_lead
from tests.dsar_helpers import make_desk
from tests.test_review_campaigns import stepped_up
from tests.test_review_data import load_snapshot, officer, review
from tests.test_review_evidence import fake_pdf

HOSTILE = "<script>alert(1)</script> \"&'<>"
ESCAPED = str(escape(HOSTILE))
TEMPLATES = sorted(
    p.name for p in files("resources.templates").iterdir() if p.name.endswith(".html")
)


def assert_escaped(page: str, count: int = 1) -> None:
    assert "<script>" not in page
    assert page.count(ESCAPED) >= count, page


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_template_rendered_without_its_values_fails_loudly(name: str) -> None:
    with pytest.raises(jinja2.UndefinedError):
        render(name)


def test_a_missing_attribute_fails_instead_of_printing_nothing() -> None:
    class Run:  # an AarReport-shaped object whose run lacks every field
        pass

    class Report:
        run = Run()

    with pytest.raises(jinja2.UndefinedError, match="label"):
        render("drill_aar.html", report=Report(), banner="", phases={}, team_roles={})


def test_every_report_template_is_bundled_and_an_unknown_name_is_an_error() -> None:
    assert {"review_evidence.html", "drill_aar.html", "dsar_summary.html"} <= set(TEMPLATES)
    with pytest.raises(jinja2.TemplateNotFound):
        render("no-such-report.html")


def test_line_breaks_become_br_and_the_text_stays_escaped() -> None:
    assert str(nl2br("a<b>\nc")) == "a&lt;b&gt;<br>c"
    assert str(nl2br(None)) == ""


def test_evidence_pack_escapes_campaign_name_justification_and_sign_off_note(
    admin: SignedIn, tmp_path: Path
) -> None:
    load_snapshot(admin, tmp_path)
    priya, secret = officer(admin)
    service = review(admin, priya)
    c = service.create_campaign(HOSTILE)
    items = service.items(c.id)
    service.decide([items[0].id], "revoke", justification=HOSTILE)
    service.decide([i.id for i in items[1:]], "keep", justification="reviewed")
    fresh = review(admin, stepped_up(admin, priya, secret))
    fresh.sign_off(c.id, carry_over=True, note=HOSTILE)
    rendered: list[str] = []

    def pdf(html: str, path: Path) -> Path:
        rendered.append(html)
        return fake_pdf(html, path)

    fresh.export_pack(c.id, tmp_path / "pack", render_pdf=pdf)
    page = (tmp_path / "pack" / "access-review-1.html").read_text(encoding="utf-8")
    assert_escaped(page, count=4)  # title, heading, sign-off note, justification
    assert rendered == [page]  # rendered once: the same string is the file and the PDF


def test_after_action_report_escapes_observations_and_improvement_items(
    admin: SignedIn,
) -> None:
    lead = incident_lead(admin)
    run = RunService(admin.ctx, lead).start("misdirected-email", "drill")
    aar = AarService(admin.ctx, lead)
    aar.save_observations(run.id, f"{HOSTILE}\nsecond line", HOSTILE)
    aar.add_improvement(run.id, HOSTILE, HOSTILE, None)
    page = aar_html(aar.report(run.id))
    assert_escaped(page, count=4)  # strengths, improvement areas, item, owner
    assert f"<p>{ESCAPED}<br>second line</p>" in page


def test_dsar_summary_escapes_the_requester_name_and_their_comments(
    admin: SignedIn, tmp_path: Path
) -> None:
    desk = make_desk(admin)
    ref = desk.new(requester_name=HOSTILE).reference
    desk.svc().verify(ref, method="email reply from the address on file")
    LocateService(desk.ctx, desk.officer).locate(ref)
    pages: list[Any] = []

    def pdf(html: str, title: str) -> bytes:
        pages.append(html)
        return b"%PDF-1.4\n"

    out = tmp_path / "package.zip"
    ExportService(desk.ctx, desk.stepped_up()).export(ref, out, pdf=pdf)
    with zipfile.ZipFile(out) as z:
        page = z.read("summary.html").decode("utf-8")
    assert_escaped(page)
    assert pages == [page]
