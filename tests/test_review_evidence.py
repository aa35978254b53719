"""Evidence pack (manifest verified, hash audited), remediation CSV, proof of revocation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.review import ReviewError
from app.review.evidence import verify_pack
from tests.helpdesk_helpers import audit_events
from tests.test_review_campaigns import stepped_up
from tests.test_review_data import USERS, load_snapshot, officer, review


def signed_off_campaign(admin: Any, tmp_path: Path) -> tuple[Any, Any]:
    load_snapshot(admin, tmp_path)
    priya, secret = officer(admin, email="priya.raman@acme.example")
    service = review(admin, priya)
    c = service.create_campaign()
    items = {i.agent_id: i for i in service.items(c.id)}
    service.decide([items[104].id, items[108].id], "revoke", justification="no longer needed")
    service.decide([items[109].id], "modify", target_role="Tier 1", justification="least privilege")
    service.decide([items[110].id], "modify", target_role="Light agent", justification="=X()")
    rest = [i.id for a, i in items.items() if a not in (104, 108, 109, 110, 111)]
    service.decide(rest, "keep", justification="needed for the support rota")
    fresh = review(admin, stepped_up(admin, priya, secret))
    fresh.sign_off(c.id, carry_over=True, note="all good")
    return fresh, c


def fake_pdf(html: str, path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n" + html[:100].encode())
    return path


def test_evidence_pack_manifest_verifies_and_its_hash_is_audited(
    admin: Any, tmp_path: Path
) -> None:
    service, c = signed_off_campaign(admin, tmp_path)
    pack = service.export_pack(c.id, tmp_path / "pack", render_pdf=fake_pdf)
    names = set(pack.files)
    assert {
        "access-review-1.html",
        "access-review-1.pdf",
        "access-review-1-items.csv",
        "access-review-1.json",
        "access-review-1-remediation.csv",
        "manifest.json",
        "manifest.sha256",
    } == names
    check = verify_pack(tmp_path / "pack")
    assert check.ok and check.pack_sha256 == pack.pack_sha256
    (event,) = audit_events(admin.ctx, "review.export")
    assert event["details"]["pack_sha256"] == pack.pack_sha256

    data = json.loads((tmp_path / "pack" / "access-review-1.json").read_text())
    assert data["campaign"]["status"] == "signed_off"
    assert len(data["items"]) == len(USERS)
    html = (tmp_path / "pack" / "access-review-1.html").read_text()
    assert "Signed off by <b>priya</b>" in html and "least privilege" in html
    assert "Findings by type" in html

    (tmp_path / "pack" / "access-review-1-items.csv").write_text("tampered")
    (tmp_path / "pack" / "extra.txt").write_text("x")
    problems = verify_pack(tmp_path / "pack").problems
    assert problems == (
        "access-review-1-items.csv: modified (SHA-256 differs from the manifest)",
        "extra.txt: not listed in the manifest",
    )


def test_remediation_csv_lists_revocations_and_modifications(admin: Any, tmp_path: Path) -> None:
    service, c = signed_off_campaign(admin, tmp_path)
    rows = list(csv.DictReader(io.StringIO(service.remediation_csv(c.id))))
    assert [(r["agent_id"], r["action"], r["target_role"]) for r in rows] == [
        ("104", "revoke", ""),
        ("108", "revoke", ""),
        ("109", "modify", "Tier 1"),
        ("110", "modify", "Light agent"),
    ]
    assert rows[0]["email"] == "dormant.agent@acme.example"
    assert rows[3]["justification"] == "'=X()"  # no formula injection


def test_proof_of_revocation_after_a_later_snapshot(admin: Any, tmp_path: Path) -> None:
    service, c = signed_off_campaign(admin, tmp_path)
    with pytest.raises(ReviewError, match="newer help-desk snapshot"):
        service.verify_remediation(c.id)
    later = []
    for u in USERS:
        if u["id"] == 108:
            later.append(dict(u, role="end-user", custom_role_id=None))  # downgraded
        elif u["id"] == 109:
            later.append(dict(u, custom_role_id=5001))  # moved to Tier 1 as decided
        else:
            later.append(u)  # 104 revoke and 110 modify were not applied
    load_snapshot(admin, tmp_path, users=later, tag="after", complete=True)
    result = {v.agent_id: (v.status, v.detail) for v in service.verify_remediation(c.id)}
    assert result == {
        104: ("still_present", "still holds Tier 1"),
        108: ("verified", "no longer an agent or admin"),
        109: ("verified", "now Tier 1"),
        110: ("still_present", "still Tier 1 (expected Light agent)"),
    }
    detail = service.item(next(i.id for i in service.items(c.id) if i.agent_id == 104))
    assert detail.history[-1].kind == "verification"
    assert detail.item.verification == "still_present"
    event = audit_events(admin.ctx, "review.verify_remediation")[-1]
    assert event["details"] == {"snapshot_id": 3, "verified": 2, "still_present": 2}


def test_proof_of_revocation_against_a_merged_snapshot_says_so(admin: Any, tmp_path: Path) -> None:
    """Issue 16: a partial import removes nobody, so "still present" names the merge."""
    service, c = signed_off_campaign(admin, tmp_path)
    later = [dict(u, name="Tidy A. Agent") if u["id"] == 112 else u for u in USERS]
    load_snapshot(admin, tmp_path, users=later, tag="page")  # API pages: merged, not complete
    result = {v.agent_id: v.detail for v in service.verify_remediation(c.id)}
    assert result[104] == "still holds Tier 1 (snapshot #3 merged a partial import)"
