"""Shapes that look like personal data and are not: dates, times, ranges, version and
build numbers, identifiers introduced as such, and digit groups that are one part of a
longer run. The validators consult these before accepting a card or a phone number.

Each check looks at the candidate and the few characters around it only (no parsing of
the whole text), so it costs a regex match or two per candidate.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from app.redaction.verdict import non_digits

# --- dates and times -----------------------------------------------------------------------

# One separator kind throughout: 06-13-2020, 13.06.2020, 2020/06/13, 6/13/20, 2020.6.13.
_DMY = re.compile(r"(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
_YMD = re.compile(r"(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?!\d)")
_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)(?:[:.]([0-5]\d))?")
_TIME_RANGE = re.compile(r"(?:[01]?\d|2[0-3])[:.]?[0-5]\d\s*[-–]\s*(?:[01]?\d|2[0-3])[:.]?[0-5]\d")
_RANGE = re.compile(r"(\d+)\s*[-–]\s*(\d+)")
# what a candidate that is the tail of a date/time or of a longer dotted number sits after
_TIME_BEFORE = re.compile(r"\d[:.]$|\d[-./]\d{1,2}[-./]$")
_DATE_AFTER = re.compile(r"^[-./:]\d")


def _day_month(a: int, b: int) -> bool:
    """a and b are a day and a month in either order (MM-DD or DD-MM)."""
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def is_date(value: str) -> bool:
    """`value` (the whole candidate) is a calendar date in a common numeric format, or
    starts with one followed only by a time ("07.27.2020 09")."""
    m = _DMY.match(value) or _YMD.match(value)
    if m is None:
        return False
    rest = value[m.end() :]
    if rest and not rest[0].isspace():
        return False
    if m.re is _DMY:
        year = m.group(4)
        ok = _day_month(int(m.group(1)), int(m.group(3)))
        return ok and (len(year) == 2 or 1900 <= int(year) <= 2100)
    year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def is_time_or_range(value: str) -> bool:
    """A clock time (08:15, 09.30), a time range (09.30-10.45, 0930-1045) or a numeric
    range of two equal-length numbers, the second larger (0100-0200, 0123-0456)."""
    if _TIME.fullmatch(value) or _TIME_RANGE.fullmatch(value):
        return True
    m = _RANGE.fullmatch(value)
    if m is None:
        return False
    low, high = m.group(1), m.group(2)
    return len(low) == len(high) and int(high) > int(low)


def tail_of_date_or_time(before: str, after: str) -> bool:
    """The candidate continues a date, a time or a dotted number ("00:00:02.541…",
    "… 06/13/2020-07/27/…"), or is continued by one."""
    return bool(_TIME_BEFORE.search(before) or _DATE_AFTER.match(after))


# --- identifiers introduced as such ------------------------------------------------------

# "Order 0123 4567 …", "tracking number: …", "build 041200123", "FedEx 0123…": what a
# help desk calls an identifier right before the digits. Only the words themselves, then
# an optional "no."/"number"/"#"/"id" and punctuation, and nothing else, may sit between.
_ID_WORDS = (
    "order|orders|tracking|track|waybill|awb|shipment|parcel|package|consignment|"
    "invoice|receipt|ref|reference|case|ticket|incident|build|version|release|"
    "firmware|model|serial|sn|s/n|sku|rma|po|batch|fedex|ups|usps|dhl|tnt|gls|dpd|"
    "ean|upc|isbn|imei|iccid|account id|customer id|user id|transaction|txn|"
    "confirmation|booking|reservation|pnr"
)
_ID_BEFORE = re.compile(
    rf"(?<![a-z0-9])(?:{_ID_WORDS})\.?(?:\s*(?:no\.?|nr\.?|numbers?|num|#|id|code))?"
    r"(?:\s+(?:is|was|reads))?\s*[:#=]?\s*$",
    re.IGNORECASE,
)


def _trie(words: list[str]) -> str:
    """An alternation of literal `words` as a regex trie (one branch per first letter):
    a failing candidate costs one character test, not one per word."""
    branches: dict[str, list[str]] = {}
    empty = False
    for word in sorted(set(words)):
        if word:
            branches.setdefault(word[0], []).append(word[1:])
        else:
            empty = True
    if not branches:
        return ""
    alts = [re.escape(first) + _trie(rest) for first, rest in sorted(branches.items())]
    body = f"(?:{'|'.join(alts)})" if len(alts) > 1 else alts[0]
    return f"(?:{body})?" if empty else body


# The same pattern read backwards, anchored where `before` ends: one match attempt at the
# end instead of a search trying every start (it ends in ``\s*$``, so a match ending
# before a final newline also ends at the very end). The words form a trie, and the
# whitespace runs are possessive (nothing after them can start with whitespace, so giving
# some back never finds another match). tests/test_redaction_speed.py checks it against
# `_ID_BEFORE` on generated text.
_ID_BEFORE_REVERSED = re.compile(
    r"\s*+[:#=]?\s*+(?:(?:si|saw|sdaer)\s++)?(?:(?:\.?on|\.?rn|s?rebmun|mun|#|di|edoc)\s*+)?\.?"
    rf"{_trie([w[::-1] for w in _ID_WORDS.split('|')])}(?![a-z0-9])",
    re.IGNORECASE,
)


def introduced_as_identifier(before: str) -> bool:
    """What `_ID_BEFORE.search(before)` says, read backwards from the end."""
    return _ID_BEFORE_REVERSED.match(before[::-1]) is not None


def identifier_before_reversed(reversed_before: str) -> bool:
    """`introduced_as_identifier` for a `before` already reversed (``before[::-1]``)."""
    return _ID_BEFORE_REVERSED.match(reversed_before) is not None


# --- what a candidate sits after, read backwards ------------------------------------------

# The validators' ``…$`` look-behind patterns, reversed and anchored at the start of
# ``before[::-1]``: one match attempt where a search tries every start. A leading ``\n?``
# is ``$`` matching before a final newline; ``\b`` marks the same boundary either way.
# tests/test_redaction_speed.py checks each against the patterns it replaces.
#   phones: "<letter or digit>-" | an ISO date (and T) | the tail of an IBAN
REVERSED_PHONE_BEFORE = re.compile(
    r"\n?(?:-[A-Za-z0-9]|[T ]?\d{2}-\d{2}-\d{4}| ?(?:[A-Z0-9]{4} ?)*\d{2}[A-Z]{2}\b)"
)
#   cards: a UUID's "…a3f9-" | an ISO date (and T) | the tail of an IBAN
REVERSED_CARD_BEFORE = re.compile(
    r"\n?(?:-[0-9a-fA-F]{4}|[T ]?\d{2}-\d{2}-\d{4}| ?(?:[A-Z0-9]{4} ?)*\d{2}[A-Z]{2}\b)"
)
#   national phones: "<digit><separator>" | a date or time's tail (`_TIME_BEFORE`)
REVERSED_CHAIN_BEFORE = re.compile(r"\n?(?:[ .:/-]\d|[-./]\d{1,2}[-./]\d)")


def continues_a_run(reversed_before: str, after: str) -> bool:
    """``_CHAIN_BEFORE.search(before) or tail_of_date_or_time(before, after)`` (phones)
    for a reversed `before`."""
    return bool(REVERSED_CHAIN_BEFORE.match(reversed_before) or _DATE_AFTER.match(after))


# --- digit groups that are part of a longer run -------------------------------------------

_GROUP_SEPS = " .-"


def group_separator(value: str) -> str | None:
    """The one separator between `value`'s digit groups, '' when contiguous, None when it
    mixes separators (or uses others)."""
    seps = non_digits(value)
    if not seps:
        return ""
    if len(seps) == 1:
        sep = seps.pop()
        return sep if sep in _GROUP_SEPS else None
    return None


def glued_to_more_groups(
    value: str, before: str, after: str, neighbour_ok: Callable[[str], bool] | None = None
) -> bool:
    """A grouped candidate ("1234 5678 9012 3456") whose run goes on with more groups
    joined by the same separator ("9400 1234 5678 9012 3456 78"), or a contiguous one
    directly continued by digits. A neighbouring group that itself belongs to a run with
    another separator ("4012-8888-8888-1881 4012 8888 8888 1881") does not count: that is
    the previous number ending; nor does a neighbour that is a whole number of the same
    shape for which `neighbour_ok` holds (two cards in a row, one space apart)."""
    sep = group_separator(value)
    if sep is None:
        return False
    if sep == "":
        return bool(before[-1:].isdigit() or after[:1].isdigit())
    size = len(value.split(sep))
    rx = _glue_patterns(sep, size)

    def whole_neighbour(text: str) -> bool:
        m = rx.shape.fullmatch(text)
        return m is not None and neighbour_ok is not None and neighbour_ok(text)

    glued_before = False
    # (each pattern below needs `before` to end with the separator, or `after` to start
    # with it: checked first, the same answers without most of the regex calls)
    if (
        before.endswith((sep, sep + "\n"))
        and rx.group_end.search(before)
        and not rx.other_run_end.search(before)
    ):
        m = rx.run_end.search(before)
        run = m.group(2)[: -len(sep)] if m else ""
        groups = run.split(sep) if run else []
        whole = len(groups) >= size and whole_neighbour(sep.join(groups[-size:]))
        # ("+44 20 7946 0123 4111 …": the run before is a phone number, not more groups)
        glued_before = not (whole or (m is not None and m.group(1) == "+"))
    glued_after = False
    if (
        after.startswith(sep)
        and rx.group_start.match(after)
        and not rx.other_run_start.match(after)
    ):
        m = rx.run_start.match(after)
        run = m.group(1)[len(sep) :] if m else ""
        groups = run.split(sep) if run else []
        glued_after = not (len(groups) >= size and whole_neighbour(sep.join(groups[:size])))
    return glued_before or glued_after


class _GluePatterns:
    """`glued_to_more_groups`'s patterns for one separator and group count, compiled once."""

    def __init__(self, sep: str, size: int) -> None:
        e = re.escape(sep)
        self.shape = re.compile(e.join([r"\d{4}"] * size))
        self.group_end = re.compile(rf"\d{{4}}{e}$")
        self.other_run_end = re.compile(rf"\d[^\d{e}]\d+{e}$")
        self.run_end = re.compile(rf"(\+?)((?:\d+{e})+)$")
        self.group_start = re.compile(rf"^{e}\d{{4}}")
        self.other_run_start = re.compile(rf"^{e}\d+[^\d{e}\s,;]\d")
        self.run_start = re.compile(rf"((?:{e}\d+)+)")


@functools.lru_cache(maxsize=64)
def _glue_patterns(sep: str, size: int) -> _GluePatterns:
    return _GluePatterns(sep, size)
