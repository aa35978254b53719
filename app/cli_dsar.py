"""CLI: `privdesk dsar new|list|show|verify|pause|resume|extend|locate|export|erase|close|due`.

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
from typing import Any

from app.cli import EXIT_OK, UsageError, emit
from app.dsar import deadlines as dl
from app.dsar.common import CHANNELS, CLOSED, REQUEST_TYPES, NewRequest, RequestDetail

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
    "due",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("request", nargs="?", help="request reference (DSAR-2026-0001) or id")
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
    p.add_argument("--reason", default="", help="`extend`/`close`/`pause`: reasons or note")
    p.add_argument("--outcome", choices=sorted(CLOSED), help="`close`: how it ended")
    p.add_argument("--duplicate-of", metavar="REF", help="`close --outcome duplicate`")
    p.add_argument("--out", type=Path, help="`export`: ZIP file to write")
    p.add_argument("--no-pdf", action="store_true", help="`export`: skip the PDF summary")
    p.add_argument("--preview", action="store_true", help="`erase`: show the plan only")


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
            return _show(args, svc.get(ref))
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
