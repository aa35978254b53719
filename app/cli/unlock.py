"""Unlocking and signing in from the command line, like a password manager's CLI.

`privdesk login` prints `export PRIVDESK_SESSION=…`; later commands reuse that token (only
its hash is stored; it ends after the workspace's `idle_timeout_s` unused, default
15 min, and 12 h after sign-in). Without a token a command signs in for
itself from PRIVDESK_OPERATOR / PRIVDESK_PASSWORD / PRIVDESK_TOTP or prompts, and ends
that one-shot session when it finishes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from app.cli.output import UsageError
from app.cli.prompts import ask, ask_code, ask_passphrase
from app.context import AppContext
from app.errors import PassphraseRequired
from app.keystore import KeyringStore
from app.security.auth import AuthService, Principal, StepUpRequired
from app.workspace import Workspace

T = TypeVar("T")


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


def open_workspace(args: argparse.Namespace, folder: Path | None = None) -> Workspace:
    folder = folder or workspace_dir(args)
    ks = keyring_store(args)
    try:
        return Workspace.open(folder, keyring_store=ks)
    except PassphraseRequired as exc:
        return Workspace.open(folder, keyring_store=ks, passphrase=ask_passphrase(exc.message))


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
    """The unlocked workspace and the operator: PRIVDESK_SESSION, else a one-shot sign-in."""
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
