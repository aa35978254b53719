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


def digits_of(value: str) -> str:
    return _NON_DIGITS.sub("", value)
