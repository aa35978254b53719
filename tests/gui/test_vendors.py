"""Vendors pane (issue 21, part 1): add a vendor through the form, import the Zendesk
integrations, link one, read the findings, review and sign off with step-up; the auditor
reads and every button they cannot use says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.security import totp
from app.vendors.records import VendorInput
from tests.conftest import SignedIn
from tests.gui.conftest import gui_ctx, shoot
from tests.test_vendors import DATA, Office
from views.stepup import StepUpDialog
from views.tasks import SyncTaskRunner
from views.vendors.forms import VendorDialog
from views.vendors.pane import VendorsPane


@pytest.fixture
def office(admin: SignedIn) -> Office:
    return Office(admin)


def make_pane(qtbot: QtBot, admin: SignedIn, principal: Any, tasks: SyncTaskRunner) -> VendorsPane:
    pane = VendorsPane(gui_ctx(admin, principal, tasks))
    qtbot.addWidget(pane)
    pane.resize(1366, 768)
    pane.show()
    pane.refresh()
    return pane


def test_add_import_link_findings_and_review(
    qtbot: QtBot,
    admin: SignedIn,
    office: Office,
    tasks: SyncTaskRunner,
    qtmodeltester: ModelTester,
    tmp_path: Path,
) -> None:
    pane = make_pane(qtbot, admin, office.officer, tasks)
    assert pane.body.state == "empty" and "Add vendor" in pane.body.empty_label.text()
    assert pane.integration_view.state == "empty"
    assert not pane.review_button.isEnabled() and "Select a vendor" in pane.review_button.toolTip()

    pane.add_button.click()
    dialog = pane.findChild(VendorDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.key.setText("Acme!")
    dialog.name.setText("Acme Surveys")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "the key must be lower-case" in dialog.banner.text()
    dialog.key.setText("acme")
    dialog.dpa_signed.setChecked(True)
    dialog.dpa_date.setText("2025-02-01")
    dialog.transfer.setCurrentIndex(dialog.transfer.findData("sccs"))
    dialog.next_review.setText("2027-03-01")
    shoot(dialog, "vendors-form")
    dialog.buttons.accepted.emit()
    assert [v.key for v in pane.vendors.rows()] == ["acme"], pane.banner.text()
    assert "Added vendor Acme Surveys" in pane.banner.text()
    qtmodeltester.check(pane.vendors)

    pane.tabs.setCurrentIndex(1)
    pane.import_from([DATA])
    assert pane.last_import is not None and pane.last_import.added == 9
    assert pane.integrations.rowCount() == 9 and pane.integration_view.state == "content"
    assert not pane.link_button.isEnabled()  # nothing selected
    pane.select_integration("oauth_client:41")
    assert pane.link_button.isEnabled()
    pane.link_choice.setCurrentIndex(pane.link_choice.findData("acme"))
    pane.link_button.click()
    linked = {i.ref: i.vendor for i in pane.integrations.rows()}
    assert linked["oauth_client:41"] == "acme" and linked["app_installation:42"] is None
    token = next(n for n, i in enumerate(pane.integrations.rows()) if i.ref == "oauth_token:7")
    assert pane.integrations.index(token, 6).data() == "acme (via its client)"
    shoot(pane, "vendors-integrations")

    pane.tabs.setCurrentIndex(2)
    types = {f.type for f in pane.findings.rows()}
    assert {"token_unused", "excessive_scope", "app_without_vendor"} <= types
    assert pane.tabs.tabText(2) == f"Findings ({pane.findings.rowCount()})"
    write = next(f for f in pane.findings.rows() if f.subject == "OAuth token 7 (Acme Surveys)")
    assert "tickets:write" in write.detail
    shoot(pane, "vendors-findings")

    pane.tabs.setCurrentIndex(0)
    assert not pane.cert_button.isEnabled() and "Select a vendor" in pane.cert_button.toolTip()
    pane.select_vendor("acme")
    assert "Integrations: Acme Surveys" in pane.detail.text()
    cert = pane.open_certification()
    assert cert is not None
    cert.kind.setCurrentText("ISO/IEC 27001")
    cert.report_date.setText("2023-05-01")
    cert.expires.setText("2026-05-32")
    cert.buttons.accepted.emit()
    assert cert.isVisible() and "is not a date" in cert.banner.text()
    cert.expires.setText("2026-05-01")
    cert.buttons.accepted.emit()
    assert pane.vendors.rows()[0].next_expiry == "2026-05-01", pane.banner.text()
    assert any(f.type == "certificate_expired" for f in pane.findings.rows())
    assert "ISO/IEC 27001 (report 2023-05-01, expires 2026-05-01)" in pane.detail.text()
    pane.review_button.click()
    review = pane.review_dialog
    assert review is not None and review.isVisible()
    for qid in review.answers:
        review.set_answer(qid, "yes")
    review.set_answer("encryption.rest", "partial")
    report = tmp_path / "soc2-type2.pdf"
    report.write_bytes(b"%PDF report")
    review.add_evidence_file(report)
    review.save_button.click()
    assert "Answers saved" in review.banner.text(), review.banner.text()
    assert review.review.evidence[0].name == "soc2-type2.pdf" and review.review.score == 95
    assert "sha256" in review.evidence_list.item(0).text()
    shoot(review, "vendors-review")
    admin.clock.advance(6 * 60)  # the sign-in's code is older than the step-up window
    review.signoff_button.click()
    step_up = pane.findChild(StepUpDialog)
    assert step_up is not None and step_up.isVisible()
    admin.clock.advance(30)
    step_up.code.setText(totp.current_code(office.secret, admin.clock.now()))
    step_up.buttons.accepted.emit()
    assert "signed off: approve" in pane.banner.text(), pane.banner.text()
    row = pane.vendors.rows()[0]
    assert row.last_decision == "approve" and row.next_review == "2027-11-27"
    shoot(pane, "vendors-register")


def test_the_auditor_reads_but_cannot_add_import_link_or_review(
    qtbot: QtBot, admin: SignedIn, office: Office, tasks: SyncTaskRunner
) -> None:
    svc = office.svc()
    svc.add(VendorInput("acme", "Acme Surveys"))
    svc.import_integrations([DATA])
    pane = make_pane(qtbot, admin, office.auditor, tasks)
    assert pane.load_state == "loaded" and pane.vendors.rowCount() == 1
    assert pane.integrations.rowCount() == 9 and pane.findings.rowCount() > 0
    buttons = (pane.add_button, pane.import_button, pane.sync_button, pane.review_button)
    buttons += (pane.link_button,)
    for button in (*buttons, pane.cert_button):
        assert not button.isEnabled() and "role" in button.toolTip()
    pane.select_vendor("acme")
    assert not pane.review_button.isEnabled() and "role" in pane.review_button.toolTip()


def test_the_officer_syncs_the_integrations_from_zendesk(
    qtbot: QtBot, admin: SignedIn, office: Office, tasks: SyncTaskRunner
) -> None:
    """Real HTTP to the local Zendesk server serving the reference integration payloads."""
    from app.security.auth import AuthService
    from app.zendesk.connection import ConnectionService
    from tests.zendesk_server import EMAIL, TOKEN, ZendeskServer

    with ZendeskServer() as server:
        stepped = AuthService(admin.ctx).step_up(admin.principal, admin.code())
        ConnectionService(admin.ctx, stepped, sleep=lambda _s: None).connect(
            subdomain="acme", email=EMAIL, token=TOKEN, base_url=server.url
        )
        pane = make_pane(qtbot, admin, office.officer, tasks)
        pane.tabs.setCurrentIndex(1)
        assert "Sync them from Zendesk" in pane.integration_view.empty_label.text()
        assert pane.sync_button.isEnabled()
        qtbot.mouseClick(pane.sync_button, Qt.MouseButton.LeftButton)
        assert "Read 5 endpoints from Zendesk: 9 integrations added" in pane.banner.text()
        assert pane.integrations.rowCount() == 9 and pane.integration_view.state == "content"
        assert {i.kind for i in pane.integrations.rows()} == {
            "oauth_client", "oauth_token", "app_installation", "api_token", "webhook"
        }  # fmt: skip
