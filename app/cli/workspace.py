"""`privdesk init | verify | backup | restore | rekey | info`: the workspace's lifecycle."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.admin import AdminService
from app.audit import anchors as anchor_file
from app.cli.output import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command
from app.cli.prompts import ask_passphrase, password_twice
from app.cli.unlock import keyring_store, signed_in, with_step_up, workspace_dir
from app.context import AppContext
from app.errors import IntegrityFailure, PassphraseRequired, PrivDeskError
from app.keystore import KeyringState
from app.security.auth import AuthService
from app.workspace import Workspace
from app.workspace_backup import leftover_kind as leftover_of


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = add_command(
        sub, "init", cmd_init, "create a new encrypted workspace and its first administrator"
    )
    p.add_argument("--admin", metavar="NAME", help="username of the first administrator")
    p.add_argument("--display-name", help="the administrator's full name")
    p.add_argument("--kit", type=Path, help="where to write the audit verifier kit")
    p = add_command(
        sub, "verify", cmd_verify, "integrity checks: database pages, B-tree, audit chain"
    )
    p.add_argument("--kit", type=Path, help="audit verifier kit (checks every key epoch)")
    p = add_command(sub, "backup", cmd_backup, "write one verified backup file")
    p.add_argument("--to", type=Path, help="backup file (default: WORKSPACE/backups/…)")
    p = add_command(sub, "restore", cmd_restore, "restore a backup into a new workspace folder")
    p.add_argument("file", type=Path, help="backup file (.pdbk)")
    add_command(sub, "rekey", cmd_rekey, "rotate the database key (re-encrypts every page)")
    add_command(sub, "info", cmd_info, "show workspace facts and how it was unlocked")


def cmd_init(args: argparse.Namespace) -> int:
    folder = workspace_dir(args)
    if not args.admin:
        raise UsageError("name the first administrator: privdesk init --admin NAME")
    password = password_twice()
    new = AppContext.create(folder, keyring_store=keyring_store(args))
    ctx = new.ctx
    try:
        enrol = AuthService(ctx).bootstrap_admin(
            args.admin, args.display_name or args.admin, password
        )
        kit_path = args.kit or (ctx.workspace.exports_dir / "audit-verifier-kit.json")
        anchor_file.save_kit(kit_path, new.verifier_kit)
        confirmed = False
        code = os.environ.get("PRIVDESK_TOTP")
        if not code and sys.stdin.isatty() and not args.json:
            print(
                f"Add this account to your authenticator app:\n  {enrol.uri}\n"
                f"  (secret: {enrol.secret})"
            )
            code = input("Code shown by the app: ")
        if code:
            AuthService(ctx).confirm_enrolment(enrol.username, code)
            confirmed = True
        keyring = ctx.workspace.unlock.keyring
        data = {
            "status": "ok",
            "workspace": str(folder.resolve()),
            "workspace_id": ctx.workspace.workspace_id,
            "recovery_passphrase": new.recovery_passphrase,
            "keyring": keyring.to_json(),
            "admin": enrol.username,
            "totp_uri": enrol.uri,
            "totp_secret": enrol.secret,
            "admin_active": confirmed,
            "verifier_kit": str(kit_path),
        }
        keyring_line = (
            "The key is also held by your system keyring."
            if keyring.state is KeyringState.AVAILABLE
            else f"Keyring not used ({keyring.reason}): the passphrase opens this workspace."
        )
        next_step = (
            "Administrator active."
            if confirmed
            else f"Confirm the authenticator: PRIVDESK_TOTP=<code> privdesk operators confirm "
            f"{enrol.username} -w {folder}"
        )
        emit(
            args,
            data,
            f"Created workspace {folder}\n\n  Recovery passphrase:  {new.recovery_passphrase}\n\n"
            "Write it down and keep it somewhere safe; it is shown only once.\n"
            f"{keyring_line}\n"
            f"Audit verifier kit written to {kit_path}: move it off this computer.\n"
            f"{next_step}",
        )
    finally:
        ctx.close()
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        with signed_in(args) as (ctx, principal):
            health = AdminService(ctx, principal).verify(args.kit)
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
        "leftovers": [str(p) for p in health.leftovers],
        "swept": [str(p) for p in health.swept],
    }
    stuck = "".join(
        f"\n  warning: leftover of a killed {leftover_of(p)} could not be removed: {p}"
        for p in health.leftovers
    ) + "".join(f"\n  removed leftover of a killed {leftover_of(p)}: {p}" for p in health.swept)
    emit(
        args,
        data,
        ("OK" if health.ok else "FAILED")
        + f"\n  database: {health.store.summary()}"
        + f"\n  audit log: {health.audit.status.name} — {health.audit.message}"
        + stuck,
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
    with signed_in(args) as (ctx, principal):
        result = AdminService(ctx, principal).backup(args.to)
    emit(
        args,
        {"status": "ok", "path": str(result.path), "sha256": result.sha256, "size": result.size},
        f"Backup written: {result.path} ({result.size:,} bytes, sha256 {result.sha256[:16]}…)",
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Possession of the key (recovery passphrase or keyring) is what authorizes a restore."""
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
    with signed_in(args) as (ctx, principal):
        generation = with_step_up(ctx, principal, lambda p: AdminService(ctx, p).rekey())
        report = ctx.workspace.verify()
    emit(
        args,
        {"status": "ok", "key_generation": generation, "integrity": report.summary()},
        f"Database key rotated (generation {generation}); {report.summary()}",
    )
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
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
