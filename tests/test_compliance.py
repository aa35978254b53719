"""Policies, control-mapped evidence packs and the trust summary (issue 21, part 3), with
the fixed clock of tests/conftest.py (2026-11-27).

The policy document is a real published policy text (tests/data/compliance/README.md).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.compliance.evidence import EvidenceError, EvidenceService, framework, verify_pack
from app.compliance.policies import PolicyError, PolicyService
from app.compliance.trust import TrustError, TrustService
from app.drills.runs import RunService
from app.evidence_types import PROVIDERS, Period, provider
from app.security.auth import AuthService, StepUpRequired
from app.security.guard import PermissionDenied
from app.security.operators import OperatorService
from tests.dsar_helpers import Desk, make_desk
from tests.helpdesk_helpers import audit_events

DATA = Path(__file__).parent / "data" / "compliance"
POLICY = DATA / "code-of-conduct.md"
Q4 = Period(date(2026, 10, 1), date(2026, 12, 31))


@pytest.fixture
def desk(admin: Any) -> Desk:
    return make_desk(admin)


def _auditor(desk: Desk) -> Any:
    desk.admin.clock.advance(30)
    principal, _secret = desk.admin.add_operator("aud", ["auditor"])
    return principal


def _approved(desk: Desk, next_review: date = date(2027, 6, 1)) -> PolicyService:
    svc = PolicyService(desk.ctx, desk.officer)
    svc.add("acceptable-use", "Acceptable use", POLICY, next_review=next_review)
    svc.approve("acceptable-use")
    return svc


# ------------------------------------------------------------------ policies


def test_a_policy_version_keeps_the_documents_hash_and_size(desk: Desk) -> None:
    row = PolicyService(desk.ctx, desk.officer).add(
        "acceptable-use", "Acceptable use", POLICY, next_review=date(2027, 6, 1)
    )
    assert row.sha256 == hashlib.sha256(POLICY.read_bytes()).hexdigest()
    assert (row.size, row.file_name, row.version, row.status) == (
        POLICY.stat().st_size,
        POLICY.name,
        1,
        "draft",
    )
    (event,) = audit_events(desk.ctx, "policies.add")
    assert event["details"]["sha256"] == row.sha256


def test_approving_a_new_version_retires_the_old_one(desk: Desk, tmp_path: Path) -> None:
    svc = _approved(desk)
    v2 = tmp_path / "aup-v2.md"
    v2.write_bytes(POLICY.read_bytes() + b"\nRevised.\n")
    added = svc.add("acceptable-use", "Acceptable use", v2, next_review=date(2027, 6, 1))
    assert added.version == 2 and added.sha256 != svc.policies()[1].sha256
    svc.approve("acceptable-use", 2)
    status = {r.version: r.status for r in svc.policies()}
    assert status == {1: "retired", 2: "approved"}
    with pytest.raises(PolicyError, match="not a draft"):
        svc.approve("acceptable-use", 2)


def test_every_role_acknowledges_but_only_the_officer_manages(desk: Desk) -> None:
    _approved(desk)
    auditor = _auditor(desk)
    lead, _secret = desk.admin.add_operator("lead", ["incident_lead"])
    assert [r.key for r in PolicyService(desk.ctx, lead).in_force()] == ["acceptable-use"]
    with pytest.raises(PermissionDenied):
        PolicyService(desk.ctx, lead).policies()  # drafts and history: compliance roles only
    PolicyService(desk.ctx, lead).acknowledge("acceptable-use")
    mine = PolicyService(desk.ctx, auditor).acknowledge("acceptable-use")
    assert mine.acknowledged_by_me and mine.acknowledgements == 2
    # a second acknowledgement of the same version is not counted twice
    assert PolicyService(desk.ctx, auditor).acknowledge("acceptable-use").acknowledgements == 2
    with pytest.raises(PermissionDenied):
        PolicyService(desk.ctx, auditor).add("x", "X", POLICY, next_review=date(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        PolicyService(desk.ctx, auditor).approve("acceptable-use")
    acks = PolicyService(desk.ctx, desk.officer).acknowledgements(Q4.start, Q4.end)
    assert [(k, v, who) for k, v, who, _at in acks] == [
        ("acceptable-use", 1, "lead"),
        ("acceptable-use", 1, "aud"),
    ]


def test_the_due_list_holds_reviews_within_30_days_or_past(desk: Desk) -> None:
    svc = PolicyService(desk.ctx, desk.officer)
    for key, review in (("soon", date(2026, 12, 20)), ("past", date(2026, 11, 1))):
        svc.add(key, key.title(), POLICY, next_review=review)
        svc.approve(key)
    svc.add("later", "Later", POLICY, next_review=date(2027, 3, 1))
    svc.approve("later")
    svc.add("draft", "Draft only", POLICY, next_review=date(2026, 11, 1))  # not approved
    assert sorted(r.key for r in svc.due()) == ["past", "soon"]


# ------------------------------------------------------------------ evidence packs


def test_every_mapped_kind_has_a_provider() -> None:
    for key in ("gdpr", "soc2", "iso27001", "pci"):
        fw = framework(key)
        assert fw.controls
        for c in fw.controls:
            assert set(c.evidence) <= set(PROVIDERS), (key, c.id)
    assert all(callable(provider(kind)) for kind in PROVIDERS)  # every area is installed
    ids = {c.id for c in framework("soc2").controls}
    assert {"CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3", "CC7.4", "CC9.2"} <= ids


def test_a_pack_lists_its_gaps_and_its_manifest_verifies(desk: Desk, tmp_path: Path) -> None:
    _approved(desk)
    out = tmp_path / "soc2-q4"
    pack = EvidenceService(desk.ctx, desk.officer).pack("soc2", Q4, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    gap = "CC6.2: no access review signed off between 2026-10-01 and 2026-12-31"
    assert gap in pack.gaps and gap in index
    assert (out / "CC6.1" / "policies.csv").is_file()  # the approved policy is evidence
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "CC6.1/policies.csv" in {f["name"] for f in manifest["files"]}
    check = verify_pack(out)
    assert check.ok and check.manifest_sha256 == pack.manifest_sha256
    (event,) = audit_events(desk.ctx, "evidence.pack")
    assert event["details"]["manifest_sha256"] == pack.manifest_sha256
    # an edited, a removed and an added file are each named
    (out / "CC6.1" / "policies.csv").write_text("policy\nforged\n", encoding="utf-8")
    (out / "index.html").unlink()
    (out / "CC6.2" / "extra.txt").write_text("x", encoding="utf-8")
    problems = verify_pack(out).problems
    assert "CC6.1/policies.csv: changed (its SHA-256 differs from the manifest)" in problems
    assert "index.html: missing" in problems
    assert "CC6.2/extra.txt: not listed in the manifest" in problems
    assert not verify_pack(out).ok


def test_a_pack_refuses_a_non_empty_folder_and_leaves_nothing_on_failure(
    desk: Desk, tmp_path: Path
) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(EvidenceError, match="not an empty folder"):
        EvidenceService(desk.ctx, desk.officer).pack("gdpr", Q4, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]

    def broken_pdf(html: str, path: Path) -> None:
        raise OSError("disk full")

    target = tmp_path / "fresh"
    with pytest.raises(OSError, match="disk full"):
        EvidenceService(desk.ctx, desk.officer).pack("gdpr", Q4, target, render_pdf=broken_pdf)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy", "ws"]
    assert audit_events(desk.ctx, "evidence.pack") == []


def test_a_kind_the_packer_may_not_read_is_a_gap_not_a_failure(desk: Desk, tmp_path: Path) -> None:
    """The officer may not verify the audit log (an administrator/auditor duty): the pack
    says so instead of inventing evidence."""
    pack = EvidenceService(desk.ctx, desk.officer).pack("pci", Q4, tmp_path / "pci")
    assert any(g.startswith("10.x: audit_verification not included") for g in pack.gaps)
    auditor = _auditor(desk)
    pack = EvidenceService(desk.ctx, auditor).pack("pci", Q4, tmp_path / "pci-aud")
    assert (tmp_path / "pci-aud" / "10.x" / "audit-verification.json").is_file()
    assert not any("audit_verification not included" in g for g in pack.gaps)


def test_vendor_kind_comes_from_the_vendors_area(desk: Desk, tmp_path: Path) -> None:
    pack = EvidenceService(desk.ctx, desk.officer).pack("soc2", Q4, tmp_path / "v")
    assert not any("vendor_reviews not included" in g for g in pack.gaps)


# ------------------------------------------------------------------ trust summary


def test_the_trust_summary_shows_only_vendors_certifications_that_hold_today(desk: Desk) -> None:
    from app.vendors.records import VendorInput
    from app.vendors.service import VendorService

    today = desk.ctx.clock.now().date()
    vendors = VendorService(desk.ctx, desk.officer)
    vendors.add(VendorInput("mailer", "Mailer Ltd"))
    vendors.add(VendorInput("chat", "Chat Inc"))
    later, earlier = (today + timedelta(days=200)).isoformat(), (today - timedelta(days=1))
    vendors.add_certification("mailer", "SOC 2 Type II", "2026-01-15", later)
    vendors.add_certification("mailer", "ISO/IEC 27001", "2024-01-15", earlier.isoformat())
    vendors.add_certification("chat", "ISO/IEC 27001", "2023-03-01", earlier.isoformat())
    html = TrustService(desk.ctx, desk.officer).preview().html
    assert f"<td>Mailer Ltd</td><td>SOC 2 Type II (valid until {later})</td>" in html
    assert "<td>Chat Inc</td><td>no current certification on file</td>" in html
    assert "ISO/IEC 27001" not in html  # both ISO certificates expired yesterday


def test_trust_summary_comes_from_the_state_and_exports_only_when_approved(
    desk: Desk, tmp_path: Path
) -> None:
    summary = TrustService(desk.ctx, desk.officer).preview()
    f = summary.facts
    assert f.operators_active == 2 and f.operators_mfa == 2  # admin + dpo, both enrolled
    assert "2 of 2 active operators (100%)" in summary.html
    assert "No access review has been signed off yet." in summary.html
    assert "SQLCipher" in summary.html and f.sealed_columns > 0
    out = tmp_path / "trust.html"
    with pytest.raises(TrustError, match="not approved"):
        TrustService(desk.ctx, desk.officer).export(out)
    assert not out.exists()
    desk.admin.clock.advance(400)  # the sign-in's step-up is no longer fresh
    with pytest.raises(StepUpRequired):
        TrustService(desk.ctx, desk.officer).approve()
    approved = TrustService(desk.ctx, desk.stepped_up()).approve(summary.sha256)
    assert approved.sha256 == summary.sha256
    TrustService(desk.ctx, desk.officer).export(out)
    assert out.read_text(encoding="utf-8") == summary.html
    (event,) = audit_events(desk.ctx, "trust.approve")
    assert event["details"]["sha256"] == summary.sha256
    # the state changes (a third operator, still enrolling): the approval no longer fits
    admin = desk.admin
    admin.principal = AuthService(desk.ctx).step_up(admin.principal, admin.code())
    OperatorService(desk.ctx, admin.principal).add("sam", "Sam", ["auditor"])
    changed = TrustService(desk.ctx, desk.officer).preview()
    assert "2 of 2 active operators (100%)" in changed.html
    assert "1 new account(s) cannot sign in until their owner has set up TOTP" in changed.html
    assert changed.sha256 != summary.sha256 and not changed.approved
    # completing the enrolment changes it again
    admin.add_operator("aud", ["auditor"])
    assert "3 of 3 active operators" in TrustService(desk.ctx, desk.officer).preview().html
    with pytest.raises(TrustError, match="not approved"):
        TrustService(desk.ctx, desk.officer).export(tmp_path / "again.html")


def test_real_evidence_lands_in_each_controls_folder_without_personal_data(
    desk: Desk, tmp_path: Path
) -> None:
    """A closed DSAR and a closed drill are evidence (ISO/IEC 27001 5.34, 5.26); the DSAR log
    holds the reference, dates and on-time flag, never the requester's name or e-mail."""
    ref = desk.new().reference
    desk.svc().close(ref, "rejected", reason="manifestly unfounded")
    desk.admin.clock.advance(30)
    lead, _secret = desk.admin.add_operator("lead", ["incident_lead"])
    runs = RunService(desk.ctx, lead)
    run = runs.start("compromised-agent-account", "drill")
    runs.close(run.id)
    auditor = _auditor(desk)
    out = tmp_path / "iso"
    pack = EvidenceService(desk.ctx, auditor).pack("iso27001", Q4, out)
    log = (out / "5.34" / "dsar-log.csv").read_text(encoding="utf-8")
    assert ref in log and ",yes" in log
    assert "Dana" not in log and "dana@" not in log
    assert (out / "5.26" / f"aar-{run.id}.html").is_file()
    assert not any("drill" in g or "data subject request" in g for g in pack.gaps), pack.gaps
    no_run = "no retention run completed with a certificate between 2026-10-01 and 2026-12-31"
    assert f"5.34: {no_run}" in pack.gaps
    summary = TrustService(desk.ctx, auditor).preview()
    assert "1 of 1 closed requests (100%) were answered within the legal deadline" in summary.html
    assert "1 incident-response drill(s) run; the last ended on 2026-11-27" in summary.html
