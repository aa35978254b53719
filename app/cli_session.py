"""Unlocking and signing in from the command line, like a password manager's CLI.

`privdesk login` prints `export PRIVDESK_SESSION=…`; later commands reuse that token (only
its hash is stored; idle 30 min, absolute 12 h). Without a token a command signs in for
itself from PRIVDESK_OPERATOR / PRIVDESK_PASSWORD / PRIVDESK_TOTP or prompts, and ends
that one-shot session when it finishes.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

from app.cli import UsageError
from app.cli_workspace import open_workspace
from app.context import AppContext
from app.security.auth import AuthService, Principal, StepUpRequired

T = TypeVar("T")


def ask(env: str, prompt: str, *, secret: bool) -> str:
    """The value of `env`, else a prompt on a terminal, else a one-line refusal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"{prompt.lower()} needed: set {env} or run interactively")
    return getpass.getpass(f"{prompt}: ") if secret else input(f"{prompt}: ")


def ask_code(prompt: str = "Authenticator code") -> str:
    return ask("PRIVDESK_TOTP", prompt, secret=False)


@contextlib.contextmanager
def context(args: argparse.Namespace) -> Iterator[AppContext]:
    """The unlocked workspace, audit epoch started, closed (and anchored) at the end."""
    ctx = AppContext.for_workspace(open_workspace(args))
    try:
        yield ctx
    finally:
        ctx.close()


@contextlib.contextmanager
def signed_in(args: argparse.Namespace) -> Iterator[tuple[AppContext, Principal]]:
    with context(args) as ctx:
        auth = AuthService(ctx)
        token = os.environ.get("PRIVDESK_SESSION")
        if token:
            yield ctx, auth.resume(token)
            return
        username = ask("PRIVDESK_OPERATOR", "Operator", secret=False)
        password = ask("PRIVDESK_PASSWORD", "Password", secret=True)
        code = ask_code()
        principal = auth.login(username, password, code, kind="cli").principal
        try:
            yield ctx, principal
        finally:
            with contextlib.suppress(Exception):
                auth.logout(principal)


def with_step_up(ctx: AppContext, principal: Principal, action: Callable[[Principal], T]) -> T:
    """Run `action`; if it needs a fresh code, ask once (PRIVDESK_TOTP or prompt) and retry."""
    try:
        return action(principal)
    except StepUpRequired:
        fresh = AuthService(ctx).step_up(principal, ask_code("Authenticator code (step-up)"))
        return action(fresh)
