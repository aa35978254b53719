"""`privdesk inventory …`: systems, data categories, processing activities, the record of
processing (ROPA) export and the discovery scan.

    privdesk inventory system|category|activity add KEY … | list | show KEY
    privdesk inventory export --format csv|json|pdf|html [--out FILE] [--controller NAME]
    privdesk inventory scan [--json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.frontends import frontends
from app.cli.output import EXIT_CANCELLED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in

if TYPE_CHECKING:
    from app.inventory.records import Inventory, Row


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from app.inventory.records import (
        FIELDS,
        LAWFUL_BASES,
        SENSITIVITY,
        SPECIAL_CONDITIONS,
        SYSTEM_KINDS,
    )
    from app.redaction.types import ENTITY_TYPES

    inv = add_group(sub, "inventory", "data inventory, records of processing, discovery")
    for kind, title in (
        ("system", "systems where data lives"),
        ("category", "data categories and their sensitivity"),
        ("activity", "processing activities (records of processing)"),
    ):
        group = add_group(inv, kind, title)
        p = add_command(group, "add", cmd_add, f"add a {kind} (--replace to overwrite one)")
        p.add_argument("key", metavar="KEY", help="short id: lower-case letters, digits, - . _")
        p.add_argument("--name", required=True, help="what it is called")
        p.add_argument("--replace", action="store_true", help="overwrite the one with this key")
        if kind == "system":
            p.add_argument("--kind", dest="system_kind", choices=SYSTEM_KINDS, default="other")
            for opt in ("owner", "location", "vendor", "measures", "notes"):
                p.add_argument(f"--{opt}", default="")
        elif kind == "category":
            p.add_argument("--sensitivity", choices=list(SENSITIVITY), required=True)
            p.add_argument(
                "--entity-type",
                action="append",
                default=[],
                choices=ENTITY_TYPES,
                help="a redaction entity type that reveals it (repeat)",
            )
            p.add_argument(
                "--field",
                action="append",
                default=[],
                choices=FIELDS,
                help="a help-desk field where it is expected (repeat)",
            )
            p.add_argument("--notes", default="")
        else:
            p.add_argument("--purpose", required=True)
            p.add_argument("--basis", choices=list(LAWFUL_BASES), required=True, help="Art. 6")
            p.add_argument("--art9", choices=[c for c in SPECIAL_CONDITIONS if c], default="")
            p.add_argument("--legitimate-interest", default="")
            for opt in ("subject", "category", "recipient", "system"):
                p.add_argument(f"--{opt}", action="append", default=[], help="repeat")
            for opt in ("transfers", "safeguard", "retention", "measures", "source"):
                p.add_argument(f"--{opt}", default="")
            p.add_argument("--joint-controller", default="")
        p.set_defaults(kind=kind)
        p = add_command(group, "list", cmd_list, f"every {kind}")
        p.set_defaults(kind=kind)
        p = add_command(group, "show", cmd_show, f"one {kind}")
        p.add_argument("key", metavar="KEY")
        p.set_defaults(kind=kind)
    p = add_command(inv, "export", cmd_export, "the record of processing (ICO template columns)")
    p.add_argument("--format", choices=("csv", "json", "pdf", "html"), required=True)
    p.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--controller", default="", help="controller's name and contact details")
    add_command(inv, "scan", cmd_scan, "find personal data in the stored help desk")


def _row(args: argparse.Namespace) -> Row:
    from app.inventory.records import ActivityRow, CategoryRow, SystemRow

    if args.kind == "system":
        return SystemRow(
            args.key,
            args.name,
            args.system_kind,
            args.owner,
            args.location,
            args.vendor,
            args.measures,
            args.notes,
        )
    if args.kind == "category":
        return CategoryRow(
            args.key,
            args.name,
            args.sensitivity,
            tuple(dict.fromkeys(args.entity_type)),
            tuple(dict.fromkeys(args.field)),
            args.notes,
        )
    return ActivityRow(
        key=args.key,
        name=args.name,
        purpose=args.purpose,
        lawful_basis=args.basis,
        special_condition=args.art9,
        legitimate_interest=args.legitimate_interest,
        subjects=tuple(args.subject),
        categories=tuple(args.category),
        recipients=tuple(args.recipient),
        systems=tuple(args.system),
        transfers=args.transfers,
        safeguard=args.safeguard,
        retention=args.retention,
        measures=args.measures,
        source=args.source,
        joint_controller=args.joint_controller,
    )


def _rows(inv: Inventory, kind: str) -> tuple[Row, ...]:
    if kind == "system":
        return inv.systems
    return inv.categories if kind == "category" else inv.activities


def _line(row: Row) -> str:
    from app.inventory.records import ActivityRow, CategoryRow

    if isinstance(row, CategoryRow):
        return f"{row.key:<18} {row.sensitivity:<10} {row.name}  [{', '.join(row.entity_types)}]"
    if isinstance(row, ActivityRow):
        return f"{row.key:<18} {row.lawful_basis:<20} {row.name}"
    return f"{row.key:<18} {row.kind:<11} {row.name} — {row.location}"


def cmd_add(args: argparse.Namespace) -> int:
    from app.inventory.records import check
    from app.inventory.service import InventoryService

    row = _row(args)
    check(row)
    with signed_in(args) as (ctx, principal):
        service = InventoryService(ctx, principal)
        existing = {r.key for r in _rows(service.inventory(), args.kind)}
        if row.key in existing and not args.replace:
            raise UsageError(f"{args.kind} {row.key!r} exists: pass --replace to overwrite it")
        service.save(row)
    verb = "replaced" if row.key in existing else "added"
    emit(
        args,
        {"status": "ok", args.kind: row.to_json(), "created": verb == "added"},
        f"{verb} {args.kind} {row.key}",
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from app.inventory.service import InventoryService

    with signed_in(args) as (ctx, principal):
        inv = InventoryService(ctx, principal).inventory()
    rows = _rows(inv, args.kind)
    plural = {"system": "systems", "category": "categories", "activity": "activities"}[args.kind]
    text = "\n".join(_line(r) for r in rows) or f"no {plural}"
    if inv.problems:
        text += "\n" + "\n".join(f"warning: {p}" for p in inv.problems)
    emit(args, {plural: [r.to_json() for r in rows], "problems": list(inv.problems)}, text)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from app.inventory.service import InventoryService

    with signed_in(args) as (ctx, principal):
        inv = InventoryService(ctx, principal).inventory()
    row = next((r for r in _rows(inv, args.kind) if r.key == args.key), None)
    if row is None:
        raise UsageError(f"no {args.kind} {args.key!r} (see `privdesk inventory {args.kind} list`)")
    data = row.to_json()
    text = "\n".join(
        f"{k.replace('_', ' '):<20} {', '.join(v) if isinstance(v, list) else v}"
        for k, v in data.items()
    )
    emit(args, {args.kind: data}, text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.inventory.service import InventoryService

    if args.format == "pdf" and args.out is None:
        raise UsageError("inventory export --format pdf needs --out FILE.pdf")
    render_pdf = frontends(args).pdf(" (or use --format html)") if args.format == "pdf" else None
    fmt = "html" if args.format == "pdf" else args.format
    with signed_in(args) as (ctx, principal):
        text = InventoryService(ctx, principal).export_text(fmt, controller=args.controller)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    if render_pdf is not None:
        render_pdf(text, args.out, title="Record of processing activities")
    else:
        args.out.write_text(text, encoding="utf-8", newline="")
    emit(args, {"status": "ok", "format": args.format, "path": str(args.out)}, f"wrote {args.out}")
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    from app.inventory.service import InventoryService
    from app.jobs import Cancelled, run_with_text_progress

    with signed_in(args) as (ctx, principal):
        try:
            result = run_with_text_progress(
                lambda c: InventoryService(ctx, principal).scan(c), label="scan"
            )
        except Cancelled:
            sys.stderr.write("privdesk: scan cancelled; nothing was stored\n")
            return EXIT_CANCELLED
    lines = [f"scanned {result.records} field values (scan #{result.id})", ""]
    for f in result.fields:
        found = ", ".join(f"{t} {n}" for t, n in f["types"].items()) or "nothing"
        lines.append(f"{f['field']:<22} {f['records']:>7} read   {found}")
    if result.findings:
        lines += ["", "Findings:"]
        lines += [
            f"  {x['message']} ({x['why']}); preview: {x['preview']}" for x in result.findings
        ]
    emit(args, result.to_json(), "\n".join(lines))
    return EXIT_OK
