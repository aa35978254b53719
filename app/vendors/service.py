"""The vendor and integration register for the privacy officer (manages) and the auditor
(reads): VENDORS_VIEW / VENDORS_MANAGE.

Vendors carry the data categories they receive (keys of the data inventory's categories;
while the inventory has categories, a key it does not know is refused). A review answers
the questionnaire (`resources/vendors/questionnaire.toml`), records evidence files by
SHA-256, name and size, and is signed off with a decision after a fresh authenticator code
(step-up); the sign-off sets the vendor's next review a year later. Integrations come from
the Zendesk endpoint files (`app.vendors.integrations`) and are linked to a vendor by hand.
Audit details hold ids, keys and counts only.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.jobs import JobControl
from app.reports import csv_safe
from app.security.guard import Service
from app.security.permissions import Permission
from app.vendors import findings as finding_rules
from app.vendors import integrations as reader
from app.vendors import questionnaire as questions
from app.vendors.records import (
    DECISIONS,
    CertificationRow,
    EvidenceRef,
    Finding,
    ImportResult,
    IntegrationRow,
    ReviewRow,
    VendorError,
    VendorInput,
    VendorRow,
    parse_day,
)
from app.zendesk.client import Client
from app.zendesk.connection import client_for, load_connection
from app.zendesk.pages import next_link, page_where
from models.helpdesk import AccessLog
from models.inventory import InventoryCategory
from models.vendors import (
    Certification,
    Integration,
    Vendor,
    VendorQuestionnaire,
    VendorReview,
)

REVIEW_EVERY_DAYS = 365
EXPORT_FORMATS = ("csv", "json")
VENDOR_COLUMNS = (
    "key",
    "name",
    "purpose",
    "categories",
    "role",
    "dpa_signed",
    "dpa_date",
    "transfer",
    "risk_tier",
    "access",
    "owner",
    "next_review",
    "last_review",
    "last_decision",
    "certifications",
    "next_expiry",
    "integrations",
)


@dataclass(frozen=True)
class VendorDetail:
    vendor: VendorRow
    reviews: tuple[ReviewRow, ...]
    integrations: tuple[IntegrationRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "vendor": self.vendor.to_json(),
            "reviews": [r.to_json() for r in self.reviews],
            "integrations": [i.to_json() for i in self.integrations],
        }


def _cert_row(c: Certification, key: str) -> CertificationRow:
    return CertificationRow(c.id, key, c.kind, c.report_date, c.expires_on)


def _review_row(r: VendorReview, key: str) -> ReviewRow:
    evidence = tuple(EvidenceRef(**e) for e in json.loads(r.evidence_json or "[]"))
    return ReviewRow(
        r.id,
        key,
        r.status,
        r.questionnaire,
        dict(json.loads(r.answers_json or "{}")),
        evidence,
        r.score,
        r.decision,
        r.conditions or "",
        r.started_at,
        r.started_by,
        r.signed_off_by,
        r.signed_off_at,
    )


def _load_vendors(s: Session) -> list[VendorRow]:
    known = set(s.scalars(select(InventoryCategory.key)))
    certs: dict[int, list[Certification]] = {}
    for c in s.scalars(select(Certification).order_by(Certification.expires_on, Certification.id)):
        certs.setdefault(c.vendor_id, []).append(c)
    last: dict[int, VendorReview] = {}
    for r in s.scalars(
        select(VendorReview)
        .where(VendorReview.status == "signed_off")
        .order_by(VendorReview.signed_off_at, VendorReview.id)
    ):
        last[r.vendor_id] = r
    rows = []
    for v in s.scalars(select(Vendor).order_by(Vendor.key)):
        cats = tuple(json.loads(v.categories_json or "[]"))
        signed = last.get(v.id)
        rows.append(
            VendorRow(
                v.id,
                v.key,
                v.name,
                v.purpose,
                cats,
                v.role,
                bool(v.dpa_signed),
                v.dpa_date,
                v.transfer,
                v.risk_tier,
                v.access,
                v.owner or "",
                v.next_review,
                tuple(_cert_row(c, v.key) for c in certs.get(v.id, [])),
                (signed.signed_off_at or "")[:10] if signed else None,
                signed.decision if signed else None,
                tuple(c for c in cats if known and c not in known),
            )
        )
    return rows


def _load_integrations(s: Session) -> list[IntegrationRow]:
    keys = {vid: key for vid, key in s.execute(select(Vendor.id, Vendor.key))}
    return [
        IntegrationRow(
            i.id,
            i.kind,
            i.zendesk_id,
            i.name,
            tuple(json.loads(i.scopes_json or "[]")),
            i.created_at,
            i.used_at,
            keys.get(i.vendor_id) if i.vendor_id is not None else None,
            i.parent_id,
            i.user_id,
        )
        for i in s.scalars(select(Integration).order_by(Integration.kind, Integration.id))
    ]


def evidence_ref(path: Path) -> EvidenceRef:
    """A file's SHA-256, name and size (its content is not kept)."""
    if not path.is_file():
        raise VendorError(f"evidence file {path}: no such file")
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return EvidenceRef(digest.hexdigest(), path.name, size)


class VendorService(Service):
    """Vendors, certifications, reviews, integrations and findings."""

    # ------------------------------------------------------------ vendors

    def vendors(self) -> tuple[VendorRow, ...]:
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.list") as (s, _a):
            rows = tuple(_load_vendors(s))
            self.audit(s, "vendors.list", details={"vendors": len(rows)})
            return rows

    def show(self, key: str) -> VendorDetail:
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.show") as (s, _a):
            vendor = self._vendor_row(s, key)
            reviews = tuple(
                _review_row(r, key)
                for r in s.scalars(
                    select(VendorReview)
                    .where(VendorReview.vendor_id == vendor.id)
                    .order_by(VendorReview.id.desc())
                )
            )
            linked = tuple(i for i in _load_integrations(s) if i.vendor == key)
            self.audit(s, "vendors.show", object_type="vendor", object_id=key)
            return VendorDetail(vendor, reviews, linked)

    def add(self, vendor: VendorInput) -> VendorRow:
        vendor.check()
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.add") as (s, actor):
            if s.scalar(select(Vendor.id).where(Vendor.key == vendor.key)) is not None:
                raise VendorError(f"vendor {vendor.key!r} exists (update it instead)")
            self._check_categories(s, vendor)
            s.add(Vendor(**self._columns(vendor, actor.username)))
            s.flush()
            self.audit(s, "vendors.add", object_type="vendor", object_id=vendor.key)
            return self._vendor_row(s, vendor.key)

    def update(self, vendor: VendorInput) -> VendorRow:
        vendor.check()
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.update") as (s, actor):
            row = self._vendor(s, vendor.key)
            self._check_categories(s, vendor)
            for k, v in self._columns(vendor, actor.username).items():
                setattr(row, k, v)
            s.flush()
            self.audit(s, "vendors.update", object_type="vendor", object_id=vendor.key)
            return self._vendor_row(s, vendor.key)

    def add_certification(
        self, key: str, kind: str, report_date: str, expires_on: str | None = None
    ) -> CertificationRow:
        where = f"vendor {key!r}: certification"
        if not kind.strip():
            raise VendorError(f"{where}: the kind (e.g. 'SOC 2 Type II') is required")
        report = parse_day(report_date, f"{where} report date")
        if report is None:
            raise VendorError(f"{where}: the report date is required")
        expiry = parse_day(expires_on, f"{where} expiry")
        if expiry is not None and expiry < report:
            raise VendorError(f"{where}: expires ({expiry}) before its report date ({report})")
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.certification.add") as (
            s,
            actor,
        ):
            vendor = self._vendor(s, key)
            cert = Certification(
                vendor_id=vendor.id,
                kind=kind.strip(),
                report_date=report.isoformat(),
                expires_on=expiry.isoformat() if expiry else None,
                added_at=utc_iso(self.ctx.clock.now()),
                added_by=actor.username,
            )
            s.add(cert)
            s.flush()
            self.audit(
                s,
                "vendors.certification.add",
                object_type="vendor",
                object_id=key,
                details={"certification": cert.id},
            )
            return _cert_row(cert, key)

    # ------------------------------------------------------------ reviews

    def start_review(self, key: str) -> ReviewRow:
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.review.start") as (
            s,
            actor,
        ):
            vendor = self._vendor(s, key)
            open_one = s.scalar(
                select(VendorReview.id).where(
                    VendorReview.vendor_id == vendor.id, VendorReview.status == "open"
                )
            )
            if open_one is not None:
                raise VendorError(f"vendor {key!r} already has review {open_one} open")
            review = VendorReview(
                vendor_id=vendor.id,
                status="open",
                questionnaire=questions.current(s).version,
                answers_json="{}",
                evidence_json="[]",
                conditions="",
                started_at=utc_iso(self.ctx.clock.now()),
                started_by=actor.username,
            )
            s.add(review)
            s.flush()
            self.audit(
                s,
                "vendors.review.start",
                object_type="vendor_review",
                object_id=str(review.id),
                details={"vendor": key},
            )
            return _review_row(review, key)

    def questionnaire(self, version: str | None = None) -> questions.Questionnaire:
        """The questionnaire new reviews use, or the `version` a review was started with."""
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.questionnaire.view") as (
            s,
            _a,
        ):
            q = questions.current(s) if version is None else questions.of_version(s, version)
            self.audit(s, "vendors.questionnaire.view", details={"version": q.version})
            return q

    def import_questionnaire(self, path: Path) -> questions.Questionnaire:
        """Keep an edited questionnaire (a new version); new reviews use it from now on."""
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VendorError(f"{path.name}: cannot be read ({type(exc).__name__})") from None
        q = questions.parse(text, path.name)
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.questionnaire.import") as (
            s,
            actor,
        ):
            taken = q.version == questions.builtin().version or s.scalar(
                select(VendorQuestionnaire.id).where(VendorQuestionnaire.version == q.version)
            )
            if taken:
                raise VendorError(
                    f"{path.name}: version {q.version!r} exists already; give the edited "
                    "questionnaire a new version"
                )
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            s.add(
                VendorQuestionnaire(
                    version=q.version,
                    text=text,
                    sha256=digest,
                    questions=len(q.questions),
                    imported_at=utc_iso(self.ctx.clock.now()),
                    imported_by=actor.username,
                )
            )
            s.flush()
            self.audit(
                s,
                "vendors.questionnaire.import",
                details={"version": q.version, "questions": len(q.questions), "sha256": digest},
            )
            return questions.Questionnaire(q.version, q.questions, text, "imported")

    def answer_review(
        self,
        review_id: int,
        answers: Mapping[str, str],
        evidence: Sequence[Path] = (),
    ) -> ReviewRow:
        """Record answers (merged over earlier ones) and evidence files (by hash)."""
        refs = [evidence_ref(p) for p in evidence]
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.review.answer") as (
            s,
            _a,
        ):
            review, key = self._open_review(s, review_id)
            template = questions.of_version(s, review.questionnaire)
            template.check_answers(answers)
            merged = {**json.loads(review.answers_json or "{}"), **dict(answers)}
            stored = json.loads(review.evidence_json or "[]")
            have = {e["sha256"] for e in stored}
            stored += [asdict(r) for r in refs if r.sha256 not in have]
            review.answers_json = json.dumps(merged, sort_keys=True)
            review.evidence_json = json.dumps(stored)
            review.score = template.score(merged)
            s.flush()
            self.audit(
                s,
                "vendors.review.answer",
                object_type="vendor_review",
                object_id=str(review_id),
                details={"answers": len(answers), "evidence": len(refs), "score": review.score},
            )
            return _review_row(review, key)

    def sign_off_review(self, review_id: int, decision: str, conditions: str = "") -> ReviewRow:
        """Sign the review off with a decision (fresh code); next review in a year."""
        if decision not in DECISIONS:
            raise VendorError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
        if decision == "approve_with_conditions" and not conditions.strip():
            raise VendorError("approve_with_conditions needs the conditions written down")
        with self.authorized(
            Permission.VENDORS_MANAGE, action="vendors.review.signoff", step_up=True
        ) as (s, actor):
            review, key = self._open_review(s, review_id)
            template = questions.of_version(s, review.questionnaire)
            missing = template.unanswered(json.loads(review.answers_json or "{}"))
            if missing:
                raise VendorError(
                    f"review {review_id}: {len(missing)} questions unanswered "
                    f"(first: {missing[0]}); answer them (n/a counts) before signing off"
                )
            now = self.ctx.clock.now()
            review.status = "signed_off"
            review.decision = decision
            review.conditions = conditions.strip()
            review.signed_off_by = actor.username
            review.signed_off_at = utc_iso(now)
            vendor = self._vendor(s, key)
            vendor.next_review = (now.date() + timedelta(days=REVIEW_EVERY_DAYS)).isoformat()
            s.flush()
            self.audit(
                s,
                "vendors.review.signoff",
                object_type="vendor_review",
                object_id=str(review_id),
                details={"vendor": key, "decision": decision, "score": review.score},
            )
            return _review_row(review, key)

    def reviews(self) -> tuple[ReviewRow, ...]:
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.reviews") as (s, _a):
            keys = {vid: key for vid, key in s.execute(select(Vendor.id, Vendor.key))}
            rows = tuple(
                _review_row(r, keys[r.vendor_id])
                for r in s.scalars(select(VendorReview).order_by(VendorReview.id))
            )
            self.audit(s, "vendors.reviews", details={"reviews": len(rows)})
            return rows

    # ------------------------------------------------------------ integrations

    def integrations(self) -> tuple[IntegrationRow, ...]:
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.integrations.list") as (
            s,
            _a,
        ):
            rows = tuple(_load_integrations(s))
            self.audit(s, "vendors.integrations.list", details={"integrations": len(rows)})
            return rows

    def import_integrations(self, paths: Iterable[Path]) -> ImportResult:
        """Read the endpoint files (all checked first), then add or update each one."""
        chosen, found = reader.read_all(list(paths))
        return self._store_integrations(tuple(p.name for p in chosen), found, "files")

    def _store_integrations(
        self, sources: tuple[str, ...], found: Sequence[reader.Found], origin: str
    ) -> ImportResult:
        """Add or update each integration read (all of them checked already)."""
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.integrations.import") as (
            s,
            _a,
        ):
            now = utc_iso(self.ctx.clock.now())
            existing = {(i.kind, i.zendesk_id): i for i in s.scalars(select(Integration))}
            added = updated = 0
            by_kind: dict[str, int] = {}
            for f in found:
                by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
                values = {
                    "name": f.name,
                    "scopes_json": json.dumps(list(f.scopes)),
                    "parent_id": f.parent_id,
                    "user_id": f.user_id,
                    "created_at": f.created_at,
                    "used_at": f.used_at,
                    "imported_at": now,
                }
                row = existing.get((f.kind, f.zendesk_id))
                if row is None:
                    row = Integration(kind=f.kind, zendesk_id=f.zendesk_id, **values)
                    s.add(row)
                    existing[(f.kind, f.zendesk_id)] = row
                    added += 1
                else:
                    for k, v in values.items():
                        setattr(row, k, v)
                    updated += 1
            s.flush()
            self.audit(
                s,
                "vendors.integrations.import",
                details={
                    "origin": origin,
                    "sources": len(sources),
                    "added": added,
                    "updated": updated,
                },
            )
            return ImportResult(sources, added, updated, by_kind)

    def sync_integrations(
        self,
        control: JobControl | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> ImportResult:
        """Read the integrations over the Zendesk connection, then store them like files.

        Needs the connector (`zendesk.sync`) to use the token and `vendors.manage` to store.
        Every page of the five endpoints is fetched and checked before anything is written;
        a bad page names its request and record, and nothing is stored."""
        control = control or JobControl()
        with self.authorized(
            Permission.ZENDESK_SYNC, action="vendors.integrations.fetch", read_only=True
        ) as (s, _a):
            client = client_for(load_connection(s), sleep, transport)
        found: list[reader.Found] = []
        sources: list[str] = []
        with client:
            for n, (name, path, params) in enumerate(reader.ENDPOINTS):
                control.report(n, len(reader.ENDPOINTS), f"GET {path}")
                for where, page in _pages(client, control, path, params):
                    found.extend(reader.read_page(name, page, where))
                sources.append(f"GET {path}")
        control.raise_if_cancelled()
        return self._store_integrations(tuple(sources), found, "zendesk")

    def link(self, ref: str, vendor_key: str | None) -> IntegrationRow:
        """Link integration `kind:id` (or a bare Zendesk id when unique) to a vendor;
        None unlinks it."""
        with self.authorized(Permission.VENDORS_MANAGE, action="vendors.link") as (s, _a):
            row = self._integration(s, ref)
            vendor = self._vendor(s, vendor_key) if vendor_key else None
            row.vendor_id = vendor.id if vendor else None
            s.flush()
            self.audit(
                s,
                "vendors.link",
                object_type="integration",
                object_id=f"{row.kind}:{row.zendesk_id}",
                details={"vendor": vendor_key},
            )
            return next(i for i in _load_integrations(s) if i.id == row.id)

    # ------------------------------------------------------------ findings, export

    def findings(self) -> tuple[Finding, ...]:
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.findings") as (s, _a):
            found = self._findings(s)
            self.audit(s, "vendors.findings", details={"findings": len(found)})
            return found

    def _findings(self, s: Session) -> tuple[Finding, ...]:
        days = int(self.ctx.settings.get(s, "vendors.unused_after_days"))
        integrations = _load_integrations(s)
        now = self.ctx.clock.now()
        users = {i.user_id for i in integrations if i.kind == "oauth_token" and i.user_id}
        return tuple(
            finding_rules.compute(
                _load_vendors(s),
                integrations,
                today=now.date(),
                unused_after_days=days,
                activity=_oauth_activity(s, users, now),
            )
        )

    def export_text(self, fmt: str) -> str:
        """The register as CSV (one row per vendor) or JSON (vendors, reviews,
        integrations and findings)."""
        if fmt not in EXPORT_FORMATS:
            raise VendorError(f"unknown export format {fmt!r} ({', '.join(EXPORT_FORMATS)})")
        with self.authorized(Permission.VENDORS_VIEW, action="vendors.export") as (s, _a):
            vendors = _load_vendors(s)
            integrations = _load_integrations(s)
            linked: dict[str, int] = {}
            for i in integrations:
                if i.vendor:
                    linked[i.vendor] = linked.get(i.vendor, 0) + 1
            if fmt == "csv":
                text = csv_safe.render(
                    VENDOR_COLUMNS,
                    (
                        [
                            v.key,
                            v.name,
                            v.purpose,
                            "; ".join(v.categories),
                            v.role,
                            "yes" if v.dpa_signed else "no",
                            v.dpa_date,
                            v.transfer,
                            v.risk_tier,
                            v.access,
                            v.owner,
                            v.next_review,
                            v.last_review,
                            v.last_decision,
                            "; ".join(
                                f"{c.kind} ({c.report_date}"
                                + (f", expires {c.expires_on})" if c.expires_on else ")")
                                for c in v.certifications
                            ),
                            v.next_expiry,
                            linked.get(v.key, 0),
                        ]
                        for v in vendors
                    ),
                )
            else:
                keys = {v.id: v.key for v in vendors}
                reviews = [
                    _review_row(r, keys[r.vendor_id]).to_json()
                    for r in s.scalars(select(VendorReview).order_by(VendorReview.id))
                ]
                text = (
                    json.dumps(
                        {
                            "generated_at": utc_iso(self.ctx.clock.now()),
                            "vendors": [v.to_json() for v in vendors],
                            "reviews": reviews,
                            "integrations": [i.to_json() for i in integrations],
                            "findings": [f.to_json() for f in self._findings(s)],
                        },
                        indent=2,
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            self.audit(s, "vendors.export", details={"format": fmt, "vendors": len(vendors)})
            return text

    # ------------------------------------------------------------ helpers

    def _vendor(self, s: Session, key: str) -> Vendor:
        row = s.scalar(select(Vendor).where(Vendor.key == key))
        if row is None:
            raise VendorError(f"no vendor {key!r} (see `privdesk vendors list`)")
        return row

    def _vendor_row(self, s: Session, key: str) -> VendorRow:
        self._vendor(s, key)
        return next(v for v in _load_vendors(s) if v.key == key)

    def _open_review(self, s: Session, review_id: int) -> tuple[VendorReview, str]:
        review = s.get(VendorReview, review_id)
        if review is None:
            raise VendorError(f"no vendor review {review_id}")
        if review.status != "open":
            raise VendorError(f"review {review_id} is already signed off")
        key = s.scalar(select(Vendor.key).where(Vendor.id == review.vendor_id))
        assert key is not None
        return review, key

    def _integration(self, s: Session, ref: str) -> Integration:
        kind, sep, zid = ref.partition(":")
        query = select(Integration)
        if sep:
            query = query.where(Integration.kind == kind, Integration.zendesk_id == zid)
        else:
            query = query.where(Integration.zendesk_id == ref)
        rows = list(s.scalars(query))
        if not rows:
            raise VendorError(f"no integration {ref!r} (see `privdesk vendors integrations list`)")
        if len(rows) > 1:
            kinds = ", ".join(f"{r.kind}:{r.zendesk_id}" for r in rows)
            raise VendorError(f"integration {ref!r} is ambiguous: say which ({kinds})")
        return rows[0]

    def _check_categories(self, s: Session, vendor: VendorInput) -> None:
        known = set(s.scalars(select(InventoryCategory.key)))
        unknown = [c for c in vendor.categories if known and c not in known]
        if unknown:
            raise VendorError(
                f"vendor {vendor.key!r}: data category {unknown[0]!r} is not in the data "
                f"inventory (known: {', '.join(sorted(known))})"
            )

    def _columns(self, vendor: VendorInput, who: str) -> dict[str, Any]:
        return {
            "key": vendor.key,
            "name": vendor.name.strip(),
            "purpose": vendor.purpose,
            "categories_json": json.dumps(list(dict.fromkeys(vendor.categories))),
            "role": vendor.role,
            "dpa_signed": vendor.dpa_signed,
            "dpa_date": vendor.dpa_date or None,
            "transfer": vendor.transfer,
            "risk_tier": vendor.risk_tier,
            "access": vendor.access,
            "owner": vendor.owner,
            "next_review": vendor.next_review or None,
            "updated_at": utc_iso(self.ctx.clock.now()),
            "updated_by": who,
        }


MAX_PAGES = 1000  # a safety stop against a help desk that links pages in a circle


def _pages(
    client: Client, control: JobControl, path: str, params: Mapping[str, str]
) -> Iterator[tuple[str, Any]]:
    """Each page of a list endpoint, following `next_page` or `links.next`."""
    url: str | None = path
    query: Mapping[str, str] | None = params
    for page in range(1, MAX_PAGES + 1):
        control.raise_if_cancelled()
        where = page_where(f"GET {path}", page)
        answer = client.get(url or path, query, where=where)
        yield where, answer.data
        url, query = next_link(answer.data, where), None
        if url is None:
            return
    raise VendorError(f"GET {path}: more than {MAX_PAGES} pages; refused")


def _oauth_activity(s: Session, users: set[str], now: datetime) -> dict[str, tuple[int, int]]:
    """user id -> (OAuth requests in the last week, in the four weeks before), from the
    imported access logs (`finding_rules.OAUTH_AUTHORIZATION`)."""
    ids = [int(u) for u in users if u.isdigit()]
    if not ids:
        return {}
    week = utc_iso(now - timedelta(days=finding_rules.RECENT_DAYS))
    start = utc_iso(now - timedelta(days=finding_rules.RECENT_DAYS + finding_rules.BASELINE_DAYS))
    recent = func.sum(case((AccessLog.timestamp >= week, 1), else_=0))
    before = func.sum(case((AccessLog.timestamp < week, 1), else_=0))
    rows = s.execute(
        select(AccessLog.user_id, recent, before)
        .where(
            AccessLog.user_id.in_(ids),
            func.lower(AccessLog.authorization_type).in_(finding_rules.OAUTH_AUTHORIZATION),
            AccessLog.timestamp >= start,
            AccessLog.timestamp <= utc_iso(now),
        )
        .group_by(AccessLog.user_id)
    )
    return {str(uid): (int(r or 0), int(b or 0)) for uid, r, b in rows}
