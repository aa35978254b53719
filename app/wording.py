"""Counted nouns for messages a user reads: "1 item", "2 items", "0 items"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the right number; `plural` when it is not noun + "s"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
