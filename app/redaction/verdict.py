"""What a validator gets and returns: the candidate's surroundings (:class:`Look`) and
the verdict (:class:`Accept`, or None to drop the candidate)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class Accept:
    reason: str
    entity_type: str | None = None
    length: int | None = None  # accept only value[:length] (a candidate that ran on)


class Look:
    """The text just before and after a candidate (a few dozen characters each side)."""

    __slots__ = ("after", "before")

    def __init__(self, before: str, after: str) -> None:
        self.before = before
        self.after = after


Validator = Callable[[str, Look], Accept | None]


_SEPARATORS = str.maketrans("", "", " -.()+/")


def digits_of(value: str) -> str:
    """`value` without its non-digits (Unicode decimal digits, as ``\\d``): the common
    separators dropped by one ``translate`` when that leaves only digits, else the regex."""
    kept = value.translate(_SEPARATORS)
    if kept.isdecimal():  # (str.isdecimal is exactly category Nd, what ``\\d`` matches)
        return kept
    return _NON_DIGITS.sub("", value)


_ASCII_DIGITS = str.maketrans("", "", "0123456789")


def non_digits(value: str) -> set[str]:
    """The characters of `value` that are not digits (``str.isdigit``), as a set; the
    ASCII digits dropped in C first, so a card or phone costs no per-character loop."""
    rest = value.translate(_ASCII_DIGITS)
    return {c for c in rest if not c.isdigit()} if rest else set()
