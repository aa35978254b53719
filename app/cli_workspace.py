"""CLI handlers for the workspace: init, selftest, verify, backup, restore, rekey, keyring."""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from app import store
from app.cli import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.errors import IntegrityFailure, PassphraseRequired, PrivDeskError
from app.keystore import KeyringState, KeyringStore
from app.workspace import Workspace


def keyring_store(args: argparse.Namespace) -> KeyringStore:
    allow = bool(getattr(args, "allow_insecure_keyring", False)) or os.environ.get(
        "PRIVDESK_ALLOW_INSECURE_KEYRING", ""
    ) in ("1", "true", "yes")
    return KeyringStore(allow_insecure=allow)


def workspace_dir(args: argparse.Namespace) -> Path:
    folder: Path | None = getattr(args, "workspace", None)
    if folder is None:
        raise UsageError("no workspace given: pass --workspace DIR or set PRIVDESK_WORKSPACE")
    return folder


def ask_passphrase(reason: str) -> str:
    """PRIVDESK_PASSPHRASE, else an interactive prompt, else a clear refusal."""
    env = os.environ.get("PRIVDESK_PASSPHRASE")
    if env:
        return env
    if not sys.stdin.isatty():
        raise UsageError(f"{reason}; set PRIVDESK_PASSPHRASE or run interactively")
    sys.stderr.write(f"{reason}\n")
    return getpass.getpass("Recovery passphrase: ")


def open_workspace(args: argparse.Namespace, folder: Path | None = None) -> Workspace:
    folder = folder or workspace_dir(args)
    ks = keyring_store(args)
    try:
        return Workspace.open(folder, keyring_store=ks)
    except PassphraseRequired as exc:
        return Workspace.open(folder, keyring_store=ks, passphrase=ask_passphrase(exc.message))


def cmd_selftest(args: argparse.Namespace) -> int:
    results: dict[str, Any] = {}
    ok = True
    try:
        results["sqlcipher"] = {"ok": True, "version": store.cipher_version()}
    except Exception as exc:
        ok = False
        results["sqlcipher"] = {"ok": False, "error": str(exc)}
    status = keyring_store(args).status("privdesk-selftest")
    results["keyring"] = status.to_json() | {
        "ok": status.state in (KeyringState.AVAILABLE, KeyringState.ENTRY_MISSING),
        "backends": _keyring_backends(),
    }
    results["qt"] = _qt_check()
    ok = ok and results["qt"]["ok"]
    results["status"] = "ok" if ok else "failed"
    lines = [
        f"SQLCipher: {results['sqlcipher'].get('version') or results['sqlcipher'].get('error')}",
        f"Keyring:   {status.state.value} — {status.reason} [{status.backend}]",
        f"Qt:        {results['qt'].get('detail')}",
    ]
    emit(args, results, "\n".join(lines))
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def _keyring_backends() -> list[str]:
    try:
        import keyring.backend

        return sorted(
            f"{type(b).__module__}.{type(b).__qualname__}"
            for b in keyring.backend.get_all_keyring()
        )
    except Exception as exc:
        return [f"error: {type(exc).__name__}"]


def _qt_check() -> dict[str, Any]:
    # A child process keeps Qt out of this one (and out of `app`'s import graph). A frozen
    # build's executable is privdesk itself, so it is started directly, not with -m.
    frozen = bool(getattr(sys, "frozen", False))
    command = [sys.executable] if frozen else [sys.executable, "-m", "app"]
    try:
        out = subprocess.run(
            [*command, "__qt_probe__"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ok": False, "detail": f"cannot start Qt: {type(exc).__name__}"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["unknown error"])[-1]
        return {"ok": False, "detail": f"Qt platform plugin failed to load: {last[:200]}"}
    version, _, platform = out.stdout.strip().partition(" ")
    return {
        "ok": True,
        "detail": f"PySide6 {version}, platform plugin '{platform}' loads",
        "version": version,
        "platform": platform,
    }


def cmd_verify(args: argparse.Namespace) -> int:
    from app.admin import AdminService
    from app.cli_session import signed_in

    try:
        with signed_in(args) as (ctx, principal):
            health = AdminService(ctx, principal).verify(getattr(args, "kit", None))
    except IntegrityFailure as failure:
        return _verify_damaged(args, failure)
    data = {
        "status": "OK" if health.ok else "FAILED",
        "cipher_integrity_check": list(health.store.cipher_problems),
        "integrity_check": list(health.store.integrity),
        "audit": {
            "status": health.audit.status.name,
            "seq": health.audit.seq,
            "message": health.audit.message,
        },
    }
    emit(
        args,
        data,
        ("OK" if health.ok else "FAILED")
        + f"\n  database: {health.store.summary()}"
        + f"\n  audit log: {health.audit.status.name} — {health.audit.message}",
    )
    return EXIT_OK if health.ok else EXIT_CHECK_FAILED


def _verify_damaged(args: argparse.Namespace, failure: IntegrityFailure) -> int:
    """The store is too damaged to sign in: still say which pages fail, from the key alone."""
    folder = workspace_dir(args)
    try:
        report = Workspace.inspect(
            folder,
            keyring_store=keyring_store(args),
            passphrase=os.environ.get("PRIVDESK_PASSPHRASE"),
        )
    except PrivDeskError:
        raise failure from None
    data = {
        "status": "FAILED",
        "error": failure.message,
        "cipher_integrity_check": list(report.cipher_problems),
        "integrity_check": list(report.integrity),
    }
    emit(args, data, f"FAILED: {failure.message}\n  database: {report.summary()}")
    return EXIT_CHECK_FAILED


def cmd_backup(args: argparse.Namespace) -> int:
    from app.admin import AdminService
    from app.cli_session import signed_in

    with signed_in(args) as (ctx, principal):
        result = AdminService(ctx, principal).backup(getattr(args, "to", None))
    emit(
        args,
        {"status": "ok", "path": str(result.path), "sha256": result.sha256, "size": result.size},
        f"Backup written: {result.path} ({result.size:,} bytes, sha256 {result.sha256[:16]}…)",
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Possession of the key (recovery passphrase or keyring) is what authorizes a restore."""
    from app.context import AppContext

    target = workspace_dir(args)
    ks = keyring_store(args)
    try:
        ws = Workspace.restore(args.file, target, keyring_store=ks)
    except PassphraseRequired as exc:
        ws = Workspace.restore(
            args.file, target, keyring_store=ks, passphrase=ask_passphrase(exc.message)
        )
    ctx = AppContext.for_workspace(ws)
    try:
        with ctx.session() as s:
            ctx.audit.record(
                s,
                action="workspace.restore",
                object_type="workspace",
                object_id=ws.workspace_id,
                details={"unlock": ws.unlock.mode},
            )
        report = ws.verify()
        data = {
            "status": "ok",
            "workspace": str(target),
            "workspace_id": ws.workspace_id,
            "integrity": report.summary(),
        }
    finally:
        ctx.close()
    emit(args, data, f"Restored into {target}: {report.summary()}")
    return EXIT_OK


def cmd_rekey(args: argparse.Namespace) -> int:
    from app.admin import AdminService
    from app.cli_session import signed_in, with_step_up

    with signed_in(args) as (ctx, principal):
        generation = with_step_up(ctx, principal, lambda p: AdminService(ctx, p).rekey())
        report = ctx.workspace.verify()
    emit(
        args,
        {"status": "ok", "key_generation": generation, "integrity": report.summary()},
        f"Database key rotated (generation {generation}); {report.summary()}",
    )
    return EXIT_OK


def cmd_keyring(args: argparse.Namespace) -> int:
    from app.admin import AdminService
    from app.cli_session import signed_in, with_step_up

    with signed_in(args) as (ctx, principal):
        admin = AdminService(ctx, principal)
        if args.action == "forget":
            removed = with_step_up(ctx, principal, lambda p: AdminService(ctx, p).forget_keyring())
            emit(
                args,
                {"status": "ok", "removed": removed},
                "Keyring entry removed." if removed else "No keyring entry to remove.",
            )
            return EXIT_OK
        status = admin.enrol_keyring() if args.action == "enrol" else admin.keyring_status()
    ok = status.state is KeyringState.AVAILABLE
    emit(
        args,
        {"status": "ok" if ok else "unavailable", "keyring": status.to_json()},
        f"{status.state.value}: {status.reason}",
    )
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def cmd_info(args: argparse.Namespace) -> int:
    from app.cli_session import signed_in

    with signed_in(args) as (ctx, principal):
        info = ctx.workspace.info()
        data = {
            "status": "ok",
            "workspace": str(ctx.workspace.folder),
            "unlock": ctx.workspace.unlock.describe(),
            "operator": principal.username,
            "roles": ",".join(sorted(principal.roles)),
            **info,
        }
    emit(args, data, "\n".join(f"{k}: {v}" for k, v in data.items() if k != "status"))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """`make demo`: a real encrypted workspace with one operator per role."""
    import shutil

    from app import demo
    from app.cli import _run_gui

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
    if args.no_gui:
        return EXIT_OK
    args.workspace = folder
    return _run_gui(args)


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
