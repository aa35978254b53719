"""`privdesk import zendesk|csv …` and `privdesk status`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli.output import EXIT_CANCELLED, EXIT_OK, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in
from app.helpdesk import HelpdeskService
from app.importers.result import ImportResult
from app.jobs import Cancelled, JobControl, run_with_text_progress
from app.monitoring.after_import import evaluate_after_import


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(
        sub, "import", "import help-desk data: a Zendesk export or a CSV", metavar="SOURCE"
    )
    p = add_command(group, "zendesk", cmd_import_zendesk, "a Zendesk export (folder or files)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="folder or files")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    _complete(p)
    p = add_command(group, "csv", cmd_import_csv, "agents, people or the HR roster from a CSV")
    p.add_argument("path", type=Path, metavar="FILE", help="the CSV file")
    p.add_argument(
        "--kind", choices=["agents", "people", "roster"], required=True, help="CSV contents"
    )
    p.add_argument("--map", type=Path, metavar="MAPPING.toml", help="CSV column mapping")
    p.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    _complete(p)
    add_command(
        sub, "status", cmd_status, "counts of imported help-desk data and the last snapshot"
    )


def _complete(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--complete",
        action="store_true",
        help="the files hold the whole directory: whoever they lack is removed "
        "(default: merge into the latest snapshot, removing nobody)",
    )


def cmd_import_zendesk(args: argparse.Namespace) -> int:
    paths: list[Path] = list(args.paths)
    return _import(
        args,
        lambda s, c: s.import_zendesk(paths, c, preview=args.dry_run, complete=args.complete),
    )


def cmd_import_csv(args: argparse.Namespace) -> int:
    return _import(
        args,
        lambda s, c: s.import_csv(
            args.kind, args.path, args.map, c, preview=args.dry_run, complete=args.complete
        ),
    )


def _import(
    args: argparse.Namespace, run: Callable[[HelpdeskService, JobControl], ImportResult]
) -> int:
    with signed_in(args) as (ctx, principal):
        service = HelpdeskService(ctx, principal)
        try:
            result = run_with_text_progress(lambda c: run(service, c), label="import")
        except Cancelled:
            sys.stderr.write("privdesk: import cancelled; nothing was written\n")
            return EXIT_CANCELLED
        after = None if result.preview else evaluate_after_import(ctx, principal, result.counts)
    data: dict[str, Any] = {"status": "ok", **result.to_json()}
    text = result.summary()
    if after is not None:
        data["monitoring"] = after.to_json()
        text += "\n" + after.summary()
    emit(args, data, text)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        status = HelpdeskService(ctx, principal).status()
    data = status.to_json()
    lines = [f"{name:<14} {value}" for name, value in status.counts.items()]
    snap = status.last_snapshot
    lines.append(
        f"last snapshot  #{snap.id} {snap.source} {snap.created_at}" if snap else "no snapshot yet"
    )
    emit(args, data, "\n".join(lines))
    return EXIT_OK
