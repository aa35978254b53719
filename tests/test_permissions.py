"""Every public method of every service, for every role (AUTH-11; SECURITY.md §3.6).

The methods are discovered, not listed by hand: every module under `app/` is imported and
every subclass of `app.security.guard.Service` contributes its public methods. Each
(role, method) cell is either *allowed* — the call reaches the permission check, is let
through, and raises no `PermissionDenied` (a domain error such as "already closed" is
fine) — or *refused* with `PermissionDenied`, audited as `access.denied`.

The expectations are the README's role table, written out as role sets in `TABLE` below
(not derived from `ROLE_PERMISSIONS`, so a change to either side shows up here). A new
public service method without a row fails `test_every_public_service_method_has_a_row`.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

import app
from app.compliance.policies import PolicyService
from app.demodata import generate
from app.drills.aar import AarService
from app.drills.library import PlaybookService, RosterService
from app.drills.runs import RunService
from app.dsar.erasure import ErasureService
from app.dsar.locate import LocateService
from app.dsar.records import NewRequest
from app.dsar.requests import DsarService
from app.errors import PrivDeskError
from app.evidence_types import Period
from app.helpdesk import HelpdeskService
from app.inventory.records import SystemRow
from app.monitoring.library import RuleService
from app.monitoring.logreview import LogReviewService
from app.monitoring.service import AlertService
from app.redaction.service import RedactionService
from app.retention.policies import Policy
from app.review.service import ReviewService
from app.security.guard import PermissionDenied, Service
from app.security.operators import OperatorService
from app.security.permissions import Role
from app.vendors import questionnaire
from app.vendors.records import VendorInput
from app.vendors.service import VendorService
from models.security import AuditEntry
from tests.drills_helpers import long_sessions
from tests.dsar_helpers import DANA
from tests.helpdesk_helpers import ZENDESK
from tests.helpers_auth import World, events, install_fake_keyring, make_world
from tests.test_review_data import load_snapshot

# ------------------------------------------------------------------ the README's role table

ADMIN = frozenset({Role.ADMINISTRATOR.value})
OFFICER = frozenset({Role.PRIVACY_OFFICER.value})
LEAD = frozenset({Role.INCIDENT_LEAD.value})
REDACTOR = frozenset({Role.REDACTION_ADMIN.value})
AUDITOR = frozenset({Role.AUDITOR.value})
EVERYONE = frozenset(r.value for r in Role)
NOBODY: frozenset[str] = frozenset()

# "auditor: read-only everything, the audit log and its export"
AUDIT_LOG = ADMIN | AUDITOR  # administrator: "view/verify the audit log"
WORKSPACE_HEALTH = ADMIN | OFFICER | AUDITOR
HELPDESK_READ = ADMIN | OFFICER | REDACTOR | AUDITOR
REVIEW_READ = OFFICER | AUDITOR
DSAR_READ = OFFICER | AUDITOR
DRILLS_READ = LEAD | AUDITOR
REDACTION_READ = REDACTOR | AUDITOR
PII = OFFICER  # "privacy_officer: … reveal personal data"
INVENTORY_READ = OFFICER | AUDITOR
MONITORING_READ = OFFICER | AUDITOR
COMPLIANCE_READ = OFFICER | AUDITOR
VENDORS_READ = OFFICER | AUDITOR
VENDOR_DATA = Path(__file__).parent / "data" / "zendesk_integrations"
TRAINING_READ = OFFICER | AUDITOR  # TRAINING_VIEW; TRAINING_MANAGE is the officer's
TRAINING_DATA = Path(__file__).parent / "data" / "training"

ROLES = sorted(EVERYONE)

Call = Callable[[Any, SimpleNamespace, str], object]  # (service, world, role) -> result


@dataclass(frozen=True)
class Row:
    """Who may call the method, with sample arguments; `step_up` if it needs a fresh code."""

    roles: frozenset[str]
    call: Call
    step_up: bool = False
    guarded: bool = True  # False: pure computation on what the caller already holds
    why: str = ""


def r(roles: frozenset[str], call: Call, *, step_up: bool = False) -> Row:
    return Row(roles, call, step_up)


def pure(call: Call, why: str) -> Row:
    return Row(EVERYONE, call, guarded=False, why=why)


def _new(kind: str, role: str) -> NewRequest:
    return NewRequest(
        **DANA,
        request_type=kind,
        regime="uk-gdpr",
        received_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        notes=f"made by {role}",
    )


AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PLAYBOOK_KEY = "compromised-agent-account"

# Keys are "Service.method", or "Service.method[case]" for a second way to call it.
TABLE: dict[str, Row] = {
    # ---- operators (administrator: "operators")
    "OperatorService.list": r(ADMIN | AUDITOR, lambda s, w, r: s.list()),
    "OperatorService.allowed_actions": r(
        ADMIN | AUDITOR, lambda s, w, r: s.allowed_actions(f"t-roles-{r}")
    ),
    "OperatorService.add": r(
        ADMIN, lambda s, w, r: s.add(f"new-{r}", "New", ["auditor"]), step_up=True
    ),
    "OperatorService.disable": r(ADMIN, lambda s, w, r: s.disable(f"t-disable-{r}"), step_up=True),
    "OperatorService.enable": r(ADMIN, lambda s, w, r: s.enable(f"t-enable-{r}"), step_up=True),
    "OperatorService.set_roles": r(
        ADMIN, lambda s, w, r: s.set_roles(f"t-roles-{r}", ["incident_lead"]), step_up=True
    ),
    "OperatorService.reset_mfa": r(ADMIN, lambda s, w, r: s.reset_mfa(f"t-mfa-{r}"), step_up=True),
    "OperatorService.unlock": r(ADMIN, lambda s, w, r: s.unlock(f"t-unlock-{r}")),
    # ---- audit log
    "AuditService.query": r(AUDIT_LOG, lambda s, w, r: s.query()),
    "AuditService.page": r(AUDIT_LOG, lambda s, w, r: s.page()),
    "AuditService.actors_and_actions": r(AUDIT_LOG, lambda s, w, r: s.actors_and_actions()),
    "AuditService.verify": r(AUDIT_LOG, lambda s, w, r: s.verify()),
    "AuditService.export": r(AUDITOR, lambda s, w, r: s.export("json", since=AT.date())),
    # ---- workspace, keys, backups, settings (administrator)
    "AdminService.verify": r(WORKSPACE_HEALTH, lambda s, w, r: s.verify()),
    "AdminService.backup": r(ADMIN, lambda s, w, r: s.backup(w.tmp / f"backup-{r}.pdbk")),
    "AdminService.list_backups": r(ADMIN | AUDITOR, lambda s, w, r: s.list_backups()),
    "AdminService.rekey": r(ADMIN, lambda s, w, r: s.rekey(), step_up=True),
    "AdminService.keyring_status": r(EVERYONE, lambda s, w, r: s.keyring_status()),
    "AdminService.enrol_keyring": r(ADMIN, lambda s, w, r: s.enrol_keyring()),
    "AdminService.forget_keyring": r(ADMIN, lambda s, w, r: s.forget_keyring(), step_up=True),
    "AdminService.idle_timeout_s": r(EVERYONE, lambda s, w, r: s.idle_timeout_s()),
    "AdminService.set_idle_timeout_s": r(ADMIN, lambda s, w, r: s.set_idle_timeout_s(4 * 3600)),
    "SettingsService.list": r(EVERYONE, lambda s, w, r: s.list()),
    "SettingsService.set": r(ADMIN, lambda s, w, r: s.set("idle_timeout_s", 4 * 3600)),
    "SettingsService.set[dsar]": r(OFFICER, lambda s, w, r: s.set("dsar.timezone", "UTC")),
    "SettingsService.reset": r(ADMIN, lambda s, w, r: s.reset("step_up_window_s")),
    # ---- help-desk data (privacy officer; read by all who work on it)
    "HelpdeskService.import_zendesk": r(
        ADMIN | OFFICER, lambda s, w, r: s.import_zendesk(ZENDESK / "api", preview=True)
    ),
    "HelpdeskService.import_csv": r(
        ADMIN | OFFICER, lambda s, w, r: s.import_csv("roster", w.roster, preview=True)
    ),
    "HelpdeskService.status": r(HELPDESK_READ, lambda s, w, r: s.status()),
    "HelpdeskService.snapshots": r(HELPDESK_READ, lambda s, w, r: s.snapshots()),
    "HelpdeskService.directory": r(HELPDESK_READ, lambda s, w, r: s.directory("dana")),
    "HelpdeskService.directory[reveal]": r(
        PII, lambda s, w, r: s.directory("dana", reveal=True, reason="checking a DSAR")
    ),
    "SearchService.search": r(HELPDESK_READ, lambda s, w, r: s.search("printer")),
    # ---- Zendesk API connector (issue 18): administrator connects, privacy officer syncs
    "ConnectionService.connect": r(
        ADMIN,
        lambda s, w, r: s.connect(
            subdomain="acme", email="a@example.com", token="t", base_url="ftp://not-http.example"
        ),
        step_up=True,
    ),
    "ConnectionService.status": r(HELPDESK_READ, lambda s, w, r: s.status()),
    "ConnectionService.disconnect": r(ADMIN, lambda s, w, r: s.disconnect(), step_up=True),
    "SyncService.sync": r(OFFICER, lambda s, w, r: s.sync(["webhooks"])),
    "SearchService.search[reveal]": r(
        PII, lambda s, w, r: s.search("printer", reveal=True, reason="checking a DSAR")
    ),
    # ---- data inventory (privacy officer manages; auditor reads)
    "InventoryService.inventory": r(INVENTORY_READ, lambda s, w, r: s.inventory()),
    "InventoryService.save": r(OFFICER, lambda s, w, r: s.save(SystemRow(f"s-{r}", "System"))),
    "InventoryService.export_text": r(INVENTORY_READ, lambda s, w, r: s.export_text("csv")),
    "InventoryService.scan": r(OFFICER, lambda s, w, r: s.scan()),
    "InventoryService.last_scan": r(INVENTORY_READ, lambda s, w, r: s.last_scan()),
    # ---- training and awareness (privacy officer manages; auditor reads)
    "TrainingService.programmes": r(TRAINING_READ, lambda s, w, r: s.programmes()),
    "TrainingService.add_programme": r(
        OFFICER, lambda s, w, r: s.add_programme(f"Privacy {r}", roles=("agent",))
    ),
    "TrainingService.import_completions": r(
        OFFICER,
        lambda s, w, r: s.import_completions(
            TRAINING_DATA / "moodle-course-completion.csv", programme="none"
        ),
    ),
    "TrainingService.import_phishing": r(
        OFFICER, lambda s, w, r: s.import_phishing(TRAINING_DATA / "gophish-results.json")
    ),
    "TrainingService.status": r(TRAINING_READ, lambda s, w, r: s.status()),
    "TrainingService.phishing_results": r(TRAINING_READ, lambda s, w, r: s.phishing_results()),
    "TrainingService.quizzes": r(TRAINING_READ, lambda s, w, r: s.quizzes()),
    "TrainingService.evidence": r(TRAINING_READ, lambda s, w, r: s.evidence(AT, AT)),
    "TrainingService.export_quiz": r(
        OFFICER,
        lambda s, w, r: s.export_quiz("privacy-basics", "x@example.com", w.tmp / f"q-{r}.html"),
    ),
    "TrainingService.import_quiz_results": r(
        OFFICER, lambda s, w, r: s.import_quiz_results(TRAINING_DATA / "README.md")
    ),
    "RetentionService.policies": r(INVENTORY_READ, lambda s, w, r: s.policies()),
    "RetentionService.add": r(
        OFFICER, lambda s, w, r: s.add(Policy(f"p-{r}", "tickets", "review", older_than_days=9))
    ),
    "RetentionService.show": r(INVENTORY_READ, lambda s, w, r: s.show("p-privacy_officer")),
    "RetentionService.simulate": r(INVENTORY_READ, lambda s, w, r: s.simulate("none")),
    "RetentionService.start": r(OFFICER, lambda s, w, r: s.start("none"), step_up=True),
    "RetentionService.run": r(OFFICER, lambda s, w, r: s.run(999_999)),
    "RetentionService.holds": r(INVENTORY_READ, lambda s, w, r: s.holds()),
    "RetentionService.add_hold": r(OFFICER, lambda s, w, r: s.add_hold("tag", "x", "counsel")),
    # ---- access reviews (privacy officer runs them; auditor reads)
    "CampaignService.create_campaign": r(
        OFFICER, lambda s, w, r: s.create_campaign(f"Q4 by {r}", due_date=date(2026, 12, 20))
    ),
    "CampaignService.campaigns": r(REVIEW_READ, lambda s, w, r: s.campaigns()),
    "CampaignService.campaign": r(REVIEW_READ, lambda s, w, r: s.campaign(w.campaign)),
    "CampaignService.items": r(REVIEW_READ, lambda s, w, r: s.items(w.campaign)),
    "CampaignService.item": r(REVIEW_READ, lambda s, w, r: s.item(w.item)),
    "CampaignService.findings": r(REVIEW_READ, lambda s, w, r: s.findings(w.campaign)),
    "DecisionService.decide": r(
        OFFICER, lambda s, w, r: s.decide([w.item], "revoke", justification="left the team")
    ),
    "DecisionService.preview_bulk": r(OFFICER, lambda s, w, r: s.preview_bulk([w.item])),
    "DecisionService.decide_bulk": r(
        OFFICER,
        lambda s, w, r: s.decide_bulk([w.item], "revoke", justification="left the team"),
    ),
    "DecisionService.change_decision": r(
        OFFICER,
        lambda s, w, r: s.change_decision(
            w.item, "revoke", reason="second look", justification="left the team"
        ),
    ),
    "CampaignService.reassign": r(OFFICER, lambda s, w, r: s.reassign([w.item], "priya")),
    "CampaignService.comment": r(OFFICER, lambda s, w, r: s.comment(w.item, "asked the lead")),
    "CampaignService.progress": r(REVIEW_READ, lambda s, w, r: s.progress(w.campaign)),
    "CampaignService.sign_off": r(
        OFFICER, lambda s, w, r: s.sign_off(w.campaign, carry_over=True), step_up=True
    ),
    "ReviewService.permission_counts": r(
        REVIEW_READ, lambda s, w, r: s.permission_counts(w.campaign)
    ),
    "ReviewService.who_can": r(
        REVIEW_READ, lambda s, w, r: s.who_can(w.campaign, "ticket_editing")
    ),
    "ReviewService.directory_permissions": r(
        REVIEW_READ, lambda s, w, r: s.directory_permissions(permission="ticket_editing")
    ),
    "ReviewService.diff": r(REVIEW_READ, lambda s, w, r: s.diff(w.campaign)),
    "ReviewService.verify_remediation": r(
        OFFICER, lambda s, w, r: s.verify_remediation(w.campaign)
    ),
    "ReviewService.remediation_csv": r(OFFICER, lambda s, w, r: s.remediation_csv(w.campaign)),
    "ReviewService.export_pack": r(
        REVIEW_READ, lambda s, w, r: s.export_pack(w.campaign, w.tmp / f"pack-{r}")
    ),
    "ReviewService.settings": r(REVIEW_READ, lambda s, w, r: s.settings()),
    "ReviewService.update_settings": r(OFFICER, lambda s, w, r: s.update_settings(dormant_days=90)),
    "ReviewService.set_dormant_days": r(OFFICER, lambda s, w, r: s.set_dormant_days(90)),
    "ReviewService.set_toxic_rules": r(OFFICER, lambda s, w, r: s.set_toxic_rules("[]")),
    "ReviewService.choices": r(REVIEW_READ, lambda s, w, r: s.choices()),
    # ---- DSAR queue (privacy officer; auditor reads; reveal needs pii.reveal)
    "DsarService.create": r(OFFICER, lambda s, w, r: s.create(_new("access", r))),
    "DsarService.list": r(DSAR_READ, lambda s, w, r: s.list()),
    "DsarService.get": r(DSAR_READ, lambda s, w, r: s.get(w.access)),
    "DsarService.get[reveal]": r(
        PII, lambda s, w, r: s.get(w.access, reveal=True, reason="identity check")
    ),
    "DsarService.transition": r(OFFICER, lambda s, w, r: s.transition(w.fresh, "verifying")),
    "DsarService.start_verification": r(OFFICER, lambda s, w, r: s.start_verification(w.fresh)),
    "DsarService.verify": r(OFFICER, lambda s, w, r: s.verify(w.fresh, method="video call")),
    "DsarService.pause": r(OFFICER, lambda s, w, r: s.pause(w.fresh)),
    "DsarService.resume": r(OFFICER, lambda s, w, r: s.resume(w.fresh)),
    "DsarService.extend": r(OFFICER, lambda s, w, r: s.extend(w.fresh, reasons="complex")),
    "DsarService.close": r(
        OFFICER, lambda s, w, r: s.close(w.fresh, "rejected", reason="manifestly unfounded")
    ),
    "DsarService.draft_letter": r(
        DSAR_READ, lambda s, w, r: s.draft_letter(w.access, "acknowledgement")
    ),
    "DsarService.save_letter": r(
        OFFICER, lambda s, w, r: s.save_letter(w.access, "acknowledgement", "Dear Dana")
    ),
    "DsarService.settings": r(DSAR_READ, lambda s, w, r: s.settings()),
    "DsarService.set_setting": r(OFFICER, lambda s, w, r: s.set_setting("timezone", "UTC")),
    "DsarService.dashboard": r(DSAR_READ, lambda s, w, r: s.dashboard()),
    "DsarService.allowed_actions": r(DSAR_READ, lambda s, w, r: s.allowed_actions(w.erasure)),
    "LocateService.locate": r(OFFICER, lambda s, w, r: s.locate(w.access)),
    "LocateService.items": r(DSAR_READ, lambda s, w, r: s.items(w.access)),
    "LocateService.set_included": r(
        OFFICER, lambda s, w, r: s.set_included(w.access, [("person", w.dana)], True)
    ),
    "ExportService.export": r(
        OFFICER, lambda s, w, r: s.export(w.access, w.tmp / f"dsar-{r}.zip"), step_up=True
    ),
    "ErasureService.preview": r(DSAR_READ, lambda s, w, r: s.preview(w.erasure)),
    "ErasureService.erase": r(OFFICER, lambda s, w, r: s.erase(w.erasure), step_up=True),
    "ErasureService.certificate": r(DSAR_READ, lambda s, w, r: s.certificate(w.erasure)),
    "ErasureService.holds": r(DSAR_READ, lambda s, w, r: s.holds()),
    "ErasureService.add_hold": r(
        OFFICER, lambda s, w, r: s.add_hold("ticket", 424242, "legal-hold", "litigation")
    ),
    "ErasureService.release_hold": r(OFFICER, lambda s, w, r: s.release_hold(w.hold)),
    # ---- drills and incidents (incident lead; auditor reads)
    "RunService.start": r(LEAD, lambda s, w, r: s.start(PLAYBOOK_KEY, "drill")),
    "RunService.list_runs": r(DRILLS_READ, lambda s, w, r: s.list_runs()),
    "RunService.detail": r(DRILLS_READ, lambda s, w, r: s.detail(w.run)),
    "RunService.step": r(LEAD, lambda s, w, r: s.step(w.run, "triage", "note", note="ok")),
    "RunService.deliver_due_injects": r(LEAD, lambda s, w, r: s.deliver_due_injects(w.run)),
    "RunService.acknowledge_inject": r(
        LEAD, lambda s, w, r: s.acknowledge_inject(w.run, w.inject, "handled")
    ),
    "RunService.add_inject": r(LEAD, lambda s, w, r: s.add_inject(w.run, 30, "Press call")),
    "RunService.note": r(LEAD, lambda s, w, r: s.note(w.run, "bridge open")),
    "RunService.close": r(LEAD, lambda s, w, r: s.close(w.closing_run)),
    "BreachService.update": r(
        LEAD, lambda s, w, r: s.update(w.run, {"measures": "password reset"})
    ),
    "BreachService.decide_awareness": r(
        LEAD, lambda s, w, r: s.decide_awareness(w.run, w.aware_at, "logs confirmed it")
    ),
    "BreachService.decide_risk": r(
        LEAD, lambda s, w, r: s.decide_risk(w.run, "risk", "contact data exposed")
    ),
    "BreachService.set_to_follow": r(
        LEAD, lambda s, w, r: s.set_to_follow(w.run, w.breach_item, True)
    ),
    "BreachService.mark_authority_notified": r(
        LEAD, lambda s, w, r: s.mark_authority_notified(w.run, delay_reasons="n/a")
    ),
    "BreachService.close_task": r(LEAD, lambda s, w, r: s.close_task(w.run, 1, "provided")),
    "BreachNotices.notices": r(DRILLS_READ, lambda s, w, r: s.notices(w.run)),
    "BreachService.allowed_actions": r(DRILLS_READ, lambda s, w, r: s.allowed_actions(w.run)),
    "BreachNotices.save_notice": r(
        LEAD, lambda s, w, r: s.save_notice(w.run, "sa_notice", "Dear authority")
    ),
    "BreachNotices.approve_notice": r(LEAD, lambda s, w, r: s.approve_notice(w.run, "sa_notice")),
    "BreachNotices.export_notice": r(
        DRILLS_READ, lambda s, w, r: s.export_notice(w.run, "sa_notice", "Dear authority")
    ),
    "AarService.report": r(DRILLS_READ, lambda s, w, r: s.report(w.run)),
    "AarService.record_export": r(DRILLS_READ, lambda s, w, r: s.record_export(w.run, "pdf")),
    "AarService.save_observations": r(
        LEAD, lambda s, w, r: s.save_observations(w.run, "fast triage", "roster was stale")
    ),
    "AarService.add_improvement": r(
        LEAD, lambda s, w, r: s.add_improvement(w.run, "Update roster", "Ivan", None)
    ),
    "AarService.set_improvement_status": r(
        LEAD, lambda s, w, r: s.set_improvement_status(w.improvement, "in_progress")
    ),
    "AarService.improvements": r(DRILLS_READ, lambda s, w, r: s.improvements()),
    "AarService.trends": r(DRILLS_READ, lambda s, w, r: s.trends()),
    "AarService.incident_metrics": r(DRILLS_READ, lambda s, w, r: s.incident_metrics()),
    "PlaybookService.list_playbooks": r(DRILLS_READ, lambda s, w, r: s.list_playbooks()),
    "PlaybookService.get": r(DRILLS_READ, lambda s, w, r: s.get(PLAYBOOK_KEY)),
    "PlaybookService.text": r(DRILLS_READ, lambda s, w, r: s.text(PLAYBOOK_KEY)),
    "PlaybookService.history": r(DRILLS_READ, lambda s, w, r: s.history(PLAYBOOK_KEY)),
    "PlaybookService.save": r(LEAD, lambda s, w, r: s.save(w.playbook, f"edited by {r}")),
    "PlaybookService.import_file": r(LEAD, lambda s, w, r: s.import_file(w.playbook_file)),
    "PlaybookService.export_text": r(DRILLS_READ, lambda s, w, r: s.export_text(PLAYBOOK_KEY)),
    "PlaybookService.export_file": r(
        DRILLS_READ, lambda s, w, r: s.export_file(PLAYBOOK_KEY, w.tmp / f"pb-{r}.toml")
    ),
    "RosterService.list_members": r(DRILLS_READ, lambda s, w, r: s.list_members()),
    "RosterService.save": r(LEAD, lambda s, w, r: s.save("incident_lead", f"Deputy {r}")),
    "RosterService.remove": r(LEAD, lambda s, w, r: s.remove(w.member)),
    # ---- redaction (redaction admin: rules and history redaction; auditor reads)
    "RedactionService.rules": r(REDACTION_READ, lambda s, w, r: s.rules()),
    "RedactionService.versions": r(REDACTION_READ, lambda s, w, r: s.versions("credit_card")),
    "RedactionService.engine": r(REDACTION_READ, lambda s, w, r: s.engine()),
    "RedactionService.save_rule": r(
        REDACTOR, lambda s, w, r: s.save_rule(w.card_rule.with_changes(score=0.7))
    ),
    "RedactionService.set_enabled": r(REDACTOR, lambda s, w, r: s.set_enabled("credit_card", True)),
    "RedactionService.delete_rule": r(REDACTOR, lambda s, w, r: s.delete_rule("no_such_rule")),
    "RedactionService.revert": r(REDACTOR, lambda s, w, r: s.revert("credit_card", 1)),
    "RedactionService.export_rules": r(REDACTION_READ, lambda s, w, r: s.export_rules()),
    "RedactionService.import_rules": r(REDACTOR, lambda s, w, r: s.import_rules(w.rules_toml)),
    "RedactionService.impact": r(REDACTION_READ, lambda s, w, r: s.impact(max_tickets=5)),
    "RedactionService.cases": r(REDACTION_READ, lambda s, w, r: s.cases()),
    "RedactionService.add_case": r(
        REDACTOR, lambda s, w, r: s.add_case(f"case {r}", "call 020 7946 0000", [])
    ),
    "RedactionService.set_case_labels": r(REDACTOR, lambda s, w, r: s.set_case_labels(w.case, [])),
    "RedactionService.import_demo_cases": r(
        REDACTOR, lambda s, w, r: s.import_demo_cases(w.demo, limit=3)
    ),
    "RedactionService.evaluate_cases": pure(
        lambda s, w, r: s.evaluate_cases(w.engine, []),
        "scores an engine the caller already obtained (under redaction.view) on given cases",
    ),
    "HistoryService.runs": r(REDACTION_READ, lambda s, w, r: s.runs()),
    "HistoryService.start": r(REDACTOR, lambda s, w, r: s.start(["credit_card"]), step_up=True),
    "HistoryService.resume": r(REDACTOR, lambda s, w, r: s.resume(w.history_run), step_up=True),
    "HistoryService.run": r(REDACTOR, lambda s, w, r: s.run(w.history_run)),
    "HistoryService.export_plan": r(
        REDACTOR,
        lambda s, w, r: s.export_plan(w.tmp / f"plan-{r}.csv", ["credit_card"]),
        step_up=True,
    ),
    # ---- monitoring (privacy officer works alerts; auditor reads; lead sees escalated)
    "AlertService.run": r(OFFICER, lambda s, w, r: s.run()),
    "AlertService.schedule": r(OFFICER, lambda s, w, r: s.schedule()),
    "AlertService.list_alerts": r(MONITORING_READ | LEAD, lambda s, w, r: s.list_alerts()),
    "AlertService.show": r(MONITORING_READ | LEAD, lambda s, w, r: s.show(w.alert)),
    "AlertService.ack": r(OFFICER, lambda s, w, r: s.ack(w.alert)),
    "AlertService.dismiss": r(OFFICER, lambda s, w, r: s.dismiss(w.alert, "test", suppress_days=1)),
    "AlertService.escalate": r(OFFICER, lambda s, w, r: s.escalate(w.alert)),
    "RuleService.rules": r(MONITORING_READ, lambda s, w, r: s.rules()),
    "RuleService.rule": r(MONITORING_READ, lambda s, w, r: s.rule("new_ip")),
    "RuleService.export_rules": r(MONITORING_READ, lambda s, w, r: s.export_rules()),
    "RuleService.import_rules": r(OFFICER, lambda s, w, r: s.import_rules(w.monitoring_rules)),
    "RuleService.import_file": r(OFFICER, lambda s, w, r: s.import_file(w.monitoring_file)),
    "TimelineService.access_volume": r(MONITORING_READ, lambda s, w, r: s.access_volume()),
    "LogReviewService.status": r(MONITORING_READ, lambda s, w, r: s.status()),
    "LogReviewService.start": r(OFFICER, lambda s, w, r: s.start()),
    "LogReviewService.show": r(MONITORING_READ, lambda s, w, r: s.show(w.log_review)),
    "LogReviewService.signoff": r(
        OFFICER, lambda s, w, r: s.signoff(w.log_review, "ok"), step_up=True
    ),
    "LogReviewService.export": r(
        MONITORING_READ, lambda s, w, r: s.export(w.log_review, w.tmp / f"log-review-{r}")
    ),
    # ---- compliance (privacy officer manages; auditor reads; every role acknowledges)
    "PolicyService.policies": r(COMPLIANCE_READ, lambda s, w, r: s.policies()),
    "PolicyService.due": r(COMPLIANCE_READ, lambda s, w, r: s.due()),
    "PolicyService.in_force": r(EVERYONE, lambda s, w, r: s.in_force()),
    "PolicyService.add": r(
        OFFICER, lambda s, w, r: s.add(f"p-{r}", "Policy", w.policy_file, next_review=w.review)
    ),
    "PolicyService.approve": r(OFFICER, lambda s, w, r: s.approve("cp-draft")),
    "PolicyService.retire": r(OFFICER, lambda s, w, r: s.retire("cp-retire")),
    "PolicyService.acknowledge": r(EVERYONE, lambda s, w, r: s.acknowledge("cp-approved")),
    "PolicyService.acknowledgements": r(
        COMPLIANCE_READ, lambda s, w, r: s.acknowledgements(w.review, w.review)
    ),
    # the folder is not empty: the call stops after its permission check, before any
    # provider (each checks its own area's permission) runs
    "EvidenceService.pack": r(
        COMPLIANCE_READ, lambda s, w, r: s.pack("gdpr", Period(w.review, w.review), w.tmp)
    ),
    "TrustService.preview": r(COMPLIANCE_READ, lambda s, w, r: s.preview()),
    "TrustService.approve": r(OFFICER, lambda s, w, r: s.approve(), step_up=True),
    "TrustService.export": r(COMPLIANCE_READ, lambda s, w, r: s.export(w.tmp / f"trust-{r}.html")),
    # ---- vendors and integrations (privacy officer manages; auditor reads)
    "VendorService.vendors": r(VENDORS_READ, lambda s, w, r: s.vendors()),
    "VendorService.show": r(VENDORS_READ, lambda s, w, r: s.show("acme")),
    "VendorService.add": r(OFFICER, lambda s, w, r: s.add(VendorInput(f"v-{r}", "Vendor"))),
    "VendorService.update": r(OFFICER, lambda s, w, r: s.update(VendorInput("acme", "Acme"))),
    "VendorService.add_certification": r(
        OFFICER, lambda s, w, r: s.add_certification("acme", "SOC 2 Type II", "2026-01-01")
    ),
    "VendorService.start_review": r(OFFICER, lambda s, w, r: s.start_review("acme")),
    "VendorService.answer_review": r(
        OFFICER, lambda s, w, r: s.answer_review(w.vendor_review, {"access.mfa": "yes"})
    ),
    "VendorService.sign_off_review": r(
        OFFICER, lambda s, w, r: s.sign_off_review(w.vendor_review, "approve"), step_up=True
    ),
    "VendorService.reviews": r(VENDORS_READ, lambda s, w, r: s.reviews()),
    "VendorService.integrations": r(VENDORS_READ, lambda s, w, r: s.integrations()),
    "VendorService.import_integrations": r(
        OFFICER, lambda s, w, r: s.import_integrations([VENDOR_DATA])
    ),
    # no connection in this world: an allowed call stops at "not connected" (a domain error)
    "VendorService.sync_integrations": r(OFFICER, lambda s, w, r: s.sync_integrations()),
    "VendorService.questionnaire": r(VENDORS_READ, lambda s, w, r: s.questionnaire()),
    "VendorService.import_questionnaire": r(
        OFFICER, lambda s, w, r: s.import_questionnaire(w.questionnaire_file(r))
    ),
    "VendorService.link": r(OFFICER, lambda s, w, r: s.link("app_installation:42", "acme")),
    "VendorService.findings": r(VENDORS_READ, lambda s, w, r: s.findings()),
    "VendorService.export_text": r(VENDORS_READ, lambda s, w, r: s.export_text("csv")),
}

TARGETED = ("disable", "enable", "roles", "mfa", "unlock")


# ------------------------------------------------------------------ discovery


def _all_services() -> list[type[Service]]:
    for mod in pkgutil.walk_packages(app.__path__, "app."):
        if not mod.name.endswith("__main__"):
            importlib.import_module(mod.name)
    found: list[type[Service]] = []
    todo = list(Service.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.append(cls)
            todo += cls.__subclasses__()
    return found


def public_methods() -> dict[str, type[Service]]:
    """ "Service.method" for every public method a Service subclass defines itself."""
    out: dict[str, type[Service]] = {}
    for cls in _all_services():
        for name, value in vars(cls).items():
            fn = value.__func__ if isinstance(value, staticmethod | classmethod) else value
            if not name.startswith("_") and (inspect.isfunction(fn) or isinstance(value, property)):
                out[f"{cls.__name__}.{name}"] = cls
    return out


METHODS = public_methods()


def _method(key: str) -> str:
    return key.split("[")[0]


def test_every_public_service_method_has_a_row() -> None:
    """AUTH-11: a new public service method without an expectation fails here."""
    missing = sorted(set(METHODS) - {_method(k) for k in TABLE})
    assert not missing, (
        "public service methods without a permission row: "
        + ", ".join(missing)
        + " — add each to TABLE in tests/test_permissions.py with the roles the README's "
        "role table lets call it, and sample arguments"
    )
    stale = sorted({_method(k) for k in TABLE} - set(METHODS))
    assert not stale, f"TABLE rows for methods that no longer exist: {', '.join(stale)}"


def test_the_discovery_finds_the_services_it_must() -> None:
    """The walk over app/ sees every area (so an empty walk cannot pass the test above)."""
    names = {cls.__name__ for cls in _all_services()}
    assert {
        "OperatorService",
        "AuditService",
        "DsarService",
        "ErasureService",
        "ExportService",
        "BreachService",
        "HistoryService",
        "ReviewService",
        "CampaignService",
    } <= names


def test_the_read_only_role_writes_nothing_and_reveals_nothing() -> None:
    """AUTH-11: the auditor may call only reads (and the audit export); the key writes of
    the issue are each allowed to exactly one role."""
    assert TABLE["ErasureService.erase"].roles == OFFICER
    assert TABLE["ExportService.export"].roles == OFFICER
    assert TABLE["BreachService.update"].roles == LEAD
    assert TABLE["HistoryService.start"].roles == REDACTOR
    assert TABLE["DecisionService.decide"].roles == OFFICER
    assert TABLE["DecisionService.decide_bulk"].roles == OFFICER
    assert TABLE["DecisionService.change_decision"].roles == OFFICER
    assert TABLE["CampaignService.sign_off"].roles == OFFICER
    assert TABLE["AuditService.export"].roles == AUDITOR
    assert TABLE["DsarService.get[reveal]"].roles == PII


# ------------------------------------------------------------------ the world


@dataclass
class Guarded:
    service: str
    permission: str
    action: str
    step_up: bool
    granted: bool = False


@dataclass
class Spy:
    calls: list[Guarded] = field(default_factory=list)


@pytest.fixture(scope="module")
def spy() -> Iterator[Spy]:
    """Record every `Service.authorized` entry: which permission, whether it let the call in."""
    watch = Spy()
    original = Service.authorized

    @contextlib.contextmanager
    def authorized(
        self: Service,
        permission: Any,
        *,
        action: str,
        step_up: bool = False,
        read_only: bool = False,
    ):
        record = Guarded(type(self).__name__, str(permission), action, step_up)
        watch.calls.append(record)
        kw = {"read_only": read_only}
        with original(self, permission, action=action, step_up=step_up, **kw) as pair:
            record.granted = True
            yield pair

    patch = pytest.MonkeyPatch()
    patch.setattr(Service, "authorized", authorized)
    yield watch
    patch.undo()


def _questionnaire(tmp: Path, role: str) -> Path:
    """An edited questionnaire with a version of its own per role (versions are unique)."""
    path = tmp / f"questionnaire-{role}.toml"
    text = questionnaire.builtin().text.replace('version = "2026.1"', f'version = "edit-{role}"')
    path.write_text(text, encoding="utf-8")
    return path


def _build(w: World, tmp: Path) -> SimpleNamespace:
    """A DSAR of each kind, a drill with a breach record, a campaign, rules, a hold…"""
    from tests.test_review_data import USERS, write_roster

    ctx, clock = w.ctx, w.clock
    long_sessions(w.signed)
    admin = w.admin().principal
    officer = w.members[Role.PRIVACY_OFFICER.value]
    lead = w.members[Role.INCIDENT_LEAD.value]
    redactor = w.members[Role.REDACTION_ADMIN.value]

    ops = OperatorService(ctx, admin)
    for role in ROLES:
        for kind in TARGETED:
            ops.add(f"t-{kind}-{role}", "Target", ["auditor"])
        ops.disable(f"t-enable-{role}")

    load_snapshot(w.signed, tmp)
    HelpdeskService(ctx, admin).import_zendesk(ZENDESK / "api")
    roster = write_roster(tmp / "roster.csv", USERS)

    # Access review
    review = ReviewService(ctx, officer.principal)
    campaign = review.create_campaign("Q4", due_date=date(2026, 12, 20))
    item = review.items(campaign.id)[0].id

    # DSARs: an access request located and in progress, an erasure one, a fresh one
    dsar = DsarService(ctx, officer.principal)
    locate = LocateService(ctx, officer.principal)
    access = dsar.create(_new("access", "world")).reference
    dsar.verify(access, method="video call")
    located = locate.locate(access)
    dana = next(i.ref for i in located if i.kind == "person")
    erasure = dsar.create(_new("erasure", "world")).reference
    dsar.verify(erasure, method="video call")
    locate.locate(erasure)
    fresh = dsar.create(_new("access", "world")).reference
    hold = ErasureService(ctx, officer.principal).add_hold("ticket", 1, "legal-hold", "court")

    # Drills
    runs = RunService(ctx, lead.principal)
    run = runs.start(PLAYBOOK_KEY, "drill").id
    closing_run = runs.start(PLAYBOOK_KEY, "drill").id
    clock.advance(15 * 60)
    runs.deliver_due_injects(run)
    inject = runs.detail(run).injects[0].id
    aar = AarService(ctx, lead.principal)
    improvement = aar.add_improvement(run, "Update roster", "Ivan", None)
    member = RosterService(ctx, lead.principal).save("incident_lead", "Ivan Lead")
    playbooks = PlaybookService(ctx, lead.principal)
    playbook = playbooks.text(PLAYBOOK_KEY)
    playbook_file = tmp / "playbook.toml"
    playbook_file.write_text(playbook)

    # Redaction
    redaction = RedactionService(ctx, redactor.principal)
    card = next(i for i in redaction.rules() if i.rule_id == "credit_card")
    case = redaction.add_case("a phone", "call 020 7946 0000", []).id
    rules_toml = redaction.export_rules()
    demo = tmp / "demo"
    generate(demo, agents=2, end_users=5, tickets=5)

    # Monitoring: one run over the imported Zendesk logs, and a rules file to import
    monitoring = AlertService(ctx, officer.principal)
    alerts = monitoring.run().alerts or tuple(monitoring.list_alerts())
    monitoring_rules = RuleService(ctx, officer.principal).rule("new_ip")[1]
    monitoring_file = tmp / "monitoring.toml"
    monitoring_file.write_text(monitoring_rules.replace("version = 1", "version = 2"))
    log_review = LogReviewService(ctx, officer.principal).start().id

    # Compliance: a draft, an approved and a retirable policy
    policy_file = tmp / "policy.md"
    policy_file.write_text("# Acceptable use\n", encoding="utf-8")
    review_day = date(2027, 6, 1)
    policies = PolicyService(ctx, officer.principal)
    for key in ("cp-draft", "cp-approved", "cp-retire"):
        policies.add(key, key, policy_file, next_review=review_day)
    policies.approve("cp-approved")
    # Vendors: one vendor, the reference integrations, a review ready to sign off
    vendors = VendorService(ctx, officer.principal)
    vendors.add(VendorInput("acme", "Acme"))
    vendors.import_integrations([VENDOR_DATA])
    vendor_review = vendors.start_review("acme").id
    vendors.answer_review(vendor_review, dict.fromkeys(questionnaire.builtin().ids(), "yes"))
    return SimpleNamespace(
        policy_file=policy_file,
        review=review_day,
        tmp=tmp,
        demo=demo,
        roster=roster,
        campaign=campaign.id,
        item=item,
        access=access,
        erasure=erasure,
        fresh=fresh,
        dana=dana,
        hold=hold.id,
        run=run,
        closing_run=closing_run,
        inject=inject,
        aware_at=clock.now() - timedelta(minutes=5),
        breach_item="record_categories",
        improvement=improvement,
        member=member,
        playbook=playbook,
        playbook_file=playbook_file,
        card_rule=card.rule,
        case=case,
        rules_toml=rules_toml,
        engine=redaction.engine(),
        history_run=1,
        alert=alerts[0].id if alerts else 1,
        monitoring_rules=monitoring_rules,
        monitoring_file=monitoring_file,
        log_review=log_review,
        vendor_review=vendor_review,
        questionnaire_file=lambda role: _questionnaire(tmp, role),
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, spy: Spy) -> Iterator[tuple[World, Any]]:
    with install_fake_keyring():
        tmp = tmp_path_factory.mktemp("permissions")
        w = make_world(tmp / "ws")
        try:
            yield w, _build(w, tmp)
        finally:
            w.ctx.close()


def _last_seq(ctx: Any) -> int:
    with ctx.read_session() as s:
        return int(s.scalar(select(func.max(AuditEntry.seq))) or 0)


# ------------------------------------------------------------------ the matrix


@pytest.mark.parametrize("key", sorted(TABLE))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(world: tuple[World, Any], spy: Spy, role: str, key: str) -> None:
    """AUTH-11: each (role, method) cell is allowed or refused as the README's role table
    says; a refusal is `PermissionDenied` and one `access.denied` event for this operator."""
    w, objects = world
    row = TABLE[key]
    cls = METHODS[_method(key)]
    member = w.members[role]
    if row.step_up:  # so a refusal can only come from the permission check
        w.step_up(member)
    service = cls(w.ctx, member.principal)
    before, first = _last_seq(w.ctx), len(spy.calls)

    if role not in row.roles:
        with pytest.raises(PermissionDenied):
            row.call(service, objects, role)
        denied = events(w.ctx, "access.denied", after=before)
        assert [(e.actor, e.session_id, e.outcome) for e in denied] == [
            (member.username, member.principal.session_id, "denied")
        ], f"{key} refused {role} without exactly one audited denial"
        return

    try:
        row.call(service, objects, role)
    except PermissionDenied as exc:
        pytest.fail(f"{role} must be allowed {key}, got PermissionDenied: {exc}")
    except PrivDeskError:
        pass  # a domain error ("already closed", "not found") is not a permission answer
    calls = spy.calls[first:]
    if not row.guarded:
        assert calls == [], f"{key} is listed as pure but checked a permission"
        return
    assert calls, (
        f"{key} raised before reaching its permission check for {role}: give it sample "
        "arguments that pass its input validation"
    )
    assert all(c.granted for c in calls), f"{key}: a permission check refused {role}: {calls}"
    assert any(c.step_up for c in calls) == row.step_up, (
        f"{key}: step-up expected {row.step_up}, the service asked {[c.step_up for c in calls]}"
    )
    assert events(w.ctx, "access.denied", after=before) == []


@pytest.mark.parametrize("key", sorted(k for k, row in TABLE.items() if row.step_up))
def test_a_stale_step_up_is_asked_for_again(world: tuple[World, Any], key: str) -> None:
    """AUTH-10: more than 5 minutes after the last code, each sensitive method answers an
    allowed operator with StepUpRequired (and does nothing)."""
    from app.security.auth import StepUpRequired

    w, objects = world
    row = TABLE[key]
    role = sorted(row.roles)[0]
    member = w.members[role]
    w.step_up(member)
    w.clock.advance(301)
    with pytest.raises(StepUpRequired):
        row.call(METHODS[_method(key)](w.ctx, member.principal), objects, role)
