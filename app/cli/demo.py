"""`privdesk demo` (a ready-made workspace in the GUI) and `privdesk demo-data` (a
Zendesk-shaped export to import)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from app import demo
from app.cli.frontends import frontends
from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command
from app.cli.unlock import keyring_store


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = add_command(
        sub, "demo", cmd_demo, "open (creating if needed) the demo workspace in the GUI"
    )
    p.add_argument("--no-gui", action="store_true", help="only create it and print where")
    p.add_argument("--reset", action="store_true", help="delete and recreate the demo workspace")
    p = add_command(
        sub, "demo-data", cmd_demo_data, "write a deterministic Zendesk-shaped demo export"
    )
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--agents", type=int, default=40)
    p.add_argument("--end-users", type=int, default=400)
    p.add_argument("--tickets", type=int, default=1500)
    p.add_argument("--seed", type=int, default=7)


def cmd_demo(args: argparse.Namespace) -> int:
    """`make demo`: a real encrypted workspace with one operator per role."""
    run_gui = None if args.no_gui else frontends(args).gui()
    folder = getattr(args, "workspace", None) or demo.default_folder()
    creds = demo.read_credentials(folder)
    if creds is not None and args.reset:
        shutil.rmtree(folder)
        creds = None
    if creds is None:
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(f"{folder}: exists and is not a demo workspace")
        creds = demo.create_demo(folder, keyring_store=keyring_store(args))
    users = ", ".join(f"{name} ({c['role']})" for name, c in creds.operators.items())
    emit(
        args,
        {
            "status": "ok",
            "workspace": str(folder),
            "operators": sorted(creds.operators),
            "credentials": str(folder / demo.CREDENTIALS_NAME),
        },
        f"Demo workspace: {folder}\nOperators: {users}\n"
        f"Password for all: {demo.DEMO_PASSWORD}; TOTP secrets and the recovery passphrase "
        f"are in {folder / demo.CREDENTIALS_NAME} (demo only).",
    )
    if run_gui is None:
        return EXIT_OK
    return run_gui(workspace=folder)


def cmd_demo_data(args: argparse.Namespace) -> int:
    """`privdesk demo-data --out DIR`: NDJSON export + roster.csv + planted.json labels."""
    from app.demodata import generate

    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: folder is not empty; choose a new folder")
    if min(args.agents, args.end_users) < 1 or args.tickets < 0:
        raise UsageError("--agents and --end-users must be at least 1, --tickets at least 0")
    summary = generate(
        out, agents=args.agents, end_users=args.end_users, tickets=args.tickets, seed=args.seed
    )
    emit(
        args,
        {
            "status": "ok",
            "out": str(out),
            "counts": summary.counts,
            "planted": summary.planted,
            "decoys": summary.decoys,
        },
        f"Wrote a demo Zendesk export to {out}: "
        + ", ".join(f"{n} {name}" for name, n in summary.counts.items())
        + f"\nImport it with: privdesk import zendesk {out}  (roster: privdesk import csv "
        f"--kind roster {out / 'roster.csv'})",
    )
    return EXIT_OK
