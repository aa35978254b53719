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
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.cli.frontends import frontends
from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in
from app.clock import utc_iso
from app.drills import clocks


def register(sub: argparse._SubParsersAction[Any]) -> None:
    breach = add_group(
        sub, "breach", "breach-notification deadlines (no workspace)", metavar="COMMAND"
    )
    p = add_command(breach, "clock", cmd_breach_clock, "print every notification deadline")
    p.add_argument(
        "--aware",
        required=True,
        metavar="ISO",
        help="when you became aware: with an offset, or a local time in --tz",
    )
    p.add_argument(
        "--regime",
        action="append",
        metavar="REGIME",
        help="gdpr, us, us-ca, … or all (repeatable; default all)",
    )
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="read local times in, and show times in, this zone (e.g. Europe/Berlin)",
    )
    p.add_argument("--discovered", metavar="ISO", help="US discovery time (default: --aware)")
    p.add_argument("--residents", action="append", metavar="ST=N", help="residents affected")
    p.add_argument(
        "--consumers-notified", action="append", metavar="ST=DATE", help="residents notified on"
    )
    p.add_argument("--rules", type=Path, metavar="FILE.toml", help="your own US state rules")

    drill = add_group(sub, "drill", "playbooks, drill and incident runs, reports", metavar="AREA")
    playbooks = add_group(drill, "playbooks", "list, export or import playbooks")
    add_command(playbooks, "list", cmd_playbooks_list, "every playbook, current version")
    p = add_command(playbooks, "export", cmd_playbooks_export, "a playbook as TOML")
    p.add_argument("key", metavar="KEY", help="playbook key")
    p.add_argument("--version", type=int, help="export this version (default: current)")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")
    p = add_command(playbooks, "import", cmd_playbooks_import, "a TOML playbook, as a new version")
    p.add_argument("file", type=Path, metavar="FILE", help="playbook TOML file")

    run = add_group(drill, "run", "start and work through a run")
    p = add_command(run, "start", cmd_run_start, "start a drill or a real incident")
    p.add_argument("playbook", help="playbook key")
    p.add_argument("--kind", choices=["drill", "incident"], default="drill")
    p.add_argument("--title", default="")
    p = add_command(run, "step", cmd_run_step, "start, finish, skip, assign or annotate a step")
    p.add_argument("run", type=int)
    p.add_argument("step", help="step id (see `drill run status RUN`)")
    p.add_argument("action", choices=["start", "finish", "skip", "assign", "note"])
    p.add_argument("--note", default="")
    p.add_argument("--reason", default="", help="why the step is skipped")
    p.add_argument("--to", default="", help="assignee")
    p = add_command(run, "inject", cmd_run_inject, "add, deliver or answer drill injects")
    p.add_argument("run", type=int)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="add an inject with this text")
    what.add_argument("--ack", type=int, metavar="ID", help="record the reaction to inject ID")
    what.add_argument("--deliver", action="store_true", help="deliver injects that are due")
    p.add_argument("--at", type=int, default=0, metavar="MIN", help="minutes from the start")
    p.add_argument("--response", default="", help="how the team reacted")
    p = add_command(run, "status", cmd_run_status, "list runs, or show one run")
    p.add_argument("run", type=int, nargs="?")

    aar = add_group(drill, "aar", "after-action report")
    p = add_command(aar, "export", cmd_aar_export, "write the AAR/IP as HTML or PDF")
    p.add_argument("run", type=int)
    p.add_argument("--out", type=Path, required=True, help="FILE.html or FILE.pdf")


# ---------------------------------------------------------------- breach clock


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out = {}
    for value in values or []:
        state, sep, rest = value.partition("=")
        if not sep or not state.strip() or not rest.strip():
            raise UsageError(f"{what}: expected ST=VALUE, got {value!r}")
        out[state.strip().upper()] = rest.strip()
    return out


def _when(text: str, tz: ZoneInfo | None, flag: str) -> datetime:
    try:
        return clocks.parse_instant(text, tz, zone_hint="--tz ZONE")
    except clocks.ClockError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def cmd_breach_clock(args: argparse.Namespace) -> int:
    try:
        tz = ZoneInfo(args.tz) if args.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.tz!r} (e.g. Europe/Berlin)") from None
    try:
        aware = _when(args.aware, tz, "--aware")
        found = _when(args.discovered, tz, "--discovered") if args.discovered else None
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


def cmd_playbooks_list(args: argparse.Namespace) -> int:
    from app.drills.library import PlaybookService

    with signed_in(args) as (ctx, principal):
        items = PlaybookService(ctx, principal).list_playbooks()
    emit(
        args,
        {"playbooks": [vars(p) for p in items]},
        "\n".join(f"{p.key:<28} v{p.version:<3} {p.steps:>2} steps  {p.title}" for p in items),
    )
    return EXIT_OK


def cmd_playbooks_export(args: argparse.Namespace) -> int:
    from app.drills.library import PlaybookService

    with signed_in(args) as (ctx, principal):
        service = PlaybookService(ctx, principal)
        if args.out is None:
            sys.stdout.write(service.export_text(args.key, args.version))
            return EXIT_OK
        service.export_file(args.key, args.out, args.version)
    emit(args, {"exported": str(args.out)}, f"Exported to {args.out}")
    return EXIT_OK


def cmd_playbooks_import(args: argparse.Namespace) -> int:
    from app.drills.library import PlaybookService

    with signed_in(args) as (ctx, principal):
        info = PlaybookService(ctx, principal).import_file(args.file)
    emit(args, {"imported": vars(info)}, f"Imported {info.key} as version {info.version}")
    return EXIT_OK


def cmd_run_start(args: argparse.Namespace) -> int:
    from app.drills.runs import RunService

    with signed_in(args) as (ctx, principal):
        run = RunService(ctx, principal).start(args.playbook, args.kind, args.title)
    emit(args, {"run": vars(run)}, f"Started {run.label}")
    return EXIT_OK


def cmd_run_step(args: argparse.Namespace) -> int:
    from app.drills.runs import RunService

    with signed_in(args) as (ctx, principal):
        RunService(ctx, principal).step(
            args.run, args.step, args.action, note=args.note, reason=args.reason, assignee=args.to
        )
    emit(args, {"run": args.run, "step": args.step, "action": args.action}, "Recorded.")
    return EXIT_OK


def cmd_run_inject(args: argparse.Namespace) -> int:
    from app.drills.runs import RunService

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
    from app.drills.aar import AarService, aar_html

    suffix = args.out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError("--out must end in .html or .pdf")
    render_pdf = frontends(args).pdf(" (or write .html)") if suffix == ".pdf" else None
    with signed_in(args) as (ctx, principal):
        service = AarService(ctx, principal)
        report = service.report(args.run)
        service.record_export(args.run, suffix.lstrip("."))
    text = aar_html(report)
    if render_pdf is not None:
        render_pdf(text, args.out, title=f"After-action report — {report.run.label}")
    else:
        args.out.write_text(text, encoding="utf-8")
    emit(args, {"written": str(args.out)}, f"Wrote {args.out}")
    return EXIT_OK
