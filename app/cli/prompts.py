"""Secrets and answers from the environment, else a terminal prompt, else a clear refusal.

Scripts set PRIVDESK_PASSPHRASE, PRIVDESK_OPERATOR, PRIVDESK_PASSWORD, PRIVDESK_TOTP (and
PRIVDESK_ENROLMENT_CODE); a person at a terminal is asked; anything else gets one line
saying which variable to set.
"""

from __future__ import annotations

import getpass
import os
import sys

from app.cli.output import UsageError


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


def ask_passphrase(reason: str) -> str:
    """PRIVDESK_PASSPHRASE, else an interactive prompt, else a clear refusal."""
    env = os.environ.get("PRIVDESK_PASSPHRASE")
    if env:
        return env
    if not sys.stdin.isatty():
        raise UsageError(f"{reason}; set PRIVDESK_PASSPHRASE or run interactively")
    sys.stderr.write(f"{reason}\n")
    return getpass.getpass("Recovery passphrase: ")


def password_twice(env: str = "PRIVDESK_PASSWORD") -> str:
    """A new password: `env`, else asked twice on a terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"a password is needed: set {env} or run interactively")
    first = getpass.getpass("Choose a password (8+ characters, a passphrase is best): ")
    if getpass.getpass("Repeat it: ") != first:
        raise UsageError("the two passwords differ")
    return first
