"""`privdesk dsar new|list|show|verify|pause|resume|extend|locate|export|erase|close|
certificate|due` and `dsar hold …` (in `dsar_holds.py`).

`dsar due` is a calculator: it needs no workspace. Every other action signs in and goes
through the DSAR services (permissions, audit). Export and erase ask for a fresh
authenticator code (step-up). The export's PDF summary is rendered by the Qt front end.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.cli import dsar_holds
from app.cli.frontends import frontends
from app.cli.output import EXIT_OK, UsageError, emit, wants_json
from app.cli.parsing import Handler, add_command, add_group
from app.cli.unlock import signed_in, with_step_up
from app.dsar import deadlines as dl
from app.dsar.records import NewRequest, RequestDetail
from app.dsar.vocabulary import CHANNELS, CLOSED, REQUEST_TYPES


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "dsar", "data-subject requests: the DSAR queue")
    p = add_command(group, "new", cmd_new, "record a new request (intake)")
    p.add_argument("--name", required=True, help="the requester's name")
    p.add_argument("--type", dest="request_type", choices=REQUEST_TYPES, required=True)
    p.add_argument("--regime", choices=dl.REGIMES, required=True)
    p.add_argument("--received", required=True, metavar="DATE", help="YYYY-MM-DD[THH:MM]")
    p.add_argument("--calendar", metavar="CODE", help="holiday calendar: GB-ENG, DE, US-CA, …")
    p.add_argument("--email", action="append", default=[], help="repeatable")
    p.add_argument("--phone", action="append", default=[], help="repeatable")
    p.add_argument("--id", dest="ids", action="append", default=[], help="customer/external id")
    p.add_argument("--channel", choices=CHANNELS, default="email")
    p.add_argument("--agent", help="authorised agent acting for the requester")
    p.add_argument("--notes", default="")

    p = add_command(group, "list", cmd_list, "the queue, soonest deadline first")
    p.add_argument("--status", help="only this status")
    p.add_argument("--regime", choices=dl.REGIMES)
    p.add_argument("--type", dest="request_type", choices=REQUEST_TYPES)
    p.add_argument("--open", action="store_true", help="open requests only")

    p = _one(group, "show", cmd_show, "a request, its deadlines and timeline (masked)")
    p.add_argument(
        "--reveal", action="store_true", help="identifiers in full (pii.reveal; audited)"
    )
    p.add_argument("--reason", default="", help="why you reveal them (needed with --reveal)")
    p = _one(group, "verify", cmd_verify, "record how the requester's identity was verified")
    p.add_argument("--method", required=True, help="how identity was verified")
    p.add_argument("--evidence", default="", help="evidence note (no ID copies)")
    p.add_argument("--info-received", metavar="DATE", help="requested ID info came")
    p.add_argument("--fee-received", metavar="DATE", help="fee came")
    p = _one(group, "pause", cmd_pause, "pause the clock while waiting for clarification")
    p.add_argument("--on", metavar="DATE", help="the date (default: today)")
    p.add_argument("--reason", default="", help="a note")
    p = _one(group, "resume", cmd_resume, "restart the clock")
    p.add_argument("--on", metavar="DATE", help="the date (default: today)")
    p = _one(group, "extend", cmd_extend, "extend the deadline where the regime allows it")
    p.add_argument("--on", metavar="DATE", help="when the requester was told")
    p.add_argument("--reason", default="", help="the reasons given")
    _one(group, "locate", cmd_locate, "find everything about the requester")
    p = _one(group, "export", cmd_export, "write the package: JSON, CSV, summary (step-up)")
    p.add_argument("--out", type=Path, help="ZIP file to write")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF summary")
    p = _one(group, "erase", cmd_erase, "erase the requester's data (step-up)")
    p.add_argument("--preview", action="store_true", help="show the plan only")
    p = _one(group, "close", cmd_close, "close the request with an outcome")
    p.add_argument("--outcome", choices=sorted(CLOSED), required=True, help="how it ended")
    p.add_argument("--reason", default="", help="a note")
    p.add_argument("--duplicate-of", metavar="REF", help="with --outcome duplicate")
    _one(group, "certificate", cmd_certificate, "the erasure certificate and help-desk plan")
    dsar_holds.register(group)

    p = add_command(group, "due", cmd_due, "deadline calculator (no workspace)")
    p.add_argument("--regime", choices=dl.REGIMES, required=True)
    p.add_argument(
        "--received",
        required=True,
        metavar="DATE",
        help="YYYY-MM-DD[THH:MM], the controller's local date (and time) of receipt",
    )
    p.add_argument("--calendar", metavar="CODE", help="holiday calendar: GB-ENG, DE, US-CA, …")
    p.add_argument("--type", dest="request_type", choices=REQUEST_TYPES, default="access")
    p.add_argument("--extended", action="store_true", help="print the extended date")
    p.add_argument(
        "--pause",
        action="append",
        default=[],
        metavar="FROM:TO",
        help="a clarification pause (uk-gdpr), repeatable",
    )


def _one(
    group: argparse._SubParsersAction[Any], name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """An action on one request."""
    p = add_command(group, name, handler, help_text)
    p.add_argument("request", metavar="REQUEST", help="request reference (DSAR-2026-0001) or id")
    return p


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} must be a date YYYY-MM-DD, not {text!r}") from None


RECEIVED_FORMS = (("%Y-%m-%d", "YYYY-MM-DD"), ("%Y-%m-%dT%H:%M", "YYYY-MM-DDTHH:MM"))


def _received_local(text: str, flag: str) -> datetime:
    """Exactly the forms the help names: a local date, or a local date and time."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?", text.strip()):
        for fmt, _ in RECEIVED_FORMS:
            try:
                return datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
    forms = " or ".join(shown for _, shown in RECEIVED_FORMS)
    raise UsageError(f"{flag} must be {forms} (local time, no offset), not {text!r}")


def _with_service(args: argparse.Namespace, act: Callable[[Any], RequestDetail]) -> int:
    from app.dsar.requests import DsarService

    with signed_in(args) as (ctx, principal):
        return _show(args, act(DsarService(ctx, principal)))


def cmd_new(args: argparse.Namespace) -> int:
    received = _received_local(args.received, "--received")
    new = NewRequest(
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
    return _with_service(args, lambda svc: svc.create(new))


def cmd_list(args: argparse.Namespace) -> int:
    from app.dsar.requests import DsarService

    with signed_in(args) as (ctx, principal):
        rows = DsarService(ctx, principal).list(
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


def cmd_show(args: argparse.Namespace) -> int:
    if args.reveal and not args.reason.strip():
        raise UsageError("dsar show --reveal needs --reason")
    return _with_service(
        args, lambda svc: svc.get(args.request, reveal=args.reveal, reason=args.reason or None)
    )


def cmd_verify(args: argparse.Namespace) -> int:
    info = _date(args.info_received, "--info-received")
    fee = _date(args.fee_received, "--fee-received")
    return _with_service(
        args,
        lambda svc: svc.verify(
            args.request,
            method=args.method,
            evidence_note=args.evidence,
            info_received=info,
            fee_received=fee,
        ),
    )


def cmd_pause(args: argparse.Namespace) -> int:
    on = _date(args.on, "--on")
    return _with_service(args, lambda svc: svc.pause(args.request, on=on, note=args.reason))


def cmd_resume(args: argparse.Namespace) -> int:
    on = _date(args.on, "--on")
    return _with_service(args, lambda svc: svc.resume(args.request, on=on))


def cmd_extend(args: argparse.Namespace) -> int:
    on = _date(args.on, "--on")
    return _with_service(
        args, lambda svc: svc.extend(args.request, reasons=args.reason, notice_on=on)
    )


def cmd_close(args: argparse.Namespace) -> int:
    return _with_service(
        args,
        lambda svc: svc.close(
            args.request, args.outcome, reason=args.reason, duplicate_of=args.duplicate_of
        ),
    )


def cmd_locate(args: argparse.Namespace) -> int:
    from app.dsar.locate import SOURCE_TITLES, LocateService

    with signed_in(args) as (ctx, principal):
        items = LocateService(ctx, principal).locate(args.request)
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


def cmd_export(args: argparse.Namespace) -> int:
    from app.dsar.export import ExportService

    renderer = None if args.no_pdf else _pdf_bytes(args)
    with signed_in(args) as (ctx, principal):
        result = with_step_up(
            ctx,
            principal,
            lambda p: ExportService(ctx, p).export(args.request, args.out, pdf=renderer),
        )
    text = f"wrote {result.path} ({len(result.files)} files, {result.masked} masked)"
    if result.art15_missing:
        text += (
            f"\nnote: {len(result.art15_missing)} Art. 15 item(s) not set; the summary says "
            f"so: {', '.join(result.art15_missing)} (privdesk settings set KEY TEXT)"
        )
    emit(args, {"status": "ok", **result.to_json()}, text)
    return EXIT_OK


def _pdf_bytes(args: argparse.Namespace) -> Callable[[str, str], bytes]:
    render_pdf = frontends(args).pdf(" (or pass --no-pdf)")

    def render(html: str, title: str) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            return render_pdf(html, Path(tmp) / "summary.pdf", title=title).read_bytes()

    return render


def cmd_erase(args: argparse.Namespace) -> int:
    from app.dsar.erasure import ErasureService

    with signed_in(args) as (ctx, principal):
        if args.preview:
            plan = ErasureService(ctx, principal).preview(args.request).to_json()
            data, shown = plan, plan
        else:
            erased = with_step_up(
                ctx, principal, lambda p: ErasureService(ctx, p).erase(args.request)
            ).to_json()
            data, shown = {"status": "ok", **erased}, erased
    emit(args, data, json.dumps(shown, indent=2))
    return EXIT_OK


def cmd_certificate(args: argparse.Namespace) -> int:
    from app.dsar.erasure import ErasureService, certificate_text

    with signed_in(args) as (ctx, principal):
        record = ErasureService(ctx, principal).certificate(args.request)
    emit(args, record.to_json(), certificate_text(record))
    return EXIT_OK


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


def cmd_due(args: argparse.Namespace) -> int:
    # The calculator counts days: a time of day changes nothing but is accepted as the help
    # says; the date is the controller's local date (day one of the period).
    received = _received_local(args.received, "--received").date()
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
        request_type=args.request_type,
        pauses=pauses,
    )
    if args.extended and d.extended_due is None:
        raise UsageError(f"{args.regime} allows no extension for this request type")
    shown = d.extended_due if args.extended else d.due
    if wants_json(args):
        print(json.dumps(d.to_json(), indent=2))
    else:
        print(shown.isoformat() if shown else "")
    return EXIT_OK
