"""What every command prints: exit codes, `--json` or human text, one-line errors."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.errors import PrivDeskError

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# Ctrl+C during a long job (import, history redaction): the shell's convention, 128 + SIGINT.
EXIT_CANCELLED = 130


class UsageError(PrivDeskError):
    """Bad usage or bad input found by a handler: exit 2 with the message on stderr."""


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print `data` as JSON under --json, else the human text."""
    if wants_json(args):
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(text)


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def fail(message: str) -> None:
    """The one line a user sees when a command cannot go on."""
    sys.stderr.write(f"privdesk: {message}\n")


def report_error(args: argparse.Namespace, exc: PrivDeskError) -> int:
    """A service refused: the reason on stderr (and as JSON under --json); its exit code."""
    if wants_json(args):
        print(json.dumps({"status": "error", "error": exc.message}))
    fail(exc.message)
    return exc.exit_code
