"""Vendor and integration register (issue 21, part 1): the service with its permissions
(VENDORS_VIEW / VENDORS_MANAGE, AUTH-11) and audit, the review questionnaire and its
step-up sign-off (AUTH-10), the importer on Zendesk's reference payloads
(tests/data/zendesk_integrations/), every finding type, the export and the evidence kind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.evidence_types import Period, provider
from app.inventory.service import InventoryService
from app.security import totp
from app.security.auth import AuthService, StepUpRequired
from app.security.guard import PermissionDenied
from app.vendors import questionnaire
from app.vendors.records import VendorError, VendorInput
from app.vendors.service import VendorService
from tests.helpdesk_helpers import audit_events

DATA = Path(__file__).parent / "data" / "zendesk_integrations"


class Office:
    def __init__(self, admin: Any) -> None:
        self.admin = admin
        self.officer, self.secret = admin.add_operator("dpo", ["privacy_officer"])
        self.auditor, _ = admin.add_operator("aud", ["auditor"])

    def svc(self) -> VendorService:
        return VendorService(self.admin.ctx, self.officer)

    def step_up(self) -> None:
        self.admin.clock.advance(30)
        code = totp.current_code(self.secret, self.admin.clock.now())
        self.officer = AuthService(self.admin.ctx).step_up(self.officer, code)


@pytest.fixture
def office(admin: Any) -> Office:
    return Office(admin)


SLACK = VendorInput(
    key="slack",
    name="Slack",
    purpose="Agent chat about tickets",
    categories=("contact",),
    role="processor",
    dpa_signed=True,
    dpa_date="2025-01-10",
    transfer="dpf",
    risk_tier="medium",
    access="read",
    owner="Priya Support Lead",
    next_review="2027-01-10",
)


def answer_all(value: str = "yes") -> dict[str, str]:
    return dict.fromkeys(questionnaire.builtin().ids(), value)


def test_officer_adds_vendors_auditor_reads_only(office: Office) -> None:
    """AUTH-11: VENDORS_MANAGE writes, VENDORS_VIEW reads; refusals are audited."""
    svc = office.svc()
    row = svc.add(SLACK)
    assert (row.key, row.transfer, row.dpa_signed, row.categories) == (
        "slack", "dpf", True, ("contact",),
    )  # fmt: skip
    cert = svc.add_certification("slack", "SOC 2 Type II", "2026-03-01", "2027-02-28")
    assert svc.show("slack").vendor.certifications == (cert,)
    auditor = VendorService(office.admin.ctx, office.auditor)
    assert [v.key for v in auditor.vendors()] == ["slack"]
    with pytest.raises(PermissionDenied):
        auditor.add(VendorInput("acme", "Acme"))
    with pytest.raises(PermissionDenied):
        auditor.start_review("slack")
    assert [e["details"]["attempted"] for e in audit_events(office.admin.ctx, "access.denied")][
        -2:
    ] == ["vendors.add", "vendors.review.start"]
    added = audit_events(office.admin.ctx, "vendors.add")
    assert len(added) == 1 and "Priya" not in added[0]["raw"]  # no personal data audited
    with pytest.raises(VendorError, match="vendor 'slack' exists"):
        svc.add(SLACK)
    svc.update(VendorInput(**{**SLACK.__dict__, "risk_tier": "high"}))
    assert svc.show("slack").vendor.risk_tier == "high"


@pytest.mark.parametrize(
    ("vendor", "message"),
    [
        (VendorInput("Bad Key", "X"), "the key must be lower-case"),
        (VendorInput("x", " "), "the name (the service) is required"),
        (VendorInput("x", "X", transfer="bcr"), "transfer mechanism 'bcr' is not one of"),
        (VendorInput("x", "X", dpa_date="2026-13-01", dpa_signed=True), "is not a date"),
        (VendorInput("x", "X", dpa_date="2026-01-01"), "the DPA is not marked signed"),
    ],
)
def test_bad_vendor_input_is_refused_naming_the_field(
    office: Office, vendor: VendorInput, message: str
) -> None:
    with pytest.raises(VendorError, match=message.replace("(", r"\(").replace(")", r"\)")):
        office.svc().add(vendor)
    assert office.svc().vendors() == ()


def test_data_categories_come_from_the_inventory_when_it_has_them(office: Office) -> None:
    InventoryService(office.admin.ctx, office.officer).inventory()  # installs the categories
    svc = office.svc()
    with pytest.raises(VendorError, match="'chat-logs' is not in the data inventory"):
        svc.add(VendorInput("acme", "Acme", categories=("chat-logs",)))
    assert svc.add(VendorInput("acme", "Acme", categories=("contact",))).categories == ("contact",)


def test_review_scores_hashes_evidence_and_needs_step_up_to_sign_off(
    office: Office, tmp_path: Path
) -> None:
    svc = office.svc()
    svc.add(SLACK)
    review = svc.start_review("slack")
    with pytest.raises(VendorError, match="already has review"):
        svc.start_review("slack")
    report = tmp_path / "soc2-report.pdf"
    report.write_bytes(b"%PDF-1.7 SOC 2 report")
    answers = answer_all("yes") | {"encryption.rest": "no", "logging.audit": "n/a"}
    answered = svc.answer_review(review.id, answers, [report])
    template = questionnaire.builtin()
    weight = {q.id: q.weight for q in template.questions}
    counted = sum(weight.values()) - weight["logging.audit"]
    assert answered.score == round(100 * (counted - weight["encryption.rest"]) / counted)
    assert [(e.name, e.size, e.sha256) for e in answered.evidence] == [
        ("soc2-report.pdf", 21, hashlib.sha256(b"%PDF-1.7 SOC 2 report").hexdigest())
    ]
    with pytest.raises(VendorError, match="answer 'maybe' is not one of"):
        svc.answer_review(review.id, {"access.mfa": "maybe"})
    with pytest.raises(VendorError, match="needs the conditions written down"):
        svc.sign_off_review(review.id, "approve_with_conditions")
    office.admin.clock.advance(6 * 60)  # the sign-in's code is older than the step-up window
    with pytest.raises(StepUpRequired):
        svc.sign_off_review(review.id, "approve_with_conditions", "encrypt backups by Q2")
    office.step_up()
    done = office.svc().sign_off_review(review.id, "approve_with_conditions", "encrypt by Q2")
    assert (done.status, done.signed_off_by, done.decision) == (
        "signed_off", "dpo", "approve_with_conditions",
    )  # fmt: skip
    vendor = office.svc().show("slack").vendor
    assert vendor.next_review == "2027-11-27" and vendor.last_decision == "approve_with_conditions"
    events = audit_events(office.admin.ctx, "vendors.review.signoff")
    assert events[-1]["outcome"] == "ok" and events[-1]["details"]["score"] == done.score
    with pytest.raises(VendorError, match="already signed off"):
        office.svc().answer_review(review.id, {"access.mfa": "no"})


def test_sign_off_refuses_unanswered_questions(office: Office) -> None:
    svc = office.svc()
    svc.add(SLACK)
    review = svc.start_review("slack")
    svc.answer_review(review.id, {"access.mfa": "yes"})
    office.step_up()
    with pytest.raises(VendorError, match="questions unanswered"):
        office.svc().sign_off_review(review.id, "approve")


def test_import_reads_every_endpoint_file_of_the_reference(office: Office) -> None:
    result = office.svc().import_integrations([DATA])
    assert result.by_kind == {
        "oauth_client": 2, "oauth_token": 3, "app_installation": 2, "api_token": 1, "webhook": 1,
    }  # fmt: skip
    assert (result.added, result.updated) == (9, 0)
    rows = {i.ref: i for i in office.svc().integrations()}
    token = rows["oauth_token:1"]  # the reference's own example
    assert (token.scopes, token.used_at, token.parent_id) == (
        ("read",), "2010-01-22T00:11:12Z", "41",
    )  # fmt: skip
    assert rows["oauth_client:1"].name == "My Test Client"
    assert rows["app_installation:42"].name == "Slack"
    assert rows["webhook:01GDXYD7ZTWYP6ZP5AZC1DDTC1"].name == "On-call notifier"
    assert rows["api_token:2305"].scopes == ("read", "write")  # admin-level, unscoped
    office.svc().add(SLACK)
    office.svc().link("app_installation:42", "slack")
    again = office.svc().import_integrations([DATA / "apps_installations.json"])
    assert (again.added, again.updated) == (0, 2)
    assert {i.ref: i for i in office.svc().integrations()}["app_installation:42"].vendor == "slack"
    raw = audit_events(office.admin.ctx, "vendors.integrations.import")[0]["raw"]
    assert "af3t24" not in raw and "Nightly" not in raw


@pytest.mark.parametrize(
    ("file", "mutate", "message"),
    [
        (
            "oauth_tokens.json",
            lambda d: d["tokens"][1].pop("id"),
            "record 1 (tokens[1]): field 'id'",
        ),
        (
            "oauth_tokens.json",
            lambda d: d["tokens"][2].update(scopes=["read", 3]),
            "record 2 (tokens[2]): field 'scopes' is not a list of scopes",
        ),
        (
            "webhooks.json",
            lambda d: d["webhooks"][0].update(created_at="yesterday"),
            "record 0 (webhooks[0]): field 'created_at' is not a time",
        ),
        (
            "apps_installations.json",
            lambda d: d["installations"][1].update(settings={}),
            "record 1 (installations[1]): field 'settings.name' is missing",
        ),
        ("oauth_clients.json", lambda d: d.pop("clients"), 'expected the API envelope {"clients"'),
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(
    office: Office, tmp_path: Path, file: str, mutate: Any, message: str
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(DATA, folder)
    data = json.loads((folder / file).read_text("utf-8"))
    mutate(data)
    (folder / file).write_text(json.dumps(data), "utf-8")
    with pytest.raises(VendorError) as caught:
        office.svc().import_integrations([folder])
    assert caught.value.message.startswith(f"{file}: ") and message in caught.value.message
    assert office.svc().integrations() == ()


def test_a_file_not_named_after_an_endpoint_is_refused(office: Office, tmp_path: Path) -> None:
    other = tmp_path / "tokens.json"
    other.write_text('{"tokens": []}', "utf-8")
    with pytest.raises(VendorError, match="name it after its endpoint"):
        office.svc().import_integrations([other])


def _types(office: Office) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in office.svc().findings():
        out.setdefault(f.type, set()).add(f.subject)
    return out


def test_each_finding_type(office: Office) -> None:
    svc = office.svc()
    svc.import_integrations([DATA])
    svc.add(SLACK)  # read-only access
    svc.add(VendorInput("acme", "Acme Surveys", access="read", next_review="2026-10-01"))
    svc.add(VendorInput("internal", "Internal tools", access="write", next_review="2027-06-01"))
    svc.add_certification("acme", "ISO/IEC 27001", "2023-05-01", "2026-05-01")
    svc.link("app_installation:42", "slack")
    svc.link("oauth_client:41", "acme")
    svc.link("webhook:01GDXYD7ZTWYP6ZP5AZC1DDTC1", "internal")
    found = office.svc().findings()
    by = _types(office)
    assert set(by) == {
        "token_unused", "excessive_scope", "app_without_vendor", "review_overdue",
        "certificate_expired",
    }  # fmt: skip
    # the reference token last used in 2010, and an API token never used since 2025-01-15
    assert by["token_unused"] == {"OAuth token 1 (Acme Surveys)", "Nightly reporting export"}
    unused = next(f for f in found if f.subject == "Nightly reporting export")
    assert "never used since it was created on 2025-01-15" in unused.detail
    # tickets:write on a read-only vendor's client, and impersonate anywhere
    assert by["excessive_scope"] == {
        "OAuth token 7 (Acme Surveys)",
        "OAuth token 9 (My Test Client)",
    }
    write = next(f for f in found if f.subject == "OAuth token 7 (Acme Surveys)")
    assert "tickets:write" in write.detail and "vendor acme needs read-only" in write.detail
    assert by["app_without_vendor"] == {"Translation Helper", "My Test Client"}
    assert by["review_overdue"] == {"Acme Surveys"}
    expired = next(f for f in found if f.type == "certificate_expired")
    assert expired.detail == "vendor acme: certificate ISO/IEC 27001 expired on 2026-05-01"
    # the threshold is the setting vendors.unused_after_days (682 days since 2025-01-15)
    with office.admin.ctx.session() as s:
        office.admin.ctx.settings.set(s, "vendors.unused_after_days", 700)
    assert _types(office)["token_unused"] == {"OAuth token 1 (Acme Surveys)"}


def test_export_csv_and_json(office: Office) -> None:
    svc = office.svc()
    svc.add(SLACK)
    svc.add(VendorInput("evil", '=HYPERLINK("x")'))
    svc.add_certification("slack", "SOC 2 Type II", "2026-03-01", "2027-02-28")
    rows = list(csv.DictReader(io.StringIO(svc.export_text("csv"))))
    assert [r["key"] for r in rows] == ["evil", "slack"]
    assert rows[0]["name"].startswith("'=")  # the one CSV writer neutralises formulas
    assert rows[1]["next_expiry"] == "2027-02-28" and rows[1]["transfer"] == "dpf"
    data = json.loads(svc.export_text("json"))
    assert {"vendors", "reviews", "integrations", "findings"} <= set(data)
    with pytest.raises(VendorError, match="unknown export format 'pdf'"):
        svc.export_text("pdf")


def test_vendor_evidence_for_a_pack(office: Office) -> None:
    """The `vendor_reviews` evidence kind: files for the period, gaps named plainly."""
    svc = office.svc()
    svc.add(SLACK)
    svc.add_certification("slack", "ISO/IEC 27001", "2023-05-01", "2026-05-01")
    make = provider("vendor_reviews")
    q3 = Period(date(2026, 7, 1), date(2026, 9, 30))
    empty = make(office.admin.ctx, office.auditor, q3)
    assert "no vendor review signed off in 2026-07-01 to 2026-09-30" in empty.gaps
    assert "Slack: certificate ISO/IEC 27001 expired on 2026-05-01" in empty.gaps
    assert [f.name for f in empty.files] == ["vendor-certifications.csv"]
    review = svc.start_review("slack")
    svc.answer_review(review.id, answer_all("yes"))
    office.step_up()
    office.svc().sign_off_review(review.id, "approve")
    q4 = Period(date(2026, 10, 1), date(2026, 12, 31))
    got = make(office.admin.ctx, office.auditor, q4)
    assert not any(g.startswith("no vendor review") for g in got.gaps)
    text = next(f for f in got.files if f.name == "vendor-reviews.csv").content.decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["vendor"], row["decision"], row["score"], row["signed_off_by"]) == (
        "slack", "approve", "100", "dpo",
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        make(office.admin.ctx, office.admin.principal, q4)  # the administrator has no VENDORS_VIEW


def test_a_vendor_never_reviewed_is_overdue_and_a_signed_review_clears_it(office: Office) -> None:
    svc = office.svc()
    svc.add(VendorInput("acme", "Acme Surveys"))
    assert [(f.type, f.detail) for f in svc.findings()] == [
        ("review_overdue", "vendor acme was never reviewed")
    ]
    review = svc.start_review("acme")
    svc.answer_review(review.id, answer_all("n/a") | {"access.mfa": "no"})
    office.step_up()
    signed = office.svc().sign_off_review(review.id, "reject")
    assert signed.score == 0 and signed.decision == "reject"
    assert office.svc().findings() == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 'x'\n[[questions]]\nid = 'a'\ntopic = 't'\ntext = 'q'\n", "field 'weight'"),
        (
            "version = 'x'\n"
            + "[[questions]]\nid = 'a'\ntopic = 't'\ntext = 'q'\nweight = 1\n" * 2,
            "id 'a' is used twice",
        ),
        ("[[questions]]\nid = 'a'\n", "'version' is missing"),
        ("version = 'x'\n", "no questions"),
    ],
)
def test_an_edited_questionnaire_is_checked(text: str, message: str) -> None:
    with pytest.raises(VendorError, match=message):
        questionnaire.parse(text, "my-questions.toml")


def test_the_builtin_questionnaire_covers_the_common_topics() -> None:
    topics = {q.topic for q in questionnaire.builtin().questions}
    assert {
        "Access control", "Encryption", "Sub-processors", "Incident response",
        "Retention and deletion", "Certifications", "Data location",
    } <= topics  # fmt: skip
    assert all(q.weight >= 1 for q in questionnaire.builtin().questions)


def test_an_edited_questionnaire_is_used_by_new_reviews_only(
    office: Office, tmp_path: Path
) -> None:
    """Issue 21: the questionnaire is editable as data; a review keeps its own version."""
    svc = office.svc()
    svc.add(VendorInput("acme", "Acme"))
    svc.add(VendorInput("chat", "Chat Inc"))
    old = svc.start_review("acme")
    assert old.questionnaire == questionnaire.builtin().version

    base = svc.questionnaire()
    assert base.origin == "built-in" and base.text.startswith("# The built-in")
    edited = tmp_path / "ours.toml"
    edited.write_text(
        base.text.replace('version = "2026.1"', 'version = "2027-ours"')
        + '\n[[questions]]\nid = "ai.training"\ntopic = "AI"\n'
        'text = "Is our data kept out of model training?"\nweight = 3\n',
        encoding="utf-8",
    )
    kept = svc.import_questionnaire(edited)
    assert kept.version == "2027-ours" and len(kept.questions) == len(base.questions) + 1
    assert svc.questionnaire().version == "2027-ours"
    (event,) = audit_events(office.admin.ctx, "vendors.questionnaire.import")
    assert event["details"]["sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()

    new = svc.start_review("chat")
    assert new.questionnaire == "2027-ours"
    with pytest.raises(VendorError, match=r"no question 'ai\.training'"):
        svc.answer_review(old.id, {"ai.training": "yes"})  # the old review's own questions
    all_yes = dict.fromkeys(questionnaire.builtin().ids(), "yes")
    assert svc.answer_review(old.id, all_yes).score == 100
    assert svc.answer_review(new.id, all_yes).score == 100
    office.step_up()
    assert office.svc().sign_off_review(old.id, "approve").status == "signed_off"
    with pytest.raises(VendorError, match=r"1 questions unanswered \(first: ai.training\)"):
        office.svc().sign_off_review(new.id, "approve")
    assert office.svc().answer_review(new.id, {"ai.training": "no"}).score < 100
    assert office.svc().sign_off_review(new.id, "approve").status == "signed_off"
    assert office.svc().questionnaire("2026.1").origin == "built-in"

    # The same version twice, and a broken file, are refused; nothing is kept.
    with pytest.raises(VendorError, match="version '2027-ours' exists already"):
        svc.import_questionnaire(edited)
    broken = tmp_path / "broken.toml"
    broken.write_text('version = "x"\n[[questions]]\nid = "a"\ntopic = "T"\ntext = "Q"\n')
    with pytest.raises(VendorError, match=r"broken\.toml: question 1: field 'weight'"):
        svc.import_questionnaire(broken)
    assert svc.questionnaire().version == "2027-ours"
    with pytest.raises(PermissionDenied):
        VendorService(office.admin.ctx, office.auditor).import_questionnaire(edited)


def test_an_oauth_tokens_sharply_grown_activity_is_a_finding(
    office: Office, tmp_path: Path
) -> None:
    """Issue 21: "an integration whose access-log activity grew sharply". The access-log
    records are Zendesk's documented example record (tests/data/monitoring/), repeated at
    other times; the tokens are the reference's (user 29)."""
    from datetime import timedelta

    from app.clock import utc_iso
    from app.helpdesk import HelpdeskService

    example = json.loads(
        (
            Path(__file__).parent / "data" / "monitoring" / "access_log_webhook_example.json"
        ).read_text()
    )["access_logs"][0]
    now = office.admin.clock.now()

    def records(user: str, count: int, days_back: tuple[int, int]) -> list[dict[str, Any]]:
        lo, hi = days_back
        span = (hi - lo) * 24 * 60
        return [
            {
                **example,
                "id": f"{user}-{days_back}-{n}",
                "user_id": user,
                "timestamp": utc_iso(now - timedelta(days=lo, minutes=1 + n * span // count)),
            }
            for n in range(count)
        ]

    logs = records("29", 60, (0, 7)) + records("29", 20, (7, 35))  # 60 vs 5 a week
    logs += records("77", 40, (0, 7)) + records("77", 160, (7, 35))  # ordinary: 40 vs 40
    page = tmp_path / "access_logs.json"
    page.write_text(json.dumps({"access_logs": logs}), encoding="utf-8")
    HelpdeskService(office.admin.ctx, office.officer).import_zendesk(page)

    svc = office.svc()
    svc.import_integrations([DATA])
    spikes = [f for f in svc.findings() if f.type == "activity_spike"]
    tokens = json.loads((DATA / "oauth_tokens.json").read_text())["tokens"]
    assert len(spikes) == sum(1 for t in tokens if str(t.get("user_id")) == "29")
    assert spikes[0].detail.endswith(
        "OAuth requests by its user 29 in the access logs: 60 in the last 7 days against a "
        "weekly average of 5 over the 28 before (12.0x)"
    )
    # Session requests are not OAuth: the same growth by browser raises nothing.
    with office.admin.ctx.session() as s:
        from sqlalchemy import update

        from models.helpdesk import AccessLog

        s.execute(update(AccessLog).values(authorization_type="session"))
    assert not [f for f in office.svc().findings() if f.type == "activity_spike"]
