"""`privdesk dsar hold add|release|list`: what an erasure must keep (legal holds, retention
rules, open disputes)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in

if TYPE_CHECKING:
    from app.dsar.erasure import Hold

# CLI spelling → the basis the erasure service records.
HOLD_BASES = {"legal_hold": "legal-hold", "retention": "retention-rule", "dispute": "open-dispute"}


def register(dsar: argparse._SubParsersAction[Any]) -> None:
    group = add_group(dsar, "hold", "legal holds, retention rules and open disputes")
    p = add_command(group, "add", cmd_add, "keep a ticket or a person through erasures")
    on = p.add_mutually_exclusive_group(required=True)
    on.add_argument("--ticket", type=int, metavar="ID", help="a ticket")
    on.add_argument("--person", type=int, metavar="ID", help="a person")
    p.add_argument("--basis", choices=list(HOLD_BASES), required=True, help="why it is kept")
    p.add_argument("--reason", required=True, help="the reason, for the record")
    p = add_command(group, "release", cmd_release, "end a hold")
    p.add_argument("hold_id", type=int, metavar="HOLD_ID", help="the hold (see `dsar hold list`)")
    add_command(group, "list", cmd_list, "every hold in force")


def cmd_add(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UsageError("dsar hold add needs --reason")
    from app.dsar.erasure import ErasureService

    kind, ref = ("ticket", args.ticket) if args.ticket is not None else ("person", args.person)
    with signed_in(args) as (ctx, principal):
        h = ErasureService(ctx, principal).add_hold(kind, ref, HOLD_BASES[args.basis], args.reason)
    emit(
        args,
        {"status": "ok", "hold": _hold_json(h)},
        f"hold {h.id}: {h.object_type} {h.object_ref} ({h.basis})",
    )
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from app.dsar.erasure import ErasureService

    with signed_in(args) as (ctx, principal):
        ErasureService(ctx, principal).release_hold(args.hold_id)
    emit(args, {"status": "ok", "released": args.hold_id}, f"released hold {args.hold_id}")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from app.dsar.erasure import ErasureService

    with signed_in(args) as (ctx, principal):
        holds = ErasureService(ctx, principal).holds()
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
