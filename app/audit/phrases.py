"""Audit actions as an operator reads them: "auth.login" is "Signed in".

The audit pane, and anything else that shows the log to a person, words each event from
this table; the stored action code stays what it is (tools and exports use it). A test
reads every action written in app/ and fails when one has no phrase here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PHRASES: dict[str, str] = {
    "access.denied": "Was refused an action",
    "audit.anchor_key": "Started signing the audit checkpoints",
    "audit.export": "Exported the audit log",
    "audit.initialise": "Started the audit log",
    "audit.spool_invalid": "Found an unreadable file of deferred audit events",
    "audit.verify": "Verified the audit log",
    "audit.view": "Viewed the audit log",
    "auth.locked": "Account locked after failed sign-ins or codes",
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.session_end": "Session ended",
    "auth.step_up": "Confirmed with a fresh code",
    "auth.throttled": "Slowed down after failed sign-ins or codes",
    "auth.totp_replay": "Reused a one-time code",
    "auth.unlock": "Unlocked the session",
    "backup.list": "Listed the backups",
    "drills.aar.export": "Exported an after-action report",
    "drills.aar.observations": "Recorded after-action observations",
    "drills.aar.view": "Viewed an after-action report",
    "drills.breach.aware": "Recorded when the breach became known",
    "drills.breach.notified": "Recorded a breach notification",
    "drills.breach.risk": "Assessed a breach's risk",
    "drills.breach.to_follow": "Noted breach details to follow",
    "drills.breach.update": "Changed a breach record",
    "drills.improvement.add": "Added an improvement action",
    "drills.improvement.list": "Listed improvement actions",
    "drills.improvement.status": "Changed an improvement action's status",
    "drills.inject.ack": "Acknowledged an inject",
    "drills.inject.add": "Added an inject",
    "drills.inject.deliver": "Delivered an inject",
    "drills.metrics": "Read drill metrics",
    "drills.notice.approve": "Approved a breach notice",
    "drills.notice.export": "Exported a breach notice",
    "drills.notice.save": "Saved a breach notice",
    "drills.notice.view": "Viewed a breach notice",
    "drills.breach.actions": "Checked what can be done to a breach record",
    "drills.playbooks.create": "Created a playbook",
    "drills.playbooks.export": "Exported a playbook",
    "drills.playbooks.history": "Viewed a playbook's history",
    "drills.playbooks.install": "Installed the built-in playbooks",
    "drills.playbooks.list": "Listed the playbooks",
    "drills.playbooks.save": "Saved a playbook",
    "drills.playbooks.update": "Changed a playbook",
    "drills.playbooks.view": "Viewed a playbook",
    "drills.roster.remove": "Removed someone from the roster",
    "drills.roster.save": "Saved a roster entry",
    "drills.roster.view": "Viewed the roster",
    "drills.run.close": "Closed a drill or incident",
    "drills.run.list": "Listed drills and incidents",
    "drills.run.note": "Added a note to a drill or incident",
    "drills.run.start": "Started a drill or incident",
    "drills.run.view": "Viewed a drill or incident",
    "drills.task.close": "Closed a step",
    "drills.trends": "Viewed drill trends",
    "dsar.certificate": "Issued an erasure certificate",
    "dsar.certificate.view": "Viewed an erasure certificate",
    "dsar.create": "Logged a DSAR",
    "dsar.dashboard": "Viewed the DSAR dashboard",
    "dsar.actions": "Checked what can be done to a request",
    "dsar.erase": "Erased a data subject's data",
    "dsar.erase.preview": "Previewed an erasure",
    "dsar.export": "Exported a DSAR package",
    "dsar.hold": "Placed a legal hold",
    "dsar.hold.release": "Released a legal hold",
    "dsar.holds": "Listed legal holds",
    "dsar.holds.view": "Viewed legal holds",
    "dsar.items": "Read a DSAR's items",
    "dsar.items.view": "Viewed a DSAR's items",
    "dsar.letter.draft": "Drafted a DSAR letter",
    "dsar.list": "Listed DSARs",
    "dsar.locate": "Searched for a data subject's data",
    "dsar.select": "Chose what a DSAR covers",
    "dsar.settings": "Changed DSAR settings",
    "dsar.settings.view": "Viewed DSAR settings",
    "dsar.view": "Viewed a DSAR",
    "helpdesk.directory": "Searched the directory",
    "helpdesk.directory.view": "Viewed the directory",
    "helpdesk.snapshots": "Listed help-desk snapshots",
    "helpdesk.status": "Read the help-desk status",
    "import.failed": "A help-desk import failed",
    "keyring.enrol": "Stored the key in the system keyring",
    "keyring.forget": "Removed the key from the system keyring",
    "keyring.locked": "Found the system keyring locked",
    "keyring.status": "Read the keyring status",
    "keyring.unavailable": "Found no system keyring",
    "keys.rekey": "Rotated the database key",
    "keys.rekey.done": "Finished rotating the database key",
    "operator.activate": "Activated an operator account",
    "operator.add": "Added an operator",
    "operator.bootstrap": "Created the first administrator",
    "operator.disable": "Disabled an operator",
    "operator.enable": "Enabled an operator",
    "operator.enrolment_confirmed": "Confirmed two-factor enrolment",
    "operator.list": "Listed operators",
    "operator.actions": "Checked what can be done to an operator",
    "operator.reset_mfa": "Reset an operator's two-factor",
    "operator.roles": "Changed an operator's roles",
    "operator.unlock": "Unlocked an operator account",
    "pii.reveal": "Revealed personal data",
    "redaction.case.add": "Added a labelled text",
    "redaction.case.label": "Labelled a text",
    "redaction.cases": "Read the labelled set",
    "redaction.cases.import": "Imported labelled texts",
    "redaction.cases.view": "Viewed the labelled set",
    "redaction.engine": "Loaded the redaction rules",
    "redaction.history.batch": "Redacted a batch of history",
    "redaction.history.cancel": "Cancelled a history redaction",
    "redaction.history.done": "Finished a history redaction",
    "redaction.history.plan": "Exported a redaction plan",
    "redaction.history.resume": "Resumed a history redaction",
    "redaction.history.runs": "Listed history redactions",
    "redaction.history.start": "Started a history redaction",
    "redaction.impact": "Previewed a redaction's impact",
    "redaction.rule.delete": "Deleted a redaction rule",
    "redaction.rule.enable": "Enabled or disabled a redaction rule",
    "redaction.rule.revert": "Reverted a redaction rule",
    "redaction.rule.save": "Saved a redaction rule",
    "redaction.rules": "Read the redaction rules",
    "redaction.rules.export": "Exported the redaction rules",
    "redaction.rules.import": "Imported redaction rules",
    "redaction.versions": "Read a rule's versions",
    "review.choices": "Read the review choices",
    "review.comment": "Commented on a review item",
    "review.create": "Started an access review",
    "review.decide": "Decided a review item",
    "review.decide.preview": "Previewed a bulk decision",
    "review.decision.change": "Changed a review decision",
    "review.diff": "Compared two reviews",
    "review.diff.view": "Viewed a review comparison",
    "review.export": "Exported an evidence pack",
    "review.findings": "Read review findings",
    "review.findings.view": "Viewed review findings",
    "review.item": "Read a review item",
    "review.item.view": "Viewed a review item",
    "review.items": "Read review items",
    "review.items.view": "Viewed review items",
    "review.list": "Listed access reviews",
    "review.permissions": "Read permissions for a review",
    "review.permissions.view": "Viewed permissions for a review",
    "review.permissions.directory": "Viewed who can do what in the help-desk directory",
    "review.progress": "Read a review's progress",
    "review.reassign": "Reassigned review items",
    "review.remediation": "Read the remediation list",
    "review.remediation.export": "Exported the remediation list",
    "review.settings": "Changed review settings",
    "review.settings.view": "Viewed review settings",
    "review.show": "Opened an access review",
    "review.signoff": "Signed off an access review",
    "review.verify": "Verified an evidence pack",
    "review.verify_remediation": "Verified remediation",
    "review.who_can": "Asked who can do something",
    "search": "Searched help-desk data",
    "settings.change": "Changed a setting",
    "settings.view": "Viewed settings",
    "workspace.backup": "Backed up the workspace",
    "workspace.create": "Created the workspace",
    "workspace.restore": "Restored the workspace",
    "workspace.unlock": "Opened the workspace",
    "workspace.verify": "Verified the workspace",
    "zendesk.connect": "Connected PrivDesk to Zendesk",
    "zendesk.disconnect": "Disconnected PrivDesk from Zendesk (token erased)",
    "zendesk.status": "Viewed the Zendesk connection",
    "zendesk.sync": "Synced help-desk data from Zendesk",
    "zendesk.sync.start": "Started a Zendesk sync",
    "zendesk.sync.page": "Synced a page from Zendesk",
    "zendesk.sync.directory": "Made a directory snapshot from a Zendesk sync",
    "zendesk.sync.failed": "A Zendesk sync failed",
}


def phrase(action: str) -> str:
    """The phrase for ``action``; an action this version does not know keeps its code."""
    return PHRASES.get(action, action)


def is_routine(action: str) -> bool:
    """A routine read (``*.view``) that an auditor may hide to see the changes."""
    return action.endswith(".view")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def details_text(details: Mapping[str, Any] | None) -> str:
    """``{"rows": 3, "with_kit": False}`` as "rows: 3 · with kit: no"."""
    if not details:
        return ""
    return " · ".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in sorted(details.items()))
