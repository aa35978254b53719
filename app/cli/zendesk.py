"""`privdesk zendesk connect|status|disconnect|sync`: the Zendesk API connector (issue 18)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.output import EXIT_CANCELLED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.prompts import ask
from app.cli.unlock import signed_in, with_step_up
from app.jobs import Cancelled, run_with_text_progress
from app.monitoring.after_import import evaluate_after_import
from app.zendesk.connection import ConnectionService, ConnectionStatus
from app.zendesk.pages import CHOICES, NOT_YET
from app.zendesk.sync import SyncService

TOKEN_ENV = "PRIVDESK_ZENDESK_TOKEN"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "zendesk", "connect to Zendesk's API and sync help-desk data")
    p = add_command(
        group, "connect", cmd_connect, f"test an API token and keep it in the workspace "
        f"(token from {TOKEN_ENV} or a hidden prompt)"
    )  # fmt: skip
    p.add_argument("--subdomain", required=True, help="the account: SUBDOMAIN.zendesk.com")
    p.add_argument("--email", help="the Zendesk user the API token belongs to")
    p.add_argument("--base-url", help="instead of https://SUBDOMAIN.zendesk.com (sandbox, proxy)")
    p.add_argument("--oauth", action="store_true", help="the token is an OAuth access token")
    add_command(group, "status", cmd_status, "the connection, the token's owner, last syncs")
    add_command(group, "disconnect", cmd_disconnect, "erase the stored token")
    p = add_command(group, "sync", cmd_sync, "pull the directory, tickets and logs (a job)")
    p.add_argument(
        "--only",
        metavar="TYPES",
        help=f"comma-separated: {','.join(CHOICES)} (default: all)",
    )


def cmd_connect(args: argparse.Namespace) -> int:
    if not args.oauth and not args.email:
        raise UsageError("--email is needed with an API token (or pass --oauth)")
    token = ask(TOKEN_ENV, "Zendesk API token", secret=True)
    with signed_in(args) as (ctx, principal):
        status = with_step_up(
            ctx,
            principal,
            lambda p: ConnectionService(ctx, p).connect(
                subdomain=args.subdomain,
                email=args.email,
                token=token,
                base_url=args.base_url,
                oauth=args.oauth,
            ),
        )
    emit(args, {"status": "ok", **status.to_json()}, "Connected. " + _describe(status))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        status = ConnectionService(ctx, principal).status()
    emit(args, {"status": "ok", **status.to_json()}, _describe(status))
    return EXIT_OK


def cmd_disconnect(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        gone = with_step_up(ctx, principal, lambda p: ConnectionService(ctx, p).disconnect())
    text = "Disconnected: the token is erased." if gone else "Not connected; nothing to erase."
    emit(args, {"status": "ok", "disconnected": gone}, text)
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    only = [t.strip() for t in args.only.split(",") if t.strip()] if args.only else None
    for name in only or ():
        if name not in CHOICES and name not in NOT_YET:
            raise UsageError(f"--only {name}: not a type; choose from {', '.join(CHOICES)}")
    with signed_in(args) as (ctx, principal):
        service = SyncService(ctx, principal)
        try:
            result = run_with_text_progress(lambda c: service.sync(only, c), label="sync")
        except Cancelled:
            sys.stderr.write(
                "privdesk: sync cancelled; the pages fetched so far are kept and "
                "`privdesk zendesk sync` resumes after the last one\n"
            )
            return EXIT_CANCELLED
        after = evaluate_after_import(ctx, principal, result.counts)
    data: dict[str, Any] = {"status": "ok", **result.to_json()}
    text = result.summary()
    if after is not None:
        data["monitoring"] = after.to_json()
        text += "\n" + after.summary()
    emit(args, data, text)
    return EXIT_OK


def _describe(status: ConnectionStatus) -> str:
    if not status.connected:
        lines = ["Not connected to Zendesk."]
    else:
        lines = [
            f"account   {status.subdomain} ({status.base_url}, {status.auth})",
            f"token of  {status.owner_name or '?'} (id {status.owner_id}, "
            f"role {status.owner_role})",
            f"connected {status.connected_at} by {status.connected_by}",
        ]
        b = status.budget
        if b.get("remaining") is not None:
            limit = f" of {b['limit']}" if b.get("limit") else ""
            lines.append(f"API budget {b['remaining']}{limit} requests left (seen {b['seen_at']})")
        else:
            lines.append("API budget  not seen yet")
    for k in status.kinds:
        when = k.last_sync_at or "never"
        extra = f", under way ({k.pages} pages committed)" if k.running else ""
        lines.append(f"  {k.kind:<18} last sync {when} ({k.last_objects} objects){extra}")
    return "\n".join(lines)
