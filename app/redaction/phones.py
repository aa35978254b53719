"""Phone numbers: libphonenumber's verdict on a candidate, after the shapes that are never
phones (dates, times, ranges, identifiers, parts of longer runs) are ruled out."""

from __future__ import annotations

import functools
import re

import phonenumbers

from app.redaction import shapes
from app.redaction.verdict import Accept, Look, digits_of

_UUID_AFTER = re.compile(r"^-[0-9a-fA-F]{4}")
_IBAN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})* ?$")
_ISO_BEFORE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]?$")
_HYPHEN_ID_BEFORE = re.compile(r"[A-Za-z0-9]-$")
_CHAIN_BEFORE = re.compile(r"\d[ .:/-]$")
_CHAIN_AFTER = re.compile(r"^[ .-]\d")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_GROUP_GAP = re.compile(r"[ .-](?=\d)")


# National numbers: with a trunk 0 (Europe, Australia) or NANP's 3-3-4 (US and Canada).
TRUNK0_REGIONS = ("GB", "DE", "FR", "AU", "NL", "IE", "BE", "AT", "CH")
PREFIX_KEY = 7


_PHONE_VERDICTS: dict[tuple[int, int, str], str | None] = {}
_PHONE_CACHE_MAX = 16384


def _valid_phone(cc: int, nsn: str) -> str | None:
    """libphonenumber's verdict for +cc nsn, or None. Cached by (cc, length, first seven
    digits): libphonenumber's number patterns constrain a number's leading digits and
    its length, so numbers that share them share the verdict, and a corpus with
    thousands of numbers costs a few hundred ~50 µs metadata checks, not thousands.
    (A plain dict: reads and writes are atomic under the GIL, so scans may share it.)
    A national number with leading zeros keeps them (Italy: +39 06 678 4343)."""
    key = (cc, len(nsn), nsn[:PREFIX_KEY])
    if key in _PHONE_VERDICTS:
        return _PHONE_VERDICTS[key]
    zeros = len(nsn) - len(nsn.lstrip("0"))
    number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    if zeros:
        number.italian_leading_zero = True
        number.number_of_leading_zeros = zeros
    verdict = None
    if phonenumbers.is_valid_number(number):
        verdict = phonenumbers.region_code_for_number(number) or "intl"
    if len(_PHONE_VERDICTS) < _PHONE_CACHE_MAX:
        _PHONE_VERDICTS[key] = verdict
    return verdict


def _checked(cc: int, nsn: str, *, leading_zero: bool = False) -> str | None:
    if not nsn or (nsn[0] == "0" and not leading_zero) or len(nsn) > 14:
        return None
    return _valid_phone(cc, nsn)


@functools.lru_cache(maxsize=1024)
def _known_country_code(cc: int) -> bool:
    return bool(phonenumbers.region_code_for_country_code(cc) != "ZZ")


def _phone_ok(value: str, digits: str) -> str | None:
    """The region of `value` (whose digits are `digits`) if libphonenumber finds it a
    valid number, else None."""
    if value.startswith("+"):
        for size in (1, 2, 3):
            cc = int(digits[:size])
            if _known_country_code(cc):
                # (a leading 0 after the country code is part of the number only where
                # libphonenumber says so: Italy, and a few others)
                return _checked(cc, digits[size:], leading_zero=True)
        return None
    if digits.startswith("0"):
        for region in TRUNK0_REGIONS:
            found = _checked(phonenumbers.country_code_for_region(region), digits[1:])
            if found:
                return found
        return None
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return _checked(1, digits) if len(digits) == 10 else None


def _not_a_phone(value: str, before: str, after: str, national: bool) -> bool:
    """Shapes that are never phones whatever libphonenumber says: identifiers and
    timestamps by what precedes them, dates, times, ranges, parts of longer runs."""
    # ("ts=" ends in "=", and a UUID's "…a3f9-" in "<letter or digit>-"; the `$`-anchored
    # checks — `_HYPHEN_ID_BEFORE`, `_ISO_BEFORE`, `_IBAN_BEFORE`, the identifier words
    # ("order 0123 …", "tracking number: …") — read `before` backwards, one match each)
    if before.endswith(("#", "=")) or _SSN_SHAPE.fullmatch(value):
        return True
    reversed_before = before[::-1]
    if shapes.REVERSED_PHONE_BEFORE.match(reversed_before):
        return True
    if shapes.identifier_before_reversed(reversed_before):
        return True
    if not national:
        return False
    if shapes.is_date(value) or shapes.is_time_or_range(value):
        return True
    if not value[:1].isdigit():
        return False  # '(' starts a new number whatever precedes
    # a bare digit group after "1234 " or "12:" is more likely the tail of a card,
    # account number or time than a phone (`_CHAIN_BEFORE`, `shapes.tail_of_date_or_time`)
    return shapes.continues_a_run(reversed_before, after)


def validate_phone(value: str, look: Look) -> Accept | None:
    digits = digits_of(value.replace("(0)", ""))  # "+44 (0)20 …": the 0 is not dialled
    if len(digits) < 7:
        return None  # (what the loop below concludes at its first step, only sooner)
    # '+' starts a new number whatever precedes
    national = not value.startswith("+")
    if _not_a_phone(value, look.before, look.after, national):
        return None
    if national:
        # A national number is the whole candidate or nothing: cutting trailing groups
        # off "0123 4567 8901 2345" would report the first twelve digits of an order
        # number, and a run glued to more groups is no phone.
        if len(digits) > 15 or _UUID_AFTER.search(look.after):
            return None
        if value[:1].isdigit() and _CHAIN_AFTER.match(look.after):
            return None  # ('(' starts a number; what follows its last group may be another)
        region = _phone_ok(value, digits)
        return Accept(f"valid {region} number (libphonenumber)") if region else None
    # An international number may run on into a following number ("+44 20 7946 0123
    # 4111 …"): try the whole candidate, then without its trailing groups (the gaps,
    # right to left; only looked for when the whole candidate does not do).
    whole = cut = len(value)
    gaps: list[int] | None = None
    while True:
        candidate = value[:cut]
        candidate_digits = digits if cut == whole else digits_of(candidate.replace("(0)", ""))
        count = len(candidate_digits)
        if count < 7:
            return None
        if count <= 15:
            after = value[cut:] + look.after if cut != whole else look.after
            if _UUID_AFTER.search(after):
                return None
            region = _phone_ok(candidate, candidate_digits)
            if region:
                length = None if cut == whole else cut
                return Accept(f"valid {region} number (libphonenumber)", length=length)
        if gaps is None:
            gaps = [m.start() for m in _GROUP_GAP.finditer(value)]
        if not gaps:
            return None
        cut = gaps.pop()
