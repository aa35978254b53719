"""What a policy's action does to one batch of selected records, masked samples for the
simulation, and the matching help-desk plan (Zendesk API calls, ids only).

Delete removes the rows (a deleted ticket leaves a keyed-hash tombstone of its id, so a
re-import of an older export skips it); the FTS5 triggers take their index entries with them
(secure-delete purges the tokens) and the run checkpoints the WAL at the end, as DSAR
erasure does. Anonymise rewrites the text through the redaction engine (the policy's mask
style) and drops the links to people; review changes nothing and lists the records.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from app.dsar import tombstones
from app.inventory.scan import latest_directory
from app.masking import mask_email
from app.redaction.engine import RedactionEngine
from app.redaction.types import MaskStyle
from app.retention.policies import Policy
from models.helpdesk import Comment, GroupMembership, Identity, Person, Ticket

ANONYMISED = "[anonymised]"
SAMPLES = 5
ZENDESK_BATCH = 100  # destroy_many takes at most 100 ids


def _gone(s: Session, stmt: Any) -> int:
    result: CursorResult[Any] = s.execute(stmt)  # type: ignore[assignment]
    return int(result.rowcount)


def apply_batch(
    s: Session,
    p: Policy,
    ids: list[int],
    engine: RedactionEngine | None,
    *,
    tombstone_key: bytes,
    now: str,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    if p.action == "review" or not ids:
        counts["flagged"] += len(ids)
        return counts
    if p.target == "tickets":
        if p.action == "delete":
            counts["comments_deleted"] += _gone(
                s, delete(Comment).where(Comment.ticket_id.in_(ids))
            )
            counts["tickets_deleted"] += _gone(s, delete(Ticket).where(Ticket.id.in_(ids)))
            # a re-import of an older export skips them (app.importers.erased)
            counts["tombstones"] += tombstones.add(
                s, tombstone_key, [("ticket_id", t) for t in ids], request_id=None, now=now
            )
        else:
            assert engine is not None
            style = MaskStyle(p.style)
            for t in s.scalars(select(Ticket).where(Ticket.id.in_(ids))):
                t.subject = engine.redact(t.subject, style) if t.subject else t.subject
                t.description = engine.redact(t.description, style) if t.description else None
                t.requester_id = t.submitter_id = None
                t.collaborator_ids_json = t.follower_ids_json = t.email_cc_ids_json = "[]"
                t.custom_fields_json = "[]"
                counts["tickets_anonymised"] += 1
            for c in s.scalars(select(Comment).where(Comment.ticket_id.in_(ids))):
                c.body = engine.redact(c.body, style) if c.body else c.body
                c.plain_body = engine.redact(c.plain_body, style) if c.plain_body else None
                c.html_body = engine.redact(c.html_body, style) if c.html_body else None
                c.author_id = None
                c.extra_json = "{}"
                counts["comments_anonymised"] += 1
    elif p.target == "attachments":
        for c in s.scalars(select(Comment).where(Comment.id.in_(ids))):
            extra = json.loads(c.extra_json or "{}")
            counts["attachments_removed"] += len(extra.pop("attachments", []) or [])
            c.extra_json = json.dumps(extra, sort_keys=True)
            counts["comments_changed"] += 1
    else:
        if p.action == "delete":
            counts["identities_deleted"] += _gone(
                s, delete(Identity).where(Identity.user_id.in_(ids))
            )
            counts["memberships_deleted"] += _gone(
                s, delete(GroupMembership).where(GroupMembership.user_id.in_(ids))
            )
            counts["people_deleted"] += _gone(s, delete(Person).where(Person.zendesk_id.in_(ids)))
        else:
            counts["identities_deleted"] += _gone(
                s, delete(Identity).where(Identity.user_id.in_(ids))
            )
            s.execute(
                update(Person)
                .where(Person.zendesk_id.in_(ids))
                .values(
                    name=ANONYMISED,
                    email=None,
                    phone=None,
                    external_id=None,
                    tags_json="[]",
                    extra_json="{}",
                )
            )
            counts["people_anonymised"] += len(ids)
    return counts


def _masked_name(name: str | None) -> str:
    parts = (name or "").split()
    return " ".join(f"{w[0]}." for w in parts) if parts else ""


def samples(s: Session, p: Policy, ids: tuple[int, ...], engine: RedactionEngine) -> list[Any]:
    """A few of the selected records, with their text masked (tokens for personal data)."""
    chosen = list(ids[:SAMPLES])
    out: list[dict[str, Any]] = []
    if not chosen:
        return out
    if p.target == "users":
        snapshot = latest_directory(s)
        for zid, name, email, login in s.execute(
            select(Person.zendesk_id, Person.name, Person.email, Person.last_login_at)
            .where(Person.snapshot_id == snapshot, Person.zendesk_id.in_(chosen))
            .order_by(Person.zendesk_id)
        ):
            out.append(
                {
                    "user": zid,
                    "name": _masked_name(name),
                    "email": mask_email(email) if email else "",
                    "last_login_at": login,
                }
            )
        return out
    if p.target == "attachments":
        for cid, tid, created in s.execute(
            select(Comment.id, Comment.ticket_id, Comment.created_at)
            .where(Comment.id.in_(chosen))
            .order_by(Comment.id)
        ):
            out.append({"comment": cid, "ticket": tid, "created_at": created})
        return out
    for tid, status, updated, subject in s.execute(
        select(Ticket.id, Ticket.status, Ticket.updated_at, Ticket.subject)
        .where(Ticket.id.in_(chosen))
        .order_by(Ticket.id)
    ):
        text = engine.redact(subject or "", MaskStyle.TOKEN)
        out.append(
            {
                "ticket": tid,
                "status": status,
                "updated_at": updated,
                "subject": text[:80] + ("…" if len(text) > 80 else ""),
            }
        )
    return out


def helpdesk_plan(p: Policy, ids: tuple[int, ...] | list[int]) -> dict[str, Any]:
    """The same change for Zendesk (API calls, ids only), to push from the help desk."""
    ids = list(ids)
    calls: list[str] = []
    if p.action == "delete" and p.target == "tickets":
        for i in range(0, len(ids), ZENDESK_BATCH):
            chunk = ",".join(map(str, ids[i : i + ZENDESK_BATCH]))
            calls += [
                f"DELETE /api/v2/tickets/destroy_many?ids={chunk}",
                f"DELETE /api/v2/deleted_tickets/destroy_many?ids={chunk}",
            ]
    elif p.action == "delete" and p.target == "users":
        for u in ids:
            calls += [f"DELETE /api/v2/users/{u}", f"DELETE /api/v2/deleted_users/{u}"]
    note = ""
    if p.action == "anonymise":
        note = "redact the same records in Zendesk: `privdesk redact history --plan FILE`"
    elif p.action == "review":
        note = "nothing to push: the records are listed for a person to review"
    elif p.target == "attachments":
        note = "remove these comments' attachments in Zendesk (comment redaction)"
    return {
        "system": "zendesk",
        "target": p.target,
        "action": p.action,
        "ids": ids,
        "calls": calls,
        "note": note,
    }
