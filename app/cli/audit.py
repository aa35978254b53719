"""`privdesk audit verify [--kit | --public-key]`, `privdesk audit export`: the audit log."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.audit.service import AuditService
from app.cli.output import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "audit", "verify or export the tamper-evident audit log")
    p = add_command(group, "verify", cmd_verify, "check the chain; name the first problem")
    p.add_argument("--kit", type=Path, help="verifier kit (checks every key epoch)")
    p.add_argument(
        "--public-key",
        metavar="HEX",
        help="the kit's anchor_public_key: check the signed checkpoints without K0",
    )
    p = add_command(group, "export", cmd_export, "write the events as CSV or JSON")
    p.add_argument("--from", dest="since", metavar="DATE", help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="until", metavar="DATE", help="last day (YYYY-MM-DD)")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", type=Path, help="file to write (default: stdout)")


def _date(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def cmd_verify(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        result = AuditService(ctx, principal).verify(args.kit, args.public_key)
    data = {
        "status": result.status.name,
        "seq": result.seq,
        "count": result.count,
        "head_mac": result.head_mac,
        "message": result.message,
        "with_kit": args.kit is not None,
        "with_public_key": args.kit is None and args.public_key is not None,
        "anchors": result.anchor_check,
    }
    emit(args, data, f"{result.status.name}: {result.message}")
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED


def cmd_export(args: argparse.Namespace) -> int:
    since, until = _date(args.since, "--from"), _date(args.until, "--to")
    with signed_in(args) as (ctx, principal):
        text = AuditService(ctx, principal).export(args.format, since, until)
    if args.out:
        out: Path = args.out
        out.write_text(text, encoding="utf-8")
        print(f"Wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
