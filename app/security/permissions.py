"""Roles and the permissions they grant: the one table every service checks against.

Enforced in the service layer (`app.security.guard`), never only by hiding widgets
(ASVS 5.0 8.3.1). Roles are read from the database on every action, so a role change or a
disabled account takes effect at once (ASVS 8.3.2, 7.4.2).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    PRIVACY_OFFICER = "privacy_officer"
    INCIDENT_LEAD = "incident_lead"
    REDACTION_ADMIN = "redaction_admin"
    AUDITOR = "auditor"


class Permission(enum.StrEnum):
    OPERATORS_VIEW = "operators.view"
    OPERATORS_MANAGE = "operators.manage"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"
    WORKSPACE_VERIFY = "workspace.verify"
    BACKUP_CREATE = "backup.create"
    BACKUP_VIEW = "backup.view"
    KEYS_MANAGE = "keys.manage"
    SETTINGS_VIEW = "settings.view"
    SETTINGS_MANAGE = "settings.manage"
    PII_REVEAL = "pii.reveal"
    # Granted now so the panes of later issues plug in without touching this table.
    HELPDESK_VIEW = "helpdesk.view"
    HELPDESK_IMPORT = "helpdesk.import"
    REVIEW_VIEW = "review.view"
    REVIEW_MANAGE = "review.manage"
    DSAR_VIEW = "dsar.view"
    DSAR_MANAGE = "dsar.manage"
    DRILLS_VIEW = "drills.view"
    DRILLS_RUN = "drills.run"
    REDACTION_VIEW = "redaction.view"
    REDACTION_MANAGE = "redaction.manage"
    MONITORING_VIEW = "monitoring.view"
    MONITORING_MANAGE = "monitoring.manage"
    MONITORING_ESCALATED = "monitoring.escalated"  # only the alerts escalated to incidents
    INVENTORY_VIEW = "inventory.view"
    INVENTORY_MANAGE = "inventory.manage"
    ZENDESK_CONNECT = "zendesk.connect"
    ZENDESK_SYNC = "zendesk.sync"
    VENDORS_VIEW = "vendors.view"
    VENDORS_MANAGE = "vendors.manage"
    TRAINING_VIEW = "training.view"
    TRAINING_MANAGE = "training.manage"
    COMPLIANCE_VIEW = "compliance.view"  # policies, evidence packs, the trust summary
    COMPLIANCE_MANAGE = "compliance.manage"
    POLICIES_ACKNOWLEDGE = "policies.acknowledge"  # every operator acknowledges policies


P = Permission

_READ_ONLY = frozenset(
    {
        P.OPERATORS_VIEW,
        P.AUDIT_VIEW,
        P.AUDIT_EXPORT,
        P.AUDIT_VERIFY,
        P.WORKSPACE_VERIFY,
        P.BACKUP_VIEW,
        P.SETTINGS_VIEW,
        P.HELPDESK_VIEW,
        P.REVIEW_VIEW,
        P.DSAR_VIEW,
        P.DRILLS_VIEW,
        P.REDACTION_VIEW,
        P.MONITORING_VIEW,
        P.INVENTORY_VIEW,
        P.VENDORS_VIEW,
        P.TRAINING_VIEW,
        P.COMPLIANCE_VIEW,
        P.POLICIES_ACKNOWLEDGE,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            P.OPERATORS_VIEW,
            P.OPERATORS_MANAGE,
            P.AUDIT_VIEW,
            P.AUDIT_VERIFY,
            P.WORKSPACE_VERIFY,
            P.BACKUP_CREATE,
            P.BACKUP_VIEW,
            P.KEYS_MANAGE,
            P.SETTINGS_VIEW,
            P.SETTINGS_MANAGE,
            P.HELPDESK_VIEW,
            P.HELPDESK_IMPORT,
            P.ZENDESK_CONNECT,
            P.POLICIES_ACKNOWLEDGE,
        }
    ),
    Role.PRIVACY_OFFICER: frozenset(
        {
            P.HELPDESK_VIEW,
            P.HELPDESK_IMPORT,
            P.ZENDESK_SYNC,
            P.REVIEW_VIEW,
            P.REVIEW_MANAGE,
            P.DSAR_VIEW,
            P.DSAR_MANAGE,
            P.PII_REVEAL,
            P.WORKSPACE_VERIFY,
            P.SETTINGS_VIEW,
            P.MONITORING_VIEW,
            P.MONITORING_MANAGE,
            P.INVENTORY_VIEW,
            P.INVENTORY_MANAGE,
            P.VENDORS_VIEW,
            P.VENDORS_MANAGE,
            P.TRAINING_VIEW,
            P.TRAINING_MANAGE,
            P.COMPLIANCE_VIEW,
            P.COMPLIANCE_MANAGE,
            P.POLICIES_ACKNOWLEDGE,
        }
    ),
    Role.INCIDENT_LEAD: frozenset(
        {
            P.DRILLS_VIEW,
            P.DRILLS_RUN,
            P.SETTINGS_VIEW,
            P.MONITORING_ESCALATED,
            P.POLICIES_ACKNOWLEDGE,
        }
    ),
    Role.REDACTION_ADMIN: frozenset(
        {
            P.REDACTION_VIEW,
            P.REDACTION_MANAGE,
            P.HELPDESK_VIEW,
            P.SETTINGS_VIEW,
            P.POLICIES_ACKNOWLEDGE,
        }
    ),
    # Read-only everything, the audit log and evidence export; never a write.
    Role.AUDITOR: _READ_ONLY,
}

ROLE_TITLES: dict[Role, str] = {
    Role.ADMINISTRATOR: "Administrator",
    Role.PRIVACY_OFFICER: "Privacy officer",
    Role.INCIDENT_LEAD: "Incident lead",
    Role.REDACTION_ADMIN: "Redaction admin",
    Role.AUDITOR: "Auditor",
}

PERMISSION_PHRASES: dict[Permission, str] = {
    P.OPERATORS_VIEW: "view operators",
    P.OPERATORS_MANAGE: "manage operators",
    P.AUDIT_VIEW: "view the audit log",
    P.AUDIT_EXPORT: "export the audit log",
    P.AUDIT_VERIFY: "verify the audit log",
    P.WORKSPACE_VERIFY: "verify the workspace",
    P.BACKUP_CREATE: "create backups",
    P.BACKUP_VIEW: "view backups",
    P.KEYS_MANAGE: "manage keys",
    P.SETTINGS_VIEW: "view settings",
    P.SETTINGS_MANAGE: "change settings",
    P.PII_REVEAL: "reveal personal data",
    P.HELPDESK_VIEW: "view help-desk data",
    P.HELPDESK_IMPORT: "import help-desk data",
    P.REVIEW_VIEW: "view access reviews",
    P.REVIEW_MANAGE: "run access reviews",
    P.DSAR_VIEW: "view data-subject requests",
    P.DSAR_MANAGE: "work data-subject requests",
    P.DRILLS_VIEW: "view drills and incidents",
    P.DRILLS_RUN: "run drills and incidents",
    P.REDACTION_VIEW: "view redaction rules",
    P.REDACTION_MANAGE: "manage redaction rules",
    P.MONITORING_VIEW: "view monitoring alerts",
    P.MONITORING_MANAGE: "work monitoring alerts",
    P.MONITORING_ESCALATED: "view alerts escalated to incidents",
    P.INVENTORY_VIEW: "view the data inventory",
    P.INVENTORY_MANAGE: "manage the data inventory and retention",
    P.ZENDESK_CONNECT: "connect PrivDesk to Zendesk",
    P.ZENDESK_SYNC: "sync help-desk data from Zendesk",
    P.VENDORS_VIEW: "view the vendor register",
    P.VENDORS_MANAGE: "manage vendors and their reviews",
    P.TRAINING_VIEW: "view training and awareness",
    P.TRAINING_MANAGE: "manage training and awareness",
    P.COMPLIANCE_VIEW: "view policies and compliance evidence",
    P.COMPLIANCE_MANAGE: "manage policies, evidence packs and the trust summary",
    P.POLICIES_ACKNOWLEDGE: "acknowledge policies",
}


# Role pairs one person should not hold (separation of duties), with why it matters.
DUTY_CONFLICTS: dict[frozenset[Role], str] = {
    frozenset({Role.ADMINISTRATOR, Role.AUDITOR}): (
        "holds both administrator and auditor: the person who manages operators, keys and "
        "settings should not also be the one who reviews and exports their audit trail"
    ),
}


def duty_conflicts(roles: Iterable[str]) -> tuple[str, ...]:
    """Why this set of roles breaks separation of duties (empty when it does not)."""
    held = {r.value for r in Role} & set(roles)
    return tuple(why for pair, why in DUTY_CONFLICTS.items() if {r.value for r in pair} <= held)


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Role names from user input; raises ValueError naming the unknown one."""
    roles = set()
    for name in names:
        try:
            roles.add(Role(name.strip()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r} (known roles: {known})") from None
    return frozenset(roles)


def permissions_for(roles: Iterable[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue  # a role removed in a later version grants nothing
    return frozenset(granted)


def roles_granting(permission: Permission) -> tuple[Role, ...]:
    return tuple(role for role, granted in ROLE_PERMISSIONS.items() if permission in granted)


def needs_role(permission: Permission) -> str:
    """ "the privacy officer role" / "the privacy officer or auditor role", for tooltips."""
    titles = [ROLE_TITLES[r].lower() for r in roles_granting(permission)]
    if not titles:
        return "a role no one holds"
    return "the " + " or ".join(titles) + " role"


def phrase(permission: Permission) -> str:
    return PERMISSION_PHRASES.get(permission, permission.value)
