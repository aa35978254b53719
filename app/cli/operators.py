"""`privdesk operators …`: list and administer operator accounts; `activate` and `confirm`
are the new operator's own first steps."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from app.cli.output import EXIT_OK, emit
from app.cli.parsing import add_command, add_group
from app.cli.prompts import ask, ask_code, password_twice
from app.cli.unlock import context, signed_in, with_step_up
from app.security import operators
from app.security.auth import AuthService, EnrolmentError
from app.security.operators import OperatorService


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "operators", "list and administer operator accounts")
    add_command(group, "list", cmd_list, "every operator, status, lock state and roles")
    p = _named(group, "add", cmd_add, "add an operator; prints a one-time enrolment code")
    _role_option(p)
    p.add_argument("--display-name", help="their full name (default: the username)")
    p.add_argument("--email")
    for name, past in (("disable", "disabled"), ("enable", "enabled"), ("unlock", "unlocked")):
        _named(group, name, _switch(name, past), f"{name} an operator (step-up)")
    _named(group, "reset-mfa", cmd_reset_mfa, "new enrolment code; their sessions end")
    _role_option(_named(group, "roles", cmd_roles, "replace an operator's roles"))
    _named(group, "activate", cmd_activate, "(new operator) enrolment code + own password")
    _named(group, "confirm", cmd_confirm, "(new operator) the first code activates the account")


def _named(
    group: argparse._SubParsersAction[Any],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    help_text: str,
) -> argparse.ArgumentParser:
    p = add_command(group, name, handler, help_text)
    p.add_argument("name", metavar="NAME", help="operator username")
    return p


def _role_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", action="append", required=True, help="role (repeat or comma-separate)")


def _roles(args: argparse.Namespace) -> list[str]:
    roles = [r for chunk in args.role for r in chunk.split(",") if r]
    if not roles:
        raise EnrolmentError("give at least one --role")
    return roles


def cmd_list(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
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


def cmd_add(args: argparse.Namespace) -> int:
    name, roles = args.name, _roles(args)
    with signed_in(args) as (ctx, principal):
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
    return EXIT_OK


def cmd_reset_mfa(args: argparse.Namespace) -> int:
    name = args.name
    with signed_in(args) as (ctx, principal):
        new = with_step_up(ctx, principal, lambda p: OperatorService(ctx, p).reset_mfa(name))
    emit(
        args,
        {
            "status": "ok",
            "username": new.username,
            "enrolment_code": new.enrolment_code,
            "expires_at": new.expires_at,
        },
        f"MFA reset for {name}; their sessions ended. New enrolment code:\n  {new.enrolment_code}",
    )
    return EXIT_OK


def cmd_roles(args: argparse.Namespace) -> int:
    name, roles = args.name, _roles(args)
    with signed_in(args) as (ctx, principal):
        after = with_step_up(
            ctx, principal, lambda p: OperatorService(ctx, p).set_roles(name, roles)
        )
    emit(
        args,
        {"status": "ok", "username": name, "roles": list(after)},
        f"{name}: {', '.join(after)}",
    )
    return EXIT_OK


def _switch(action: str, past: str) -> Callable[[argparse.Namespace], int]:
    """`disable`, `enable`, `unlock`: one service method each, the same output."""

    def handler(args: argparse.Namespace) -> int:
        name = args.name
        with signed_in(args) as (ctx, principal):
            with_step_up(ctx, principal, lambda p: getattr(OperatorService(ctx, p), action)(name))
        emit(args, {"status": "ok", "username": name, "action": action}, f"{name}: {past}")
        return EXIT_OK

    return handler


def cmd_activate(args: argparse.Namespace) -> int:
    name = args.name
    with context(args) as ctx:
        code = ask("PRIVDESK_ENROLMENT_CODE", "Enrolment code", secret=False)
        enrol = operators.activate(ctx, name, code, password_twice())
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
    return EXIT_OK


def cmd_confirm(args: argparse.Namespace) -> int:
    name = args.name
    with context(args) as ctx:
        AuthService(ctx).confirm_enrolment(name, ask_code())
    emit(args, {"status": "ok", "username": name, "active": True}, f"{name} is active.")
    return EXIT_OK
