"""The DSAR queue service: intake, the status machine, verification, pauses, extension,
closing, letters, settings and the dashboard numbers.

Every call checks `dsar.view` / `dsar.manage` and audits in the same transaction; audit
details carry the request id, statuses and counts only — never the requester's data.
Reading a request's personal data (`get`, `list`) is audited as a view.

Optimistic concurrency (issue 17): every step takes the `expected_version` the caller
showed (`RequestDetail.version`); a request changed since is refused with `StaleEdit`
("DSAR-2026-0001 changed by priya at 10:42 — reload"), audited as a refused action, and
nothing is written. The CLI passes none: it reads and writes in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.changes import DSAR, AnnouncesChanges, mark_changed, refusing_stale, require_version
from app.clock import utc_iso
from app.dsar import deadlines as dl
from app.dsar import letters
from app.dsar.actions import ACTIONS, refusal, require
from app.dsar.dashboard import Dashboard, dashboard_of
from app.dsar.detail import request_detail
from app.dsar.errors import DsarError
from app.dsar.queries import add_event, deadline_of, load, summary_of
from app.dsar.records import NewRequest, RequestDetail, RequestSummary
from app.dsar.settings import NAMES, PREFIX, local_today, setting, zone
from app.dsar.vocabulary import (
    CHANNELS,
    CLOSED,
    REQUEST_TYPES,
    STATUS_TITLES,
    STATUSES,
)
from app.security.guard import Actor, AllowedActions, PermissionDenied, Service, decide_all
from app.security.permissions import Permission
from app.settings import SettingError
from models.dsar import DsarPause, DsarRequest, DsarVerification

P = Permission
Step = Callable[[Session, Actor, DsarRequest, datetime, date], None]


def _clean(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


class DsarService(AnnouncesChanges, Service):
    AREA = DSAR  # every audited write tells other operators' DSAR panes (app.changes)

    # ------------------------------------------------------------ intake and reading

    def create(self, new: NewRequest) -> RequestDetail:
        """Record a request; its reference is DSAR-<year>-<number>."""
        if not new.requester_name.strip():
            raise DsarError("the requester's name is required")
        if new.request_type not in REQUEST_TYPES:
            raise DsarError(f"request type must be one of {', '.join(REQUEST_TYPES)}")
        if new.regime not in dl.REGIMES:
            raise DsarError(f"regime must be one of {', '.join(dl.REGIMES)}")
        if new.request_type in dl.CCPA_FAST_TYPES and new.regime != "ccpa":
            raise DsarError(f"{new.request_type} requests are a CCPA right: use regime ccpa")
        if new.channel not in CHANNELS:
            raise DsarError(f"channel must be one of {', '.join(CHANNELS)}")
        emails, phones, ids = _clean(new.emails), _clean(new.phones), _clean(new.ids)
        if not (emails or phones or ids):
            raise DsarError("give at least one email, phone or customer id to find the person")
        calendar = new.calendar
        if calendar:
            country, subdiv = dl.parse_calendar(calendar)
            calendar = f"{country}-{subdiv}" if subdiv else country
        else:
            calendar = dl.DEFAULT_CALENDARS[new.regime]
        with self.authorized(P.DSAR_MANAGE, action="dsar.create") as (s, actor):
            tz = zone(setting(s, "timezone"))
            received = new.received_at
            if received.tzinfo is None:
                received = received.replace(tzinfo=tz)
            now = self.ctx.clock.now()
            if received > now:
                raise DsarError("the received time is in the future")
            year = received.astimezone(tz).year
            count = s.scalar(
                select(func.count())
                .select_from(DsarRequest)
                .where(DsarRequest.reference.like(f"DSAR-{year}-%"))
            )
            req = DsarRequest(
                reference=f"DSAR-{year}-{int(count or 0) + 1:04d}",
                requester_name=new.requester_name.strip(),
                emails_json=json.dumps([e.lower() for e in emails]),
                phones_json=json.dumps(phones),
                ids_json=json.dumps(ids),
                request_type=new.request_type,
                regime=new.regime,
                calendar=calendar,
                received_at=utc_iso(received.astimezone(UTC)),
                received_date=received.astimezone(tz).date().isoformat(),
                channel=new.channel,
                agent=(new.agent or "").strip() or None,
                notes=new.notes,
                status="new",
                created_at=utc_iso(now),
                created_by=actor.username,
            )
            s.add(req)
            s.flush()
            add_event(s, req, actor.username, now, "status", "Request received", to_status=None)
            self.audit(
                s,
                "dsar.create",
                object_type="dsar",
                object_id=str(req.id),
                details={
                    "type": new.request_type,
                    "regime": new.regime,
                    "identifiers": len(emails) + len(phones) + len(ids),
                },
            )
            return request_detail(s, req, now)

    def list(
        self,
        *,
        status: str | None = None,
        regime: str | None = None,
        request_type: str | None = None,
        open_only: bool = False,
    ) -> list[RequestSummary]:
        """The queue, most urgent first (closed requests last)."""
        with self.authorized(P.DSAR_VIEW, action="dsar.list") as (s, _actor):
            q = select(DsarRequest)
            if status:
                q = q.where(DsarRequest.status == status)
            if regime:
                q = q.where(DsarRequest.regime == regime)
            if request_type:
                q = q.where(DsarRequest.request_type == request_type)
            if open_only:
                q = q.where(DsarRequest.status.not_in(CLOSED))
            today = local_today(s, self.ctx.clock.now())
            rows = [summary_of(s, r, today) for r in s.scalars(q)]
            self.audit(s, "dsar.list", object_type="dsar", details={"count": len(rows)})
        return sorted(rows, key=lambda r: (r.status in CLOSED, r.deadline.due, r.id))

    def get(
        self, ref: int | str, *, reveal: bool = False, reason: str | None = None
    ) -> RequestDetail:
        """A request with the subject's identifiers masked.

        `reveal` shows them in full: it needs `pii.reveal` (besides `dsar.view`) and a
        reason, and is audited as ``pii.reveal`` with the request id and the reason.
        """
        if reveal and not (reason and reason.strip()):
            raise PermissionDenied("Give a reason to reveal personal data.", P.PII_REVEAL)
        permission = P.PII_REVEAL if reveal else P.DSAR_VIEW
        with self.authorized(permission, action="dsar.view") as (s, actor):
            if not actor.principal.can(P.DSAR_VIEW):
                raise PermissionDenied(
                    "You don't have permission to view data-subject requests.", P.DSAR_VIEW
                )
            req = load(s, ref)
            if reveal:
                self.audit(
                    s,
                    "pii.reveal",
                    object_type="dsar",
                    object_id=str(req.id),
                    details={"request": req.id, "reason": (reason or "").strip()},
                )
            else:
                self.audit(s, "dsar.view", object_type="dsar", object_id=str(req.id))
            return request_detail(s, req, self.ctx.clock.now(), masked=not reveal)

    # ------------------------------------------------------------ the status machine

    def transition(
        self,
        ref: int | str,
        to_status: str,
        *,
        note: str = "",
        expected_version: int | None = None,
    ) -> RequestDetail:
        """A plain move along the machine (verifying identity, back to in progress)."""
        if to_status not in STATUSES:
            raise DsarError(f"unknown status {to_status!r}")
        if to_status in CLOSED or to_status in ("extended", "awaiting_clarification"):
            raise DsarError(f"use the {to_status} action: it records what that step needs")
        return self._act(
            ref,
            "dsar.transition",
            lambda s, a, r, now, today: self._move(
                s, a, r, now, to_status, note or f"Status: {STATUS_TITLES[to_status]}"
            ),
            rule="verifying" if to_status == "verifying" else None,
            expected_version=expected_version,
        )

    def start_verification(
        self, ref: int | str, *, expected_version: int | None = None
    ) -> RequestDetail:
        return self.transition(
            ref,
            "verifying",
            note="Identity verification started",
            expected_version=expected_version,
        )

    def verify(
        self,
        ref: int | str,
        *,
        method: str,
        evidence_note: str = "",
        info_received: date | None = None,
        fee_received: date | None = None,
        expected_version: int | None = None,
    ) -> RequestDetail:
        """Record how identity was verified (no ID document copies) and start the work.

        `info_received` / `fee_received`: when requested identity information or a fee
        arrived; under GDPR the clock starts at the latest of those and receipt.
        """
        if not method.strip():
            raise DsarError("say how identity was verified (method)")

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            for when in (info_received, fee_received):
                if when is not None and (
                    when < date.fromisoformat(req.received_date) or when > today
                ):
                    raise DsarError("dates must fall between receipt and today")
            if info_received:
                req.identity_date = info_received.isoformat()
            if fee_received:
                req.fee_date = fee_received.isoformat()
            s.add(
                DsarVerification(
                    request_id=req.id,
                    method=method.strip(),
                    evidence_note=evidence_note.strip(),
                    verified_by=actor.username,
                    verified_at=utc_iso(now),
                )
            )
            target = req.status if req.status in ("in_progress", "extended") else "in_progress"
            add_event(
                s,
                req,
                actor.username,
                now,
                "verify",
                f"Identity verified ({method.strip()})",
                to_status=target,
                details={"method": method.strip()},
            )

        return self._act(ref, "dsar.verify", act, "verify", expected_version=expected_version)

    def pause(
        self,
        ref: int | str,
        *,
        on: date | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> RequestDetail:
        """Clarification asked: the request waits (the UK clock stops from `on`)."""

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            start = on or today
            if start > today or start < date.fromisoformat(req.received_date):
                raise DsarError("the pause must start between receipt and today")
            s.add(DsarPause(request_id=req.id, start_date=start.isoformat()))
            text = f"Clarification requested on {start.isoformat()}"
            add_event(
                s,
                req,
                actor.username,
                now,
                "pause",
                text + (f": {note}" if note else ""),
                to_status="awaiting_clarification",
            )

        return self._act(ref, "dsar.pause", act, "pause", expected_version=expected_version)

    def resume(
        self, ref: int | str, *, on: date | None = None, expected_version: int | None = None
    ) -> RequestDetail:
        """Clarification received on `on`: the clock runs again."""

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            pause = s.scalar(
                select(DsarPause).where(
                    DsarPause.request_id == req.id, DsarPause.end_date.is_(None)
                )
            )
            if pause is None or req.status != "awaiting_clarification":
                raise DsarError(f"{req.reference} is not awaiting clarification")
            end = on or today
            if end < date.fromisoformat(pause.start_date) or end > today:
                raise DsarError("the answer must come between the request for it and today")
            pause.end_date = end.isoformat()
            add_event(
                s,
                req,
                actor.username,
                now,
                "resume",
                f"Clarification received on {end.isoformat()}",
                to_status="extended" if req.extended else "in_progress",
            )

        return self._act(ref, "dsar.resume", act, "resume", expected_version=expected_version)

    def extend(
        self,
        ref: int | str,
        *,
        reasons: str,
        notice_on: date | None = None,
        expected_version: int | None = None,
    ) -> RequestDetail:
        """Extend the deadline; only with reasons, notified before the original deadline."""
        if not reasons.strip():
            raise DsarError("an extension needs the reasons given to the requester")

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            if req.extended:
                raise DsarError(f"{req.reference} is already extended")
            view = deadline_of(s, req, today)
            if view.extended_due is None:
                raise DsarError(f"{req.regime} allows no extension for this request type")
            notice = notice_on or today
            if notice > today:
                raise DsarError("the notice date cannot be in the future")
            if not dl.extension_allowed(view.original_due, notice):
                raise DsarError(
                    f"too late to extend: the notice had to go by {view.original_due.isoformat()}"
                )
            req.extended = True
            req.extension_notice_date = notice.isoformat()
            req.extension_reasons = reasons.strip()
            add_event(
                s,
                req,
                actor.username,
                now,
                "extend",
                f"Deadline extended to {view.extended_due.isoformat()} (notice {notice})",
                to_status="awaiting_clarification"
                if req.status == "awaiting_clarification"
                else "extended",
            )

        return self._act(ref, "dsar.extend", act, "extend", expected_version=expected_version)

    def close(
        self,
        ref: int | str,
        outcome: str,
        *,
        reason: str = "",
        duplicate_of: int | str | None = None,
        expected_version: int | None = None,
    ) -> RequestDetail:
        """completed | rejected (reason required) | withdrawn | duplicate (of another)."""
        if outcome not in CLOSED:
            raise DsarError(f"outcome must be one of {', '.join(sorted(CLOSED))}")
        if outcome == "rejected" and not reason.strip():
            raise DsarError("a rejection needs the reason given to the requester")
        if outcome == "duplicate" and duplicate_of is None:
            raise DsarError("say which request this duplicates")

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            details: dict[str, object] = {"outcome": outcome}
            summary = STATUS_TITLES[outcome]
            if duplicate_of is not None:
                original = load(s, duplicate_of)
                if original.id == req.id:
                    raise DsarError("a request cannot duplicate itself")
                req.duplicate_of_id = original.id
                details["duplicate_of"] = original.id
                summary += f" of {original.reference}"
            req.outcome_reason = reason.strip() or None
            req.closed_date = today.isoformat()
            add_event(
                s,
                req,
                actor.username,
                now,
                "status",
                summary + (f": {reason.strip()}" if reason.strip() else ""),
                to_status=outcome,
                details=details,
            )

        return self._act(ref, "dsar.close", act, "close", expected_version=expected_version)

    # ------------------------------------------------------------ letters

    def draft_letter(self, ref: int | str, kind: str, *, reasons: str = "") -> str:
        """A letter of `kind` filled from the request, for the officer to edit."""
        with self.authorized(P.DSAR_VIEW, action="dsar.letter.draft") as (s, _actor):
            req = load(s, ref)
            today = local_today(s, self.ctx.clock.now())
            text = letters.render(kind, req, deadline_of(s, req, today), today, reasons)
            self.audit(
                s,
                "dsar.letter.draft",
                object_type="dsar",
                object_id=str(req.id),
                details={"kind": kind},
            )
            return text

    def save_letter(
        self, ref: int | str, kind: str, body: str, *, expected_version: int | None = None
    ) -> RequestDetail:
        """Save the (edited) letter on the request's timeline."""
        if kind not in letters.KINDS:
            raise DsarError(f"letter kind must be one of {', '.join(letters.KINDS)}")
        if not body.strip():
            raise DsarError("the letter is empty")

        def act(s: Session, actor: Actor, req: DsarRequest, now: datetime, today: date) -> None:
            add_event(
                s,
                req,
                actor.username,
                now,
                "letter",
                f"Letter: {letters.TITLES[kind]}",
                body=body,
                details={"kind": kind},
            )

        return self._act(ref, "dsar.letter.save", act, "letter", expected_version=expected_version)

    # ------------------------------------------------------------ settings, dashboard

    def settings(self) -> dict[str, object]:
        """The DSAR settings by short name (``pause_method``, ``timezone``)."""
        with self.authorized(P.DSAR_VIEW, action="dsar.settings.view") as (s, _actor):
            return {name: setting(s, name) for name in NAMES}

    def set_setting(self, name: str, value: str) -> None:
        if name not in NAMES:
            raise DsarError(f"unknown DSAR setting {name!r}: one of {', '.join(NAMES)}")
        try:
            self.ctx.settings.spec(PREFIX + name).validate(value)
        except SettingError as exc:
            raise DsarError(str(exc)) from None
        with self.authorized(P.DSAR_MANAGE, action="dsar.settings") as (s, _actor):
            self.ctx.settings.set(s, PREFIX + name, value)
            self.audit(s, "dsar.settings", details={"key": name, "value": value})

    def dashboard(self) -> Dashboard:
        with self.authorized(P.DSAR_VIEW, action="dsar.dashboard") as (s, _actor):
            today = local_today(s, self.ctx.clock.now())
            rows = [summary_of(s, r, today) for r in s.scalars(select(DsarRequest))]
            self.audit(s, "dsar.dashboard", details={"count": len(rows)})
        return dashboard_of(rows, today)

    def allowed_actions(self, ref: int | str) -> AllowedActions:
        """What the signed-in operator may do to this request now (the pane's buttons),
        decided by the same rule that guards each action (`app.dsar.actions`)."""
        with self.authorized(P.DSAR_VIEW, action="dsar.actions") as (s, actor):
            req = load(s, ref)
            return decide_all(ACTIONS, lambda name: refusal(s, actor.principal, name, req))

    # ------------------------------------------------------------ internals

    def _act(
        self,
        ref: int | str,
        action: str,
        fn: Step,
        rule: str | None = None,
        *,
        expected_version: int | None = None,
    ) -> RequestDetail:
        with (
            refusing_stale(self, action, f"DSAR {ref}", "dsar", str(ref)),
            self.authorized(P.DSAR_MANAGE, action=action) as (s, actor),
        ):
            req = load(s, ref, lock=True)
            now = self.ctx.clock.now()
            require_version(req.reference, req, expected_version, now)
            if rule is not None:
                require(s, actor.principal, rule, req)
            if req.status in CLOSED:
                raise DsarError(f"{req.reference} is closed ({STATUS_TITLES[req.status].lower()})")
            before = req.status
            fn(s, actor, req, now, local_today(s, now))
            mark_changed(req, actor, now)  # a new version even when only the timeline grew
            s.flush()  # UPDATE … WHERE version = read: a lost race is a StaleEdit here
            self.audit(
                s,
                action,
                object_type="dsar",
                object_id=str(req.id),
                details={"from": before, "to": req.status},
            )
            return request_detail(s, req, now)

    def _move(
        self, s: Session, actor: Actor, req: DsarRequest, now: datetime, to: str, note: str
    ) -> None:
        add_event(s, req, actor.username, now, "status", note, to_status=to)
