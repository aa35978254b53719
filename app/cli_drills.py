"""CLI: `privdesk breach clock …` (no workspace needed) and `privdesk drill …`.

    privdesk breach clock --aware 2026-05-02T14:20+02:00 [--regime gdpr] [--json]
    privdesk drill playbooks list | export KEY [--out F] | import FILE
    privdesk drill run start PLAYBOOK [--kind drill|incident] [--title T]
    privdesk drill run step RUN STEP start|finish|skip|assign|note [--note|--reason|--to]
    privdesk drill run inject RUN --text T [--at MIN] | --ack ID --response T | --deliver
    privdesk drill run status [RUN]
    privdesk drill aar export RUN --out FILE.html|FILE.pdf

Drills never send anything; neither do incidents: PrivDesk records what people did.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.cli import EXIT_OK, UsageError, _common, emit
from app.clock import utc_iso
from app.drills import clocks

Adder = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register(add: Adder) -> None:
    """Add `breach` and `drill` to the top-level parser (called from app.cli)."""
    breach = add("breach", _missing("breach"), "breach-notification deadlines (no workspace)")
    bsub = breach.add_subparsers(dest="breach_command", metavar="COMMAND", required=True)
    p = _leaf(bsub, "clock", cmd_breach_clock, "print every notification deadline")
    p.add_argument("--aware", required=True, metavar="ISO", help="when you became aware")
    p.add_argument(
        "--regime",
        action="append",
        metavar="REGIME",
        help="gdpr, us, us-ca, … or all (repeatable; default all)",
    )
    p.add_argument("--tz", metavar="ZONE", help="show times in this zone (e.g. Europe/Berlin)")
    p.add_argument("--discovered", metavar="ISO", help="US discovery time (default: --aware)")
    p.add_argument("--residents", action="append", metavar="ST=N", help="residents affected")
    p.add_argument(
        "--consumers-notified", action="append", metavar="ST=DATE", help="residents notified on"
    )
    p.add_argument("--rules", type=Path, metavar="FILE.toml", help="your own US state rules")

    drill = add("drill", _missing("drill"), "playbooks, drill and incident runs, reports")
    dsub = drill.add_subparsers(dest="drill_area", metavar="AREA", required=True)
    pb = _leaf(dsub, "playbooks", cmd_playbooks, "list, export or import playbooks")
    pb.add_argument("action", choices=["list", "export", "import"])
    pb.add_argument("target", nargs="?", help="playbook key (export) or file (import)")
    pb.add_argument("--version", type=int, help="export this version (default: current)")
    pb.add_argument("--out", type=Path, help="file to write (default: stdout)")

    run = _leaf(dsub, "run", _missing("drill run"), "start and work through a run")
    rsub = run.add_subparsers(dest="run_action", metavar="ACTION", required=True)
    p = _leaf(rsub, "start", cmd_run_start, "start a drill or a real incident")
    p.add_argument("playbook", help="playbook key")
    p.add_argument("--kind", choices=["drill", "incident"], default="drill")
    p.add_argument("--title", default="")
    p = _leaf(rsub, "step", cmd_run_step, "start, finish, skip, assign or annotate a step")
    p.add_argument("run", type=int)
    p.add_argument("step", help="step id (see `drill run status RUN`)")
    p.add_argument("action", choices=["start", "finish", "skip", "assign", "note"])
    p.add_argument("--note", default="")
    p.add_argument("--reason", default="", help="why the step is skipped")
    p.add_argument("--to", default="", help="assignee")
    p = _leaf(rsub, "inject", cmd_run_inject, "add, deliver or answer drill injects")
    p.add_argument("run", type=int)
    p.add_argument("--text", help="add an inject with this text")
    p.add_argument("--at", type=int, default=0, metavar="MIN", help="minutes from the start")
    p.add_argument("--ack", type=int, metavar="ID", help="record the reaction to inject ID")
    p.add_argument("--response", default="", help="how the team reacted")
    p.add_argument("--deliver", action="store_true", help="deliver injects that are due")
    p = _leaf(rsub, "status", cmd_run_status, "list runs, or show one run")
    p.add_argument("run", type=int, nargs="?")

    aar = _leaf(dsub, "aar", _missing("drill aar"), "after-action report")
    asub = aar.add_subparsers(dest="aar_action", metavar="ACTION", required=True)
    p = _leaf(asub, "export", cmd_aar_export, "write the AAR/IP as HTML or PDF")
    p.add_argument("run", type=int)
    p.add_argument("--out", type=Path, required=True, help="FILE.html or FILE.pdf")


def _leaf(
    sub: Any, name: str, handler: Callable[[argparse.Namespace], int], help_text: str
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    _common(p, top=False)
    p.set_defaults(handler=handler)
    return p


def _missing(what: str) -> Callable[[argparse.Namespace], int]:
    def handler(args: argparse.Namespace) -> int:
        raise UsageError(f"`privdesk {what}` needs a subcommand (see --help)")

    return handler


# ---------------------------------------------------------------- breach clock


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for value in values or []:
        state, sep, rest = value.partition("=")
        if not sep or not state.strip() or not rest.strip():
            raise UsageError(f"{what}: expected ST=VALUE, got {value!r}")
        out[state.strip().upper()] = rest.strip()
    return out


def cmd_breach_clock(args: argparse.Namespace) -> int:
    try:
        tz = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.tz!r} (e.g. Europe/Berlin)") from None
    try:
        aware = clocks.parse_instant(args.aware, tz)
        found = clocks.parse_instant(args.discovered, tz) if args.discovered else None
        rules = None
        if args.rules is not None:
            try:
                text = args.rules.read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"{args.rules}: cannot read ({type(exc).__name__})") from None
            rules = clocks.parse_state_rules(text, args.rules.name)
        residents = {k: int(v) for k, v in _pairs(args.residents, "--residents").items()}
        notified = {
            k: date.fromisoformat(v)
            for k, v in _pairs(args.consumers_notified, "--consumers-notified").items()
        }
        items = clocks.deadlines(
            aware,
            regimes=args.regime or ["all"],
            discovered_at=found,
            residents=residents,
            consumers_notified=notified,
            rules=rules,
            tz=tz,
        )
    except ValueError as exc:  # ClockError and bad numbers/dates
        raise UsageError(str(exc)) from None
    shown = tz or aware.tzinfo  # times are shown in the zone (or offset) they were given in
    data = clocks.deadlines_json(items, shown)
    data["aware_at"] = clocks.Deadline("aware_at", "", "", aware, "").iso(shown)
    lines = [f"Aware at {data['aware_at']}"]
    for d in items:
        cond = f" ({d.condition})" if d.condition else ""
        lines.append(f"{d.key:<28} {d.iso(shown) or '—':<26} {d.title}{cond}")
        lines.append(f"{'':<28} {d.basis}")
    emit(args, data, "\n".join(lines))
    return EXIT_OK


# ---------------------------------------------------------------- drill


def cmd_playbooks(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.library import PlaybookService

    if args.action != "list" and not args.target:
        raise UsageError(f"`drill playbooks {args.action}` needs a playbook key or a file")
    with signed_in(args) as (ctx, principal):
        service = PlaybookService(ctx, principal)
        if args.action == "list":
            items = service.list_playbooks()
            emit(
                args,
                {"playbooks": [vars(p) for p in items]},
                "\n".join(
                    f"{p.key:<28} v{p.version:<3} {p.steps:>2} steps  {p.title}" for p in items
                ),
            )
        elif args.action == "export":
            if args.out is None:
                sys.stdout.write(service.export_text(args.target, args.version))
            else:
                service.export_file(args.target, args.out, args.version)
                emit(args, {"exported": str(args.out)}, f"Exported to {args.out}")
        else:
            info = service.import_file(Path(args.target))
            emit(args, {"imported": vars(info)}, f"Imported {info.key} as version {info.version}")
    return EXIT_OK


def cmd_run_start(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.runs import RunService

    with signed_in(args) as (ctx, principal):
        run = RunService(ctx, principal).start(args.playbook, args.kind, args.title)
    emit(args, {"run": vars(run)}, f"Started {run.label}")
    return EXIT_OK


def cmd_run_step(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.runs import RunService

    with signed_in(args) as (ctx, principal):
        RunService(ctx, principal).step(
            args.run, args.step, args.action, note=args.note, reason=args.reason, assignee=args.to
        )
    emit(args, {"run": args.run, "step": args.step, "action": args.action}, "Recorded.")
    return EXIT_OK


def cmd_run_inject(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.runs import RunService

    chosen = sum(x for x in (args.text is not None, args.ack is not None, args.deliver))
    if chosen != 1:
        raise UsageError("give exactly one of --text, --ack or --deliver")
    with signed_in(args) as (ctx, principal):
        service = RunService(ctx, principal)
        if args.text is not None:
            new = service.add_inject(args.run, args.at, args.text)
            emit(args, {"inject": new}, f"Inject #{new} scheduled at T+{args.at} min")
        elif args.ack is not None:
            minutes = service.acknowledge_inject(args.run, args.ack, args.response)
            emit(args, {"reaction_minutes": round(minutes, 1)}, f"Reaction: {minutes:.0f} min")
        else:
            count = service.deliver_due_injects(args.run)
            emit(args, {"delivered": count}, f"{count} inject(s) delivered")
    return EXIT_OK


def cmd_run_status(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.runs import RunService

    with signed_in(args) as (ctx, principal):
        service = RunService(ctx, principal)
        if args.run is None:
            runs = service.list_runs()
            emit(
                args,
                {"runs": [vars(r) for r in runs]},
                "\n".join(f"{r.label:<60} {r.status:<7} {r.started_at}" for r in runs)
                or "No runs yet.",
            )
            return EXIT_OK
        d = service.detail(args.run)
    data = {
        "run": vars(d.run),
        "steps": [
            {
                "id": st.key,
                "phase": st.phase,
                "title": st.title,
                "status": st.status,
                "due_at": utc_iso(st.due_at),
                "overdue": st.overdue,
            }
            for st in d.steps
        ],
        "injects": [vars(i) for i in d.injects],
        "clocks": {c.key: c.due_text for c in d.clocks},
        "missing_art33_items": list(d.breach.missing),
        "open_tasks": [t.label for t in d.tasks if t.status == "open"],
    }
    lines = [d.run.label, ""]
    for st in d.steps:
        flag = "  OVERDUE" if st.overdue else ""
        lines.append(f"[{st.status:<7}] {st.key:<18} {st.title}{flag}")
    for c in d.clocks:
        lines.append(f"{c.title}: {c.due_text or c.basis}")
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_aar_export(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in
    from app.drills.aar import AarService, aar_html

    suffix = args.out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError("--out must end in .html or .pdf")
    with signed_in(args) as (ctx, principal):
        service = AarService(ctx, principal)
        report = service.report(args.run)
        service.record_export(args.run, suffix.lstrip("."))
    text = aar_html(report)
    if suffix == ".pdf":
        from views.reports.pdf import render_pdf

        render_pdf(text, args.out, title=f"After-action report — {report.run.label}")
    else:
        args.out.write_text(text, encoding="utf-8")
    emit(args, {"written": str(args.out)}, f"Wrote {args.out}")
    return EXIT_OK
