"""CLI: `privdesk alerts …` — monitoring alerts and their detection rules (issue 20).

privdesk alerts run [--json]            # → {"new": N, "alerts": [{"id", "rule", …}]}
privdesk alerts list [--status new|acknowledged|dismissed|escalated]
privdesk alerts show ID
privdesk alerts ack ID [--reason TEXT]
privdesk alerts dismiss ID --reason TEXT [--suppress-days N] [--suppress actor|ip]
privdesk alerts escalate ID
privdesk alerts rules list | show ID | export [--out FILE] | import FILE
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in

STATUSES = ("new", "acknowledged", "dismissed", "escalated")  # models.monitoring.STATUSES


def register(sub: argparse._SubParsersAction[Any]) -> None:
    alerts = add_group(sub, "alerts", "monitoring: suspicious-activity alerts and their rules")
    add_command(alerts, "run", cmd_run, "evaluate the rules over events new since the last run")
    p = add_command(alerts, "list", cmd_list, "alerts, newest first")
    p.add_argument("--status", choices=STATUSES)
    p = add_command(alerts, "show", cmd_show, "one alert: explanation, evidence, timeline")
    p.add_argument("id", type=int, metavar="ID")
    p = add_command(alerts, "ack", cmd_ack, "acknowledge: you own the alert")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reason", default="", help="a note for the alert's timeline")
    p = add_command(alerts, "dismiss", cmd_dismiss, "dismiss as a false positive (a reason)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--reason", required=True, help="why it is a false positive")
    p.add_argument(
        "--suppress-days",
        type=int,
        default=0,
        metavar="N",
        help="keep this rule quiet for the alert's actor (or IP) for N days",
    )
    p.add_argument("--suppress", choices=["actor", "ip"], default="actor")
    p = add_command(alerts, "escalate", cmd_escalate, "open a real incident with this alert")
    p.add_argument("id", type=int, metavar="ID")

    rules = add_group(alerts, "rules", "the detection rules (TOML)")
    add_command(rules, "list", cmd_rules_list, "every rule in force")
    p = add_command(rules, "show", cmd_rules_show, "one rule, as TOML")
    p.add_argument("id", metavar="RULE")
    p = add_command(rules, "export", cmd_rules_export, "every rule in force as one TOML file")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")
    p = add_command(rules, "import", cmd_rules_import, "a TOML file of rules, as new versions")
    p.add_argument("file", type=Path, metavar="FILE")


def _line(a: Any) -> str:
    return f"#{a.id:<5} {a.severity:<6} {a.status:<12} {a.rule:<22} {a.subject}  {a.first_at}"


def cmd_run(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    with signed_in(args) as (ctx, principal):
        result = AlertService(ctx, principal).run()
    data = {
        "new": result.new,
        "alerts": [a.as_json() for a in result.alerts],
        "events_read": result.read,
        "suppressed": result.suppressed,
        "purged": result.purged,
    }
    read = ", ".join(f"{n} {k}" for k, n in result.read.items()) or "no sources"
    lines = [f"{result.new} new alert(s); read {read}; {result.suppressed} suppressed"]
    lines += [_line(a) for a in result.alerts]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    with signed_in(args) as (ctx, principal):
        rows = AlertService(ctx, principal).list_alerts(args.status)
    emit(
        args,
        {"alerts": [a.as_json() for a in rows]},
        "\n".join(_line(a) for a in rows) or "No alerts.",
    )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    with signed_in(args) as (ctx, principal):
        d = AlertService(ctx, principal).show(args.id)
    data = {
        "alert": d.alert.as_json(),
        "title": d.title,
        "explanation": d.explanation,
        "ip_address": d.ip_address,
        "reason": d.reason,
        "evidence": [vars(e) for e in d.evidence],
        "timeline": [vars(t) for t in d.timeline],
    }
    lines = [
        f"Alert #{d.alert.id} · {d.alert.rule} · {d.alert.severity} · {d.alert.status}",
        d.title,
        d.explanation,
        f"Subject: {d.alert.subject}" + (f" · IP {d.ip_address}" if d.ip_address else ""),
        d.alert.summary,
    ]
    if d.alert.run_id is not None:
        lines.append(f"Incident: #{d.alert.run_id}")
    lines += ["", f"Evidence ({d.alert.event_count} event(s)):"]
    lines += [f"  {e.at}  {e.source}:{e.event_id}  {e.detail}" for e in d.evidence]
    lines += ["", "Timeline:"] + [f"  {t.at}  {t.actor:<12} {t.text}" for t in d.timeline]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_ack(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    with signed_in(args) as (ctx, principal):
        a = AlertService(ctx, principal).ack(args.id, args.reason)
    emit(args, {"alert": a.as_json()}, f"Alert #{a.id} acknowledged (owner {a.owner}).")
    return EXIT_OK


def cmd_dismiss(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    if args.suppress_days < 0:
        raise UsageError("--suppress-days must be 0 or more")
    with signed_in(args) as (ctx, principal):
        a = AlertService(ctx, principal).dismiss(
            args.id, args.reason, suppress_days=args.suppress_days, suppress=args.suppress
        )
    quiet = (
        f"; rule {a.rule} quiet for this {args.suppress} for {args.suppress_days} day(s)"
        if args.suppress_days
        else ""
    )
    emit(args, {"alert": a.as_json()}, f"Alert #{a.id} dismissed{quiet}.")
    return EXIT_OK


def cmd_escalate(args: argparse.Namespace) -> int:
    from app.monitoring.service import AlertService

    with signed_in(args) as (ctx, principal):
        a = AlertService(ctx, principal).escalate(args.id)
    text = f"Alert #{a.id} escalated: incident #{a.run_id} opened (see `privdesk drill run status`)"
    emit(args, {"alert": a.as_json(), "run": a.run_id}, text)
    return EXIT_OK


def cmd_rules_list(args: argparse.Namespace) -> int:
    from app.monitoring.library import RuleService

    with signed_in(args) as (ctx, principal):
        rules = RuleService(ctx, principal).rules()
    emit(
        args,
        {"rules": [vars(r) for r in rules]},
        "\n".join(
            f"{r.id:<24} v{r.version:<3} {r.severity:<6} {r.source:<14} {r.kind:<10} {r.title}"
            + ("" if r.enabled else "  (disabled)")
            for r in rules
        ),
    )
    return EXIT_OK


def cmd_rules_show(args: argparse.Namespace) -> int:
    from app.monitoring.library import RuleService

    with signed_in(args) as (ctx, principal):
        rule, text = RuleService(ctx, principal).rule(args.id)
    emit(args, {"rule": vars(rule), "toml": text}, text.rstrip("\n"))
    return EXIT_OK


def cmd_rules_export(args: argparse.Namespace) -> int:
    from app.monitoring.library import RuleService

    with signed_in(args) as (ctx, principal):
        text = RuleService(ctx, principal).export_rules()
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.out}: cannot write ({type(exc).__name__})") from None
    emit(args, {"exported": str(args.out)}, f"Exported the rules to {args.out}")
    return EXIT_OK


def cmd_rules_import(args: argparse.Namespace) -> int:
    from app.monitoring.library import RuleService

    with signed_in(args) as (ctx, principal):
        rules = RuleService(ctx, principal).import_file(args.file)
    emit(
        args,
        {"rules": [vars(r) for r in rules]},
        "\n".join(
            f"{r.id}: {'unchanged' if r.origin == 'unchanged' else f'now version {r.version}'}"
            for r in rules
        ),
    )
    return EXIT_OK
