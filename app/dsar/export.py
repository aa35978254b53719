"""Access / portability package: a ZIP with JSON, one CSV per record type, an HTML summary
(`resources/templates/dsar_summary.html`; the same page goes to the caller's PDF renderer
when there is one), and a SHA-256 manifest.

Only items the officer included are exported. Inside them, other people's personal data
is masked by `app.dsar.masking.mask_third_party`; the subject's own data stays.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.changes import DSAR, AnnouncesChanges
from app.clock import utc_iso
from app.dsar.actions import require
from app.dsar.errors import DsarError
from app.dsar.locate import latest_directory
from app.dsar.masking import KnownPeople, Subject, mask_third_party
from app.dsar.queries import add_event, identifiers, load
from app.reports import csv_safe
from app.reports.templates import render
from app.security.guard import Service
from app.security.permissions import Permission
from models.dsar import DsarItem, DsarRequest
from models.helpdesk import Comment, Identity, Person, Ticket

PdfRenderer = Callable[[str, str], bytes]  # (html, title) -> PDF bytes


# GDPR Art. 15(1)(a)–(h) and 15(2): what the summary tells the requester beside their data,
# from the workspace's `dsar.art15_*` settings. (setting suffix, article, heading)
ART15: tuple[tuple[str, str, str], ...] = (
    ("purposes", "15(1)(a)", "Why we use your data (purposes)"),
    ("categories", "15(1)(b)", "The kinds of personal data concerned (categories)"),
    ("recipients", "15(1)(c)", "Who receives it (recipients)"),
    ("retention", "15(1)(d)", "How long we keep it (retention)"),
    (
        "rights",
        "15(1)(e)",
        "Your rights to rectification, erasure, restriction of processing and to object",
    ),
    ("complaint", "15(1)(f)", "Your right to complain to a supervisory authority"),
    ("source", "15(1)(g)", "Where the data came from (source)"),
    ("automated", "15(1)(h)", "Automated decision-making and profiling"),
    ("transfers", "15(2)", "Transfers to other countries and their safeguards"),
)


@dataclass(frozen=True)
class Art15Item:
    key: str  # dsar.art15_…
    article: str
    heading: str
    text: str  # the setting, or the placeholder when it is empty

    @property
    def missing(self) -> bool:
        return self.text.startswith("[not set")


def art15_items(s: Session, settings: Any) -> tuple[Art15Item, ...]:
    out = []
    for name, article, heading in ART15:
        key = f"dsar.art15_{name}"
        text = str(settings.get(s, key) or "").strip()
        if not text:
            text = f"[not set: ask your DPO — set with `privdesk settings set {key} …`]"
        out.append(Art15Item(key, article, heading, text))
    return tuple(out)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[tuple[str, str], ...]  # (name, sha256)
    counts: dict[str, int]
    masked: int
    art15_missing: tuple[str, ...] = ()  # settings keys the summary shows as not set

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "files": [{"name": n, "sha256": h} for n, h in self.files],
            "counts": self.counts,
            "masked": self.masked,
            "art15_missing": list(self.art15_missing),
        }


def _subject(s: Session, req: DsarRequest, zids: set[int], snap: int | None) -> Subject:
    emails, phones, _ids = identifiers(req)
    names = {req.requester_name}
    if snap is not None and zids:
        for p in s.scalars(
            select(Person).where(Person.snapshot_id == snap, Person.zendesk_id.in_(zids))
        ):
            emails += [p.email] if p.email else []
            phones += [p.phone] if p.phone else []
            names |= {p.name} if p.name else set()
        for i in s.scalars(
            select(Identity).where(Identity.snapshot_id == snap, Identity.user_id.in_(zids))
        ):
            if i.value and i.type == "email":
                emails.append(i.value)
            elif i.value and i.type == "phone_number":
                phones.append(i.value)
    return Subject(frozenset(e.lower() for e in emails), tuple(phones), frozenset(names))


def _others(s: Session, snap: int | None, zids: set[int], subject: Subject) -> KnownPeople:
    if snap is None:
        return KnownPeople(None)
    rows = s.execute(
        select(Person.zendesk_id, Person.name, Person.email).where(Person.snapshot_id == snap)
    ).all()
    others = [(n, e) for z, n, e in rows if z not in zids]
    return KnownPeople.of([n for n, _ in others if n], [e for _, e in others if e], subject)


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv_safe.dict_writer(buf, columns)
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def build_records(s: Session, req: DsarRequest) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The subject's records from the included items, masked; and the masked-span count."""
    items = s.scalars(
        select(DsarItem).where(DsarItem.request_id == req.id, DsarItem.included.is_(True))
    ).all()
    if not items:
        raise DsarError(f"nothing to export for {req.reference}: run locate and include items")
    snap = latest_directory(s)
    zids = {i.ref for i in items if i.kind == "person"}
    subject = _subject(s, req, zids, snap)
    others = _others(s, snap, zids, subject)
    masked = 0

    def m(text: str | None) -> str:
        nonlocal masked
        out, n = mask_third_party(text, subject, others)
        masked += n
        return out

    def who(uid: int | None) -> str:
        return "you" if uid in zids else "another person" if uid else ""

    people, identities = [], []
    if snap is not None and zids:
        for p in s.scalars(
            select(Person).where(Person.snapshot_id == snap, Person.zendesk_id.in_(zids))
        ):
            people.append(
                {
                    "user_id": p.zendesk_id,
                    "external_id": p.external_id,
                    "name": p.name,
                    "email": p.email,
                    "phone": p.phone,
                    "role": p.role,
                    "created_at": p.created_at,
                    "last_login_at": p.last_login_at,
                }
            )
        for i in s.scalars(
            select(Identity).where(Identity.snapshot_id == snap, Identity.user_id.in_(zids))
        ):
            identities.append(
                {"user_id": i.user_id, "type": i.type, "value": i.value, "created_at": i.created_at}
            )
    ticket_ids = sorted({i.ref for i in items if i.kind == "ticket"})
    tickets, comments = [], []
    for t in s.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)):
        tickets.append(
            {
                "ticket_id": t.id,
                "subject": m(t.subject),
                "description": m(t.description),
                "status": t.status,
                "requester": who(t.requester_id),
                "created_at": t.created_at,
                "updated_at": t.updated_at,
                "tags": " ".join(json.loads(t.tags_json or "[]")),
            }
        )
    comment_ids = {i.ref for i in items if i.kind == "comment"}
    rows = s.scalars(
        select(Comment)
        .where((Comment.ticket_id.in_(ticket_ids)) | (Comment.id.in_(comment_ids)))
        .order_by(Comment.ticket_id, Comment.id)
    )
    for c in rows:
        comments.append(
            {
                "comment_id": c.id,
                "ticket_id": c.ticket_id,
                "author": who(c.author_id) or "unknown",
                "public": c.public,
                "created_at": c.created_at,
                "body": m(c.body),
            }
        )
    return (
        {"people": people, "identities": identities, "tickets": tickets, "comments": comments},
        masked,
    )


def summary_html(
    req: DsarRequest,
    records: dict[str, list[dict[str, Any]]],
    when: str,
    art15: tuple[Art15Item, ...] = (),
) -> str:
    """The requester's summary page: the Art. 15 information, each ticket with its comments,
    then the other comments."""
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for c in records["comments"]:
        by_ticket.setdefault(c["ticket_id"], []).append(c)
    tickets = [(t, by_ticket.pop(t["ticket_id"], [])) for t in records["tickets"]]
    return render(
        "dsar_summary.html",
        reference=req.reference,
        requester_name=req.requester_name,
        received_date=req.received_date,
        prepared_on=when[:10],
        records=records,
        tickets=tickets,
        other_comments=[c for cs in by_ticket.values() for c in cs],
        art15=art15,
    )


COLUMNS = {
    "people": [
        "user_id",
        "external_id",
        "name",
        "email",
        "phone",
        "role",
        "created_at",
        "last_login_at",
    ],
    "identities": ["user_id", "type", "value", "created_at"],
    "tickets": [
        "ticket_id",
        "subject",
        "description",
        "status",
        "requester",
        "created_at",
        "updated_at",
        "tags",
    ],
    "comments": ["comment_id", "ticket_id", "author", "public", "created_at", "body"],
}


class ExportService(AnnouncesChanges, Service):
    AREA = DSAR  # every audited write tells other operators' DSAR panes (app.changes)

    def export(
        self, ref: int | str, out: Path | None = None, *, pdf: PdfRenderer | None = None
    ) -> ExportResult:
        """Write the package (step-up required); audited with file and record counts."""
        with self.authorized(Permission.DSAR_MANAGE, action="dsar.export", step_up=True) as (
            s,
            actor,
        ):
            req = load(s, ref)
            require(s, actor.principal, "export", req)
            now = self.ctx.clock.now()
            records, masked = build_records(s, req)
            stamp = utc_iso(now)
            files: dict[str, bytes] = {
                "data.json": json.dumps(
                    {"reference": req.reference, "generated_at": stamp, **records},
                    indent=2,
                    ensure_ascii=False,
                ).encode("utf-8"),
            }
            for name, rows in records.items():
                files[f"{name}.csv"] = _csv(rows, COLUMNS[name])
            art15 = art15_items(s, self.ctx.settings)
            page = summary_html(req, records, stamp, art15)
            files["summary.html"] = page.encode("utf-8")
            if pdf is not None:
                files["summary.pdf"] = pdf(page, f"Your personal data — {req.reference}")
            digests = tuple((n, hashlib.sha256(b).hexdigest()) for n, b in files.items())
            manifest = {
                "reference": req.reference,
                "generated_at": stamp,
                "algorithm": "sha256",
                "files": [{"name": n, "sha256": h, "bytes": len(files[n])} for n, h in digests],
            }
            files["manifest.json"] = json.dumps(manifest, indent=2).encode("utf-8")
            target = out or (
                self.ctx.workspace.exports_dir
                / f"{req.reference}-{stamp[:19].replace(':', '')}.zip"
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in files.items():
                    z.writestr(name, data)
            counts = {k: len(v) for k, v in records.items()}
            missing = tuple(i.key for i in art15 if i.missing)
            add_event(
                s,
                req,
                actor.username,
                now,
                "export",
                f"Export package written ({len(files)} files, {masked} third-party masks)",
                details={"file": target.name, **counts},
            )
            self.audit(
                s,
                "dsar.export",
                object_type="dsar",
                object_id=str(req.id),
                details={
                    "files": len(files),
                    "masked": masked,
                    "art15_not_set": len(missing),
                    **counts,
                },
            )
            partial.replace(target)
        return ExportResult(target, digests, counts, masked, missing)
