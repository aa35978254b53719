"""Discovery: what the redaction engine actually finds in the stored help-desk data.

Every stored ticket (subject, description, custom-field values), comment (body, attachment
names) and person of the latest directory snapshot (name, email, phone, notes) is scanned;
the result counts, per help-desk field and entity type, how many *records* contain it, and
the same per month (of the record's creation). Only counts and rule ids are kept, never
text. A type found in a field that no inventory category expects it in is a finding.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.inventory.records import CategoryRow
from app.jobs import JobControl
from app.redaction.engine import RedactionEngine
from app.redaction.ticket_text import ticket_batches
from models.helpdesk import SNAPSHOT_DIRECTORY, Comment, Person, Snapshot, Ticket

# How a finding's sentence names each field and entity type.
FIELD_PHRASES = {
    "ticket.subject": ("ticket subjects", "tickets"),
    "ticket.description": ("ticket descriptions", "tickets"),
    "ticket.custom_fields": ("ticket custom fields", "tickets"),
    "comment.body": ("comments", "comments"),
    "attachment.name": ("attachment names", "comments"),
    "user.name": ("user names", "users"),
    "user.email": ("user email fields", "users"),
    "user.phone": ("user phone fields", "users"),
    "user.notes": ("user notes", "users"),
}
TYPE_PHRASES = {
    "CREDIT_CARD": "card numbers",
    "US_SSN": "social security numbers",
    "US_ITIN": "taxpayer numbers (ITIN)",
    "IBAN_CODE": "bank account numbers (IBAN)",
    "EMAIL_ADDRESS": "email addresses",
    "PHONE_NUMBER": "phone numbers",
    "IP_ADDRESS": "IP addresses",
    "API_KEY": "API keys",
    "PASSWORD": "passwords",
    "PERSON": "people's names",
    "CRYPTO": "crypto wallet addresses",
    "URL": "URLs",
}
PEOPLE_BATCH = 500


@dataclass
class Tally:
    """Counts as the scan goes: field → type → records, field → month → type → records."""

    records: Counter[str] = field(default_factory=Counter)  # records read per field
    types: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    months: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    rules: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(
        self, engine: RedactionEngine, name: str, text: str | None, created: str | None
    ) -> None:
        if not text:
            return
        self.records[name] += 1
        found = engine.scan(text)
        month = (created or "")[:7] or "unknown"
        for t in sorted({f.entity_type for f in found}):
            self.types[name][t] += 1
            self.months[name][month][t] += 1
        for f in found:
            self.rules[f.entity_type].add(f.rule_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": [
                {
                    "field": name,
                    "records": self.records[name],
                    "types": dict(sorted(self.types[name].items())),
                    "months": {
                        m: dict(sorted(c.items())) for m, c in sorted(self.months[name].items())
                    },
                }
                for name in sorted(self.records)
            ],
            "rules": {t: sorted(r) for t, r in sorted(self.rules.items())},
        }


def _custom_text(raw: str) -> str:
    try:
        values = json.loads(raw or "[]")
    except ValueError:
        return ""
    parts = [str(v.get("value")) for v in values if isinstance(v, dict) and v.get("value")]
    return "\n".join(parts)


def _attachment_names(raw: str) -> str:
    try:
        extra = json.loads(raw or "{}")
    except ValueError:
        return ""
    items = extra.get("attachments") if isinstance(extra, dict) else None
    names = [str(a.get("file_name")) for a in items or [] if isinstance(a, dict)]
    return "\n".join(n for n in names if n and n != "None")


def _notes(raw: str) -> str:
    try:
        extra = json.loads(raw or "{}")
    except ValueError:
        return ""
    if not isinstance(extra, dict):
        return ""
    return "\n".join(str(extra[k]) for k in ("notes", "details") if extra.get(k))


def latest_directory(s: Session) -> int | None:
    return s.scalar(select(func.max(Snapshot.id)).where(Snapshot.kind == SNAPSHOT_DIRECTORY))


def _people(s: Session, snapshot: int) -> Iterator[list[Person]]:
    last = 0
    while True:
        batch = list(
            s.scalars(
                select(Person)
                .where(Person.snapshot_id == snapshot, Person.id > last)
                .order_by(Person.id)
                .limit(PEOPLE_BATCH)
            )
        )
        if not batch:
            return
        yield batch
        last = batch[-1].id


def scan(s: Session, engine: RedactionEngine, control: JobControl) -> Tally:
    tally = Tally()
    snapshot = latest_directory(s)
    total = s.scalar(select(func.count()).select_from(Ticket)) or 0
    if snapshot is not None:
        count = select(func.count()).select_from(Person).where(Person.snapshot_id == snapshot)
        total += s.scalar(count) or 0
    done = 0
    control.report(0, total, "scanning stored tickets")
    for ids in ticket_batches(s):
        for t in s.execute(
            select(
                Ticket.subject, Ticket.description, Ticket.custom_fields_json, Ticket.created_at
            ).where(Ticket.id.in_(ids))
        ):
            tally.add(engine, "ticket.subject", t.subject, t.created_at)
            tally.add(engine, "ticket.description", t.description, t.created_at)
            tally.add(
                engine, "ticket.custom_fields", _custom_text(t.custom_fields_json), t.created_at
            )
        for c in s.execute(
            select(Comment.body, Comment.extra_json, Comment.created_at).where(
                Comment.ticket_id.in_(ids)
            )
        ):
            tally.add(engine, "comment.body", c.body, c.created_at)
            tally.add(engine, "attachment.name", _attachment_names(c.extra_json), c.created_at)
        done += len(ids)
        control.report(done, total, "scanning stored tickets")
    if snapshot is not None:
        for people in _people(s, snapshot):
            for p in people:
                tally.add(engine, "user.name", p.name, p.created_at)
                tally.add(engine, "user.email", p.email, p.created_at)
                tally.add(engine, "user.phone", p.phone, p.created_at)
                tally.add(engine, "user.notes", _notes(p.extra_json), p.created_at)
            done += len(people)
            control.report(done, total, "scanning people")
    return tally


def findings(result: dict[str, Any], categories: tuple[CategoryRow, ...]) -> list[dict[str, Any]]:
    """Each entity type found in a field where no category that maps it is expected."""
    out: list[dict[str, Any]] = []
    rules: dict[str, list[str]] = result.get("rules", {})
    for entry in result.get("fields", []):
        name = entry["field"]
        where, unit = FIELD_PHRASES.get(name, (name, "records"))
        for entity, count in entry["types"].items():
            mapped = [c for c in categories if entity in c.entity_types]
            if any(name in c.fields for c in mapped):
                continue
            what = TYPE_PHRASES.get(entity, entity)
            why = (
                f"the inventory expects {', '.join(c.name for c in mapped)} nowhere there"
                if mapped
                else "no category of the inventory maps this type"
            )
            preview = "privdesk redact history --dry-run" + "".join(
                f" --rule {r}" for r in rules.get(entity, [])
            )
            out.append(
                {
                    "field": name,
                    "entity_type": entity,
                    "records": count,
                    "categories": [c.key for c in mapped],
                    "sensitivity": sorted({c.sensitivity for c in mapped}),
                    "message": f"{what} in {where}: {count} {unit}",
                    "why": why,
                    "preview": preview,
                }
            )
    severity = {"payment": 0, "special": 1, "sensitive": 2}
    out.sort(
        key=lambda f: (min([severity.get(x, 3) for x in f["sensitivity"]] or [3]), -f["records"])
    )
    return out
