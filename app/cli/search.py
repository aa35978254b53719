"""`privdesk search QUERY [--kind …] [--limit N] [--reveal REASON] [--json]`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.output import EXIT_OK, UsageError, wants_json
from app.cli.parsing import add_command
from app.cli.unlock import signed_in
from app.search import KINDS, SearchService


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = add_command(sub, "search", cmd_search, "search tickets and people")
    p.add_argument("query", help="an email, a phone number, an id or words")
    p.add_argument(
        "--kind", action="append", choices=KINDS, help="ticket, comment or person (repeatable)"
    )
    p.add_argument("--limit", type=int, default=50, help="most hits to show (default 50)")
    p.add_argument(
        "--reveal", metavar="REASON", help="show personal data unmasked (pii.reveal; audited)"
    )


def cmd_search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if args.reveal is not None and not args.reveal.strip():
        raise UsageError("--reveal needs a reason")
    kinds = tuple(args.kind) if args.kind else KINDS
    with signed_in(args) as (ctx, principal):
        hits = SearchService(ctx, principal).search(
            args.query,
            kinds,
            args.limit,
            reveal=args.reveal is not None,
            reason=args.reveal,
        )
    if wants_json(args):
        print(json.dumps({"query": args.query, "hits": [h.to_json() for h in hits]}, indent=2))
        return EXIT_OK
    for h in hits:
        where = f"ticket #{h.ticket_id}" if h.ticket_id is not None else "person"
        print(f"{h.kind:<8} {h.id!s:<14} {where:<16} {h.field:<12} {h.snippet}")
    print(f"{len(hits)} hit{'s' if len(hits) != 1 else ''}")
    return EXIT_OK
