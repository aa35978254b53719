"""The index of `privdesk`'s top-level words: which `app.cli` module registers each one.

A command line imports only the module of its own word (`privdesk review list` loads the
review commands and what they need, never the other 17 groups), and `privdesk --help`
imports none: the stubs below carry each word's one-line help. `tests/test_cli_index.py`
checks this table against what every module really registers, so it cannot drift.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

# In the order `privdesk --help` lists them: (module in app.cli, ((word, help), …)).
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "workspace",
        (
            ("init", "create a new encrypted workspace and its first administrator"),
            ("verify", "integrity checks: database pages, B-tree, audit chain"),
            ("backup", "write one verified backup file"),
            ("restore", "restore a backup into a new workspace folder"),
            ("rekey", "rotate the database key (re-encrypts every page)"),
            ("info", "show workspace facts and how it was unlocked"),
        ),
    ),
    (
        "machine",
        (
            ("selftest", "check SQLCipher, the keyring and Qt on this machine"),
            ("keyring", "show, enrol or forget this machine's keyring entry"),
        ),
    ),
    (
        "demo",
        (
            ("demo", "open (creating if needed) the demo workspace in the GUI"),
            ("demo-data", "write a deterministic Zendesk-shaped demo export"),
        ),
    ),
    (
        "session",
        (
            ("login", "sign in; prints `export PRIVDESK_SESSION=…`"),
            ("logout", "end the PRIVDESK_SESSION session"),
        ),
    ),
    ("operators", (("operators", "list and administer operator accounts"),)),
    ("audit", (("audit", "verify or export the tamper-evident audit log"),)),
    (
        "helpdesk",
        (
            ("import", "import help-desk data: a Zendesk export or a CSV"),
            ("status", "counts of imported help-desk data and the last snapshot"),
        ),
    ),
    ("search", (("search", "search tickets and people"),)),
    ("dsar", (("dsar", "data-subject requests: the DSAR queue"),)),
    (
        "drills",
        (
            ("breach", "breach-notification deadlines (no workspace)"),
            ("drill", "playbooks, drill and incident runs, reports"),
        ),
    ),
    ("alerts", (("alerts", "monitoring: suspicious-activity alerts and their rules"),)),
    ("logreview", (("logreview", "review the period's logs and alerts, and sign it off"),)),
    ("review", (("review", "quarterly access reviews"),)),
    (
        "redaction",
        (
            ("redact", "mask personal data; redact history"),
            ("rules", "check every redaction rule's examples"),
        ),
    ),
    ("inventory", (("inventory", "data inventory, records of processing, discovery"),)),
    (
        "retention",
        (
            ("retention", "retention policies: simulate, then run (step-up)"),
            ("hold", "legal holds: kept through every retention run and erasure"),
        ),
    ),
    (
        "compliance",
        (
            ("policies", "policies: versions, approval, acknowledgement, reviews due"),
            ("evidence", "control-mapped evidence packs for auditors"),
            ("trust", "the customer trust summary: preview, approve, export"),
        ),
    ),
    ("settings", (("settings", "workspace settings (idle lock, review, DSAR …)"),)),
    ("vendors", (("vendors", "vendor and integration register, reviews, findings"),)),
    ("training", (("training", "training programmes, completions, phishing tests, quizzes"),)),
    ("zendesk", (("zendesk", "connect to Zendesk's API and sync help-desk data"),)),
)

# Options every level accepts, so the command's words can be found behind them.
VALUE_OPTIONS = frozenset({"--workspace", "-w"})
FLAG_OPTIONS = frozenset({"--json", "--allow-insecure-keyring"})


def leading_words(argv: Sequence[str], count: int) -> list[str] | None:
    """The first `count` words of `argv` (fewer if it has fewer), skipping the global
    options before the first word; None when something else stands before a word (an
    unknown option, `--help`), so the caller lets the full parser judge the line."""
    words: list[str] = []
    i = 0
    while i < len(argv) and len(words) < count:
        token = argv[i]
        if not token.startswith("-") or token == "-":
            words.append(token)
        elif words:
            break  # an option between the words: the command's parser judges it
        elif token in VALUE_OPTIONS:
            i += 1  # its value
        elif not (
            token in FLAG_OPTIONS
            or token.startswith("--workspace=")
            or (token.startswith("-w") and len(token) > 2)
        ):
            return None
        i += 1
    return words


def module_of(word: str) -> str | None:
    for module, words in GROUPS:
        if any(word == name for name, _help in words):
            return module
    return None


def register(
    commands: argparse._SubParsersAction[Any], argv: Sequence[str], *, everything: bool = False
) -> None:
    """Fill `commands` for this command line: the whole group of its first word, one-line
    stubs for every other word (all of them when no group can be told: `--help`, an
    unknown option or word keeps argparse's usual messages, over the same choices).
    `everything` registers every group in full (the whole tree, for tools that walk it)."""
    words = leading_words(argv, 1)
    if everything or (words is None and argv and not set(argv) & {"-h", "--help", "--version"}):
        wanted = {module for module, _words in GROUPS}  # let every parser judge it
    else:
        chosen = module_of(words[0]) if words else None
        wanted = {chosen} if chosen else set()
    for module, entries in GROUPS:
        if module in wanted:
            importlib.import_module(f"app.cli.{module}").register(commands)
        else:
            for name, help_text in entries:
                commands.add_parser(name, help=help_text, description=help_text)
