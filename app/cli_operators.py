"""CLI: first administrator, sign-in sessions, operator administration, the audit log."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from app.audit import anchors as anchor_file
from app.audit.service import AuditService
from app.cli import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.cli_session import ask, ask_code, context, signed_in, with_step_up
from app.cli_workspace import keyring_store, workspace_dir
from app.context import AppContext
from app.keystore import KeyringState
from app.security import operators
from app.security.auth import AuthService, EnrolmentError
from app.security.operators import OperatorService


def _password_twice(env: str = "PRIVDESK_PASSWORD") -> str:
    import getpass

    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"a password is needed: set {env} or run interactively")
    first = getpass.getpass("Choose a password (8+ characters, a passphrase is best): ")
    if getpass.getpass("Repeat it: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_init(args: argparse.Namespace) -> int:
    folder = workspace_dir(args)
    if not args.admin:
        raise UsageError("name the first administrator: privdesk init --admin NAME")
    password = _password_twice()
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


def cmd_login(args: argparse.Namespace) -> int:
    with context(args) as ctx:
        user = ask("PRIVDESK_OPERATOR", "Operator", secret=False)
        password = ask("PRIVDESK_PASSWORD", "Password", secret=True)
        result = AuthService(ctx).login(user, password, ask_code(), kind="cli")
    token = result.token or ""
    emit(
        args,
        {"status": "ok", "session": token, "operator": result.principal.username},
        f"export PRIVDESK_SESSION={token}",
    )
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        AuthService(ctx).logout(principal)
    emit(args, {"status": "ok"}, "Signed out.")
    return EXIT_OK


def cmd_operators(args: argparse.Namespace) -> int:
    action = args.action
    if action in ("confirm", "activate"):
        return _self_service(args)
    with signed_in(args) as (ctx, principal):
        if action == "list":
            ops = OperatorService(ctx, principal).list()
            rows = [
                {
                    "username": o.username,
                    "display_name": o.display_name,
                    "roles": list(o.roles),
                    "status": o.status,
                    "locked": o.locked,
                    "last_login_at": o.last_login_at,
                }
                for o in ops
            ]
            text = "\n".join(
                f"{o.username:<16} {o.status:<9} {'LOCKED ' if o.locked else ''}{','.join(o.roles)}"
                for o in ops
            )
            emit(args, {"status": "ok", "operators": rows}, text)
            return EXIT_OK
        name = _need_name(args)
        if action == "add":
            roles = _roles(args)
            new = with_step_up(
                ctx,
                principal,
                lambda p: OperatorService(ctx, p).add(
                    name, args.display_name or name, roles, email=args.email
                ),
            )
            emit(
                args,
                {
                    "status": "ok",
                    "username": new.username,
                    "enrolment_code": new.enrolment_code,
                    "expires_at": new.expires_at,
                },
                f"Operator {new.username} added. Give them this one-time enrolment code "
                f"(valid until {new.expires_at}):\n  {new.enrolment_code}\n"
                f"They run: privdesk operators activate {new.username}",
            )
        elif action == "reset-mfa":
            new = with_step_up(ctx, principal, lambda p: OperatorService(ctx, p).reset_mfa(name))
            emit(
                args,
                {
                    "status": "ok",
                    "username": new.username,
                    "enrolment_code": new.enrolment_code,
                    "expires_at": new.expires_at,
                },
                f"MFA reset for {name}; their sessions ended. New enrolment code:\n"
                f"  {new.enrolment_code}",
            )
        elif action == "roles":
            roles = _roles(args)
            after = with_step_up(
                ctx, principal, lambda p: OperatorService(ctx, p).set_roles(name, roles)
            )
            emit(
                args,
                {"status": "ok", "username": name, "roles": list(after)},
                f"{name}: {', '.join(after)}",
            )
        else:
            method = {"disable": "disable", "enable": "enable", "unlock": "unlock"}[action]
            with_step_up(ctx, principal, lambda p: getattr(OperatorService(ctx, p), method)(name))
            done = {"disable": "disabled", "enable": "enabled", "unlock": "unlocked"}[action]
            emit(args, {"status": "ok", "username": name, "action": action}, f"{name}: {done}")
    return EXIT_OK


def _self_service(args: argparse.Namespace) -> int:
    name = _need_name(args)
    with context(args) as ctx:
        if args.action == "activate":
            code = ask("PRIVDESK_ENROLMENT_CODE", "Enrolment code", secret=False)
            enrol = operators.activate(ctx, name, code, _password_twice())
            emit(
                args,
                {
                    "status": "ok",
                    "username": enrol.username,
                    "totp_uri": enrol.uri,
                    "totp_secret": enrol.secret,
                },
                f"Add this account to your authenticator app:\n  {enrol.uri}\n"
                f"Then: PRIVDESK_TOTP=<code> privdesk operators confirm {enrol.username}",
            )
        else:
            AuthService(ctx).confirm_enrolment(name, ask_code())
            emit(args, {"status": "ok", "username": name, "active": True}, f"{name} is active.")
    return EXIT_OK


def _need_name(args: argparse.Namespace) -> str:
    if not args.name:
        raise UsageError(f"operators {args.action} needs an operator name")
    return str(args.name)


def _roles(args: argparse.Namespace) -> list[str]:
    roles = [r for chunk in (args.role or []) for r in chunk.split(",") if r]
    if not roles:
        raise EnrolmentError("give at least one --role")
    return roles


def _date(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def cmd_audit(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        service = AuditService(ctx, principal)
        if args.action == "verify":
            result = service.verify(args.kit)
            data = {
                "status": result.status.name,
                "seq": result.seq,
                "count": result.count,
                "head_mac": result.head_mac,
                "message": result.message,
                "with_kit": args.kit is not None,
            }
            emit(args, data, f"{result.status.name}: {result.message}")
            return EXIT_OK if result.ok else EXIT_CHECK_FAILED
        text = service.export(args.format, _date(args.since, "--from"), _date(args.until, "--to"))
    if args.out:
        out: Path = args.out
        out.write_text(text, encoding="utf-8")
        print(f"Wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
