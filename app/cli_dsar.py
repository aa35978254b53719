"""CLI: `privdesk dsar new|list|show|verify|pause|resume|extend|locate|export|erase|close|due`,
`dsar certificate REQUEST` (the saved erasure certificate and help-desk plan) and
`dsar hold add|release|list` (legal holds, retention rules, open disputes).

`dsar due` is a calculator: it needs no workspace. Every other action signs in and goes
through the DSAR services (permissions, audit). Export and erase ask for a fresh
authenticator code (step-up). The export's PDF summary is rendered here, with Qt (this
module is part of the composition root).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, UsageError, emit
from app.dsar import deadlines as dl
from app.dsar.records import NewRequest, RequestDetail
from app.dsar.vocabulary import CHANNELS, CLOSED, REQUEST_TYPES

ACTIONS = (
    "new",
    "list",
    "show",
    "verify",
    "pause",
    "resume",
    "extend",
    "locate",
    "export",
    "erase",
    "close",
    "certificate",
    "hold",
    "due",
)
if TYPE_CHECKING:
    from app.dsar.erasure import Hold

HOLD_ACTIONS = ("add", "release", "list")
# CLI spelling → the basis the erasure service records.
HOLD_BASES = {"legal_hold": "legal-hold", "retention": "retention-rule", "dispute": "open-dispute"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=ACTIONS)
    p.add_argument(
        "request",
        nargs="?",
        help="request reference (DSAR-2026-0001) or id; for `hold`: add, release or list",
    )
    p.add_argument("hold_id", nargs="?", metavar="HOLD_ID", help="`hold release`: the hold")
    p.add_argument("--regime", choices=dl.REGIMES)
    p.add_argument("--received", metavar="DATE", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    p.add_argument("--calendar", metavar="CODE", help="holiday calendar: GB-ENG, DE, US-CA, …")
    p.add_argument("--extended", action="store_true", help="`due`: print the extended date")
    p.add_argument(
        "--pause",
        action="append",
        default=[],
        metavar="FROM:TO",
        help="`due`: a clarification pause (uk-gdpr), repeatable",
    )
    p.add_argument("--type", dest="request_type", choices=REQUEST_TYPES, default=None)
    p.add_argument("--name", help="`new`: the requester's name")
    p.add_argument("--email", action="append", default=[], help="`new`: repeatable")
    p.add_argument("--phone", action="append", default=[], help="`new`: repeatable")
    p.add_argument("--id", dest="ids", action="append", default=[], help="customer/external id")
    p.add_argument("--channel", choices=CHANNELS, default="email")
    p.add_argument("--agent", help="`new`: authorised agent acting for the requester")
    p.add_argument("--notes", default="")
    p.add_argument("--status", help="`list`: only this status")
    p.add_argument("--open", action="store_true", help="`list`: open requests only")
    p.add_argument("--method", help="`verify`: how identity was verified")
    p.add_argument("--evidence", default="", help="`verify`: evidence note (no ID copies)")
    p.add_argument("--info-received", metavar="DATE", help="`verify`: requested ID info came")
    p.add_argument("--fee-received", metavar="DATE", help="`verify`: fee came")
    p.add_argument("--on", metavar="DATE", help="`pause`/`resume`/`extend`: the date")
    p.add_argument(
        "--reason",
        default="",
        help="`extend`/`close`/`pause`/`hold add`/`show --reveal`: reasons or note",
    )
    p.add_argument("--outcome", choices=sorted(CLOSED), help="`close`: how it ended")
    p.add_argument("--duplicate-of", metavar="REF", help="`close --outcome duplicate`")
    p.add_argument("--out", type=Path, help="`export`: ZIP file to write")
    p.add_argument("--no-pdf", action="store_true", help="`export`: skip the PDF summary")
    p.add_argument("--preview", action="store_true", help="`erase`: show the plan only")
    p.add_argument(
        "--reveal",
        action="store_true",
        help="`show`: identifiers in full (needs pii.reveal and --reason; audited)",
    )
    hold_on = p.add_mutually_exclusive_group()
    hold_on.add_argument("--ticket", type=int, metavar="ID", help="`hold add`: a ticket")
    hold_on.add_argument("--person", type=int, metavar="ID", help="`hold add`: a person")
    p.add_argument("--basis", choices=list(HOLD_BASES), help="`hold add`: why it is kept")


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} must be a date YYYY-MM-DD, not {text!r}") from None


def cmd_dsar(args: argparse.Namespace) -> int:
    if args.action == "due":
        return _due(args)
    if args.action == "hold":
        return _hold(args)
    if args.hold_id is not None:
        raise UsageError(f"dsar {args.action} takes one request reference")
    needs_ref = args.action not in ("new", "list")
    if needs_ref and not args.request:
        raise UsageError(f"dsar {args.action} needs a request reference")
    from app.cli_session import signed_in, with_step_up
    from app.dsar.erasure import ErasureService
    from app.dsar.export import ExportService
    from app.dsar.locate import SOURCE_TITLES, LocateService
    from app.dsar.requests import DsarService

    with signed_in(args) as (ctx, principal):
        svc = DsarService(ctx, principal)
        a, ref = args.action, args.request
        if a == "new":
            detail = svc.create(_new_request(args))
            return _show(args, detail)
        if a == "list":
            rows = svc.list(
                status=args.status,
                regime=args.regime,
                request_type=args.request_type,
                open_only=args.open,
            )
            lines = [
                f"{r.reference:<15} {r.status:<23} {r.request_type:<14} {r.regime:<8} "
                f"due {r.deadline.due} ({r.deadline.state}, {r.deadline.days_left:+d} d)"
                for r in rows
            ]
            emit(args, {"requests": [r.to_json() for r in rows]}, "\n".join(lines) or "no requests")
            return EXIT_OK
        if a == "show":
            if args.reveal and not args.reason.strip():
                raise UsageError("dsar show --reveal needs --reason")
            return _show(args, svc.get(ref, reveal=args.reveal, reason=args.reason or None))
        if a == "certificate":
            from app.dsar.erasure import certificate_text

            record = ErasureService(ctx, principal).certificate(ref)
            emit(args, record.to_json(), certificate_text(record))
            return EXIT_OK
        if a == "verify":
            if not args.method:
                raise UsageError("dsar verify needs --method")
            detail = svc.verify(
                ref,
                method=args.method,
                evidence_note=args.evidence,
                info_received=_date(args.info_received, "--info-received"),
                fee_received=_date(args.fee_received, "--fee-received"),
            )
            return _show(args, detail)
        if a == "pause":
            return _show(args, svc.pause(ref, on=_date(args.on, "--on"), note=args.reason))
        if a == "resume":
            return _show(args, svc.resume(ref, on=_date(args.on, "--on")))
        if a == "extend":
            return _show(
                args, svc.extend(ref, reasons=args.reason, notice_on=_date(args.on, "--on"))
            )
        if a == "close":
            if not args.outcome:
                raise UsageError("dsar close needs --outcome")
            return _show(
                args,
                svc.close(ref, args.outcome, reason=args.reason, duplicate_of=args.duplicate_of),
            )
        if a == "locate":
            items = LocateService(ctx, principal).locate(ref)
            lines = []
            for source, title in SOURCE_TITLES.items():
                group = [i for i in items if i.source == source]
                if group:
                    lines.append(f"{title} ({len(group)})")
                    lines += [
                        f"  [{'x' if i.included else ' '}] {i.kind} {i.ref}: {i.label} — "
                        + "; ".join(i.reasons)
                        for i in group
                    ]
            emit(args, {"items": [i.to_json() for i in items]}, "\n".join(lines) or "nothing")
            return EXIT_OK
        if a == "export":
            renderer = None if args.no_pdf else _pdf_renderer()
            result = with_step_up(
                ctx,
                principal,
                lambda p: ExportService(ctx, p).export(ref, args.out, pdf=renderer),
            )
            text = f"wrote {result.path} ({len(result.files)} files, {result.masked} masked)"
            emit(args, {"status": "ok", **result.to_json()}, text)
            return EXIT_OK
        if a == "erase":
            if args.preview:
                plan = ErasureService(ctx, principal).preview(ref)
                emit(args, plan.to_json(), json.dumps(plan.to_json(), indent=2))
                return EXIT_OK
            erased = with_step_up(ctx, principal, lambda p: ErasureService(ctx, p).erase(ref))
            emit(args, {"status": "ok", **erased.to_json()}, json.dumps(erased.to_json(), indent=2))
            return EXIT_OK
    raise UsageError(f"unknown action {args.action}")


def _hold(args: argparse.Namespace) -> int:
    sub = args.request
    if sub not in HOLD_ACTIONS:
        raise UsageError(f"dsar hold needs one of {', '.join(HOLD_ACTIONS)}")
    text_id = str(args.hold_id or "")
    if sub == "release":
        if not text_id.isdigit():
            raise UsageError("dsar hold release needs the HOLD_ID (a number)")
    elif text_id:
        raise UsageError(f"dsar hold {sub} takes no HOLD_ID")
    if sub == "add":
        if args.ticket is None and args.person is None:
            raise UsageError("dsar hold add needs --ticket ID or --person ID")
        if not args.basis or not args.reason.strip():
            raise UsageError("dsar hold add needs --basis and --reason")
    from app.cli_session import signed_in
    from app.dsar.erasure import ErasureService

    with signed_in(args) as (ctx, principal):
        svc = ErasureService(ctx, principal)
        if sub == "add":
            kind, ref = (
                ("ticket", args.ticket) if args.ticket is not None else ("person", args.person)
            )
            h = svc.add_hold(kind, ref, HOLD_BASES[args.basis], args.reason)
            emit(
                args,
                {"status": "ok", "hold": _hold_json(h)},
                f"hold {h.id}: {h.object_type} {h.object_ref} ({h.basis})",
            )
        elif sub == "release":
            svc.release_hold(int(text_id))
            emit(args, {"status": "ok", "released": int(text_id)}, f"released hold {text_id}")
        else:
            holds = svc.holds()
            lines = [
                f"{h.id:>4}  {h.object_type:<6} {h.object_ref:<8} {h.basis:<14} {h.reason}"
                f"  ({h.created_by}, {h.created_at})"
                for h in holds
            ]
            emit(args, {"holds": [_hold_json(h) for h in holds]}, "\n".join(lines) or "no holds")
    return EXIT_OK


def _hold_json(h: Hold) -> dict[str, Any]:
    return {
        "id": h.id,
        "object_type": h.object_type,
        "object_ref": h.object_ref,
        "basis": h.basis,
        "reason": h.reason,
        "created_at": h.created_at,
        "created_by": h.created_by,
    }


def _new_request(args: argparse.Namespace) -> NewRequest:
    if not (args.name and args.regime and args.request_type and args.received):
        raise UsageError("dsar new needs --name, --type, --regime and --received")
    try:
        received = datetime.fromisoformat(args.received)
    except ValueError:
        raise UsageError(f"--received must be YYYY-MM-DD[THH:MM], not {args.received!r}") from None
    return NewRequest(
        requester_name=args.name,
        request_type=args.request_type,
        regime=args.regime,
        received_at=received,
        emails=args.email,
        phones=args.phone,
        ids=args.ids,
        calendar=args.calendar,
        channel=args.channel,
        agent=args.agent,
        notes=args.notes,
    )


def _show(args: argparse.Namespace, d: RequestDetail) -> int:
    s, dl_ = d.summary, d.summary.deadline
    lines = [
        f"{s.reference}  {s.requester_name}  [{s.status}]",
        f"  {s.request_type} under {s.regime} (calendar {d.calendar or 'weekends only'}), "
        f"received {s.received_date}",
        f"  due {dl_.due} ({dl_.state}, {dl_.days_left:+d} d); internal target "
        f"{dl_.internal_target}"
        + (f"; acknowledge by {dl_.acknowledge_by}" if dl_.acknowledge_by else "")
        + (f"; extended due {dl_.extended_due}" if dl_.extended_due and not s.extended else ""),
        "  timeline:",
    ]
    lines += [f"    {e.at} {e.actor:<10} {e.summary}" for e in d.timeline]
    emit(args, d.to_json(), "\n".join(lines))
    return EXIT_OK


def _pdf_renderer() -> Any:
    def render(html: str, title: str) -> bytes:
        from views.reports.pdf import render_pdf

        with tempfile.TemporaryDirectory() as tmp:
            out = render_pdf(html, Path(tmp) / "summary.pdf", title=title)
            return out.read_bytes()

    return render


def _due(args: argparse.Namespace) -> int:
    if not args.regime or not args.received:
        raise UsageError("dsar due needs --regime and --received")
    received = _date(args.received, "--received")
    assert received is not None
    pauses = []
    for spec in args.pause:
        start, sep, end = spec.partition(":")
        if not sep:
            raise UsageError(f"--pause must be FROM:TO, not {spec!r}")
        a, b = _date(start, "--pause FROM"), _date(end, "--pause TO")
        assert a is not None and b is not None
        pauses.append(dl.Pause(a, b))
    d = dl.compute(
        args.regime,
        received,
        calendar=args.calendar,
        request_type=args.request_type or "access",
        pauses=pauses,
    )
    if args.extended and d.extended_due is None:
        raise UsageError(f"{args.regime} allows no extension for this request type")
    shown = d.extended_due if args.extended else d.due
    if args.json:
        print(json.dumps(d.to_json(), indent=2))
    else:
        print(shown.isoformat() if shown else "")
    return EXIT_OK
