"""`privdesk login` (prints `export PRIVDESK_SESSION=…`) and `privdesk logout`."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.output import EXIT_OK, emit
from app.cli.parsing import add_command
from app.cli.prompts import ask, ask_code
from app.cli.unlock import context, signed_in
from app.security.auth import AuthService


def register(sub: argparse._SubParsersAction[Any]) -> None:
    add_command(sub, "login", cmd_login, "sign in; prints `export PRIVDESK_SESSION=…`")
    add_command(sub, "logout", cmd_logout, "end the PRIVDESK_SESSION session")


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
