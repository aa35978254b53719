"""CLI: `privdesk import zendesk|csv …` and `privdesk status`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli import EXIT_OK, UsageError, emit
from app.cli_session import signed_in
from app.helpdesk import HelpdeskService, ImportResult
from app.jobs import Cancelled, JobControl, run_with_text_progress

EXIT_CANCELLED = 130


def cmd_import(args: argparse.Namespace) -> int:
    paths: list[Path] = list(args.paths)
    if args.source == "csv":
        if not args.kind:
            raise UsageError("import csv needs --kind agents|people|roster")
        if len(paths) != 1:
            raise UsageError("import csv takes one CSV file")
    elif args.kind or args.map:
        raise UsageError("--kind and --map are for `import csv`")
    with signed_in(args) as (ctx, principal):
        service = HelpdeskService(ctx, principal)

        def job(control: JobControl) -> ImportResult:
            if args.source == "zendesk":
                return service.import_zendesk(paths, control, preview=args.dry_run)
            return service.import_csv(args.kind, paths[0], args.map, control, preview=args.dry_run)

        try:
            result = run_with_text_progress(job, label="import")
        except Cancelled:
            sys.stderr.write("privdesk: import cancelled; nothing was written\n")
            return EXIT_CANCELLED
    emit(args, {"status": "ok", **result.to_json()}, result.summary())
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
