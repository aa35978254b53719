"""Validators run on candidates only: well-kept libraries (python-stdnum, phonenumbers,
ipaddress) plus the false-positive controls of SECURITY.md §7.

A validator gets the candidate value and a :class:`Look` at the text around it and
returns an :class:`Accept` (optionally re-typing the finding, e.g. a 9xx number as
``US_ITIN``) or None to drop the candidate.
"""

from __future__ import annotations

import functools
import importlib
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers
from stdnum import iban, numdb
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10
from stdnum.us import itin, ssn

from app.redaction.types import US_ITIN


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

_NON_DIGITS = re.compile(r"\D+")
_UUID_BEFORE = re.compile(r"[0-9a-fA-F]{4}-$")
_UUID_AFTER = re.compile(r"^-[0-9a-fA-F]{4}")
_IBAN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})* ?$")
_ISO_BEFORE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]?$")
_HYPHEN_ID_BEFORE = re.compile(r"[A-Za-z0-9]-$")
_DOT_DIGIT = re.compile(r"\.\d")
_CHAIN_BEFORE = re.compile(r"\d[ .-]$")
_CHAIN_AFTER = re.compile(r"^[ .-]\d")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_GROUP_GAP = re.compile(r"[ .-](?=\d)")


def digits_of(value: str) -> str:
    return _NON_DIGITS.sub("", value)


# --- cards -------------------------------------------------------------------------------


def card_brand(pan: str) -> str | None:
    """Brand by IIN prefix and brand-valid length (SECURITY.md §7.1), else None."""
    n = len(pan)
    p2, p3, p4, p6 = int(pan[:2]), int(pan[:3]), int(pan[:4]), int(pan[:6])
    if pan[0] == "4" and n in (13, 16, 18, 19):
        return "visa"
    if n == 16 and (51 <= p2 <= 55 or 2221 <= p4 <= 2720):
        return "mastercard"
    if n == 15 and p2 in (34, 37):
        return "amex"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39)) and n in (14, 16, 19):
        return "diners"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65) and n in (16, 19):
        return "discover"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "jcb"
    if 2200 <= p4 <= 2204 and 16 <= n <= 19:
        return "mir"
    if p2 == 62 and 14 <= n <= 19:
        return "unionpay"
    if (p6 == 493698 or 500000 <= p6 <= 508999 or 56 <= p2 <= 59 or p2 in (63, 67)) and (
        12 <= n <= 19
    ):
        return "maestro"
    return None


_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # each digit → its doubled digit sum


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10); the same answer as stdnum.luhn.is_valid, without its overhead."""
    if digits.isascii() and digits.isdigit():
        # the sums in C: every second digit from the right doubled (by the table), the
        # digits' byte values added and the ASCII offsets taken off
        kept, doubled = digits[-1::-2], digits[-2::-2].translate(_LUHN_DOUBLED)
        return (sum(kept.encode()) + sum(doubled.encode()) - 48 * len(digits)) % 10 == 0
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        total += _LUHN_DOUBLE[d] if i & 1 else d
    return total % 10 == 0


def _consistent_groups(value: str) -> bool:
    """Contiguous digits, or 4-4-4-4(-3) / Amex 4-6-5 with one separator kind."""
    seps = {c for c in value if not c.isdigit()}
    if not seps:
        return True
    if len(seps) != 1 or seps.pop() not in " -":
        return False
    sizes = [len(g) for g in re.split(r"[ -]", value)]
    return sizes in ([4, 4, 4, 4], [4, 6, 5], [4, 4, 4, 4, 3], [4, 4, 4, 4, 2], [4, 4, 4, 4, 1])


def _looks_like_ms_timestamp(pan: str) -> bool:
    if len(pan) != 13:
        return False
    try:
        year = datetime.fromtimestamp(int(pan) / 1000, UTC).year
    except (OverflowError, OSError, ValueError):
        return False
    return 2000 <= year <= 2100


def validate_card(value: str, look: Look) -> Accept | None:
    # Cheapest rejections first (every check must pass, so the order never changes the
    # verdict): length, IIN prefix table, Luhn, then the look-around patterns.
    pan = digits_of(value)
    if not 12 <= len(pan) <= 19:
        return None
    brand = card_brand(pan)
    if brand is None or len(set(pan)) == 1 or not luhn_ok(pan):
        return None
    if not _consistent_groups(value) or look.before.endswith("+"):
        return None
    if _UUID_BEFORE.search(look.before) or _UUID_AFTER.search(look.after):
        return None
    if _IBAN_BEFORE.search(look.before) or _ISO_BEFORE.search(look.before):
        return None
    if _looks_like_ms_timestamp(pan):
        return None
    return Accept(f"{brand} prefix and length, Luhn check passed")


def validate_luhn(value: str, look: Look) -> Accept | None:
    number = digits_of(value)
    return Accept("Luhn check passed") if number and luhn_ok(number) else None


# --- SSN / ITIN ----------------------------------------------------------------------------


def validate_ssn(value: str, look: Look) -> Accept | None:
    """SSA rules (python-stdnum: area, group, serial, advertising numbers); 9xx → ITIN."""
    number = digits_of(value)
    if len(number) != 9 or _HYPHEN_ID_BEFORE.search(look.before):
        return None
    seps = {c for c in value if not c.isdigit()}
    if len(seps) > 1:
        return None
    if number[0] == "9":
        return Accept("ITIN group range", US_ITIN) if itin.is_valid(number) else None
    return Accept("SSA area/group/serial rules passed") if _ssn_ok(number) else None


# The fast paths below inline python-stdnum's own checks using three of its private names
# (checked against stdnum for equality in tests/test_redaction_engine.py). If a stdnum
# release renames them, the validators fall back to stdnum's public functions.
_FAST_STDNUM = all(
    hasattr(module, name)
    for module, name in ((ssn, "_ssn_blacklist"), (iban, "_get_cc_module"), (iban, "_struct_to_re"))
)
_SSN_BLACKLIST = frozenset(getattr(ssn, "_ssn_blacklist", ()))


def _ssn_ok(number: str) -> bool:
    """python-stdnum's ssn.is_valid for nine digits, its own checks inlined when they are
    ASCII (the common case: no clean-up, no regex, no exceptions); else stdnum itself."""
    if not _FAST_STDNUM or len(number) != 9 or not number.isascii() or not number.isdigit():
        return bool(ssn.is_valid(number))
    area, group, serial = number[:3], number[3:5], number[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return f"{area}-{group}-{serial}" not in _SSN_BLACKLIST


# --- IBAN ----------------------------------------------------------------------------------

_IBAN_DB = numdb.get("iban")
_STRUCT = re.compile(r"(\d+)!?[nac]")


@functools.lru_cache(maxsize=256)
def iban_length(country: str) -> int | None:
    """Registry length of `country`'s IBANs (python-stdnum's IBAN registry), else None."""
    info = _IBAN_DB.info(country)
    props = info[0][1] if info else {}
    bban = props.get("bban")
    if not bban:
        return None
    return 4 + sum(int(n) for n in _STRUCT.findall(bban))


_BASE36 = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_ALNUM = re.compile(r"[A-Z0-9]+")


def _mod97_fails(compact: str) -> bool:
    """True only when an IBAN's MOD 97-10 check certainly fails (the same arithmetic as
    python-stdnum's, as a prefilter); False means: let python-stdnum decide."""
    if not _ALNUM.fullmatch(compact):
        return False
    return int((compact[4:] + compact[:4]).translate(_BASE36)) % 97 != 1


_CountryCheck = tuple[re.Pattern[str], Callable[[str], object] | None]


@functools.lru_cache(maxsize=256)
def _iban_country(country: str) -> _CountryCheck | None:
    """What python-stdnum's iban.validate looks up per country: the registry's BBAN
    structure and the country-specific module (the registry is keyed by country code
    alone, so the look-up on the country equals the one on the whole number)."""
    info = _IBAN_DB.info(country)
    props = info[0][1] if info else {}
    if not props:
        return None
    module = iban._get_cc_module(country)
    return iban._struct_to_re(props.get("bban", "")), module.validate if module else None


def _iban_ok(compact: str) -> bool:
    """python-stdnum's iban.is_valid(compact), for a candidate that passed
    `_mod97_fails`: when it is plain ASCII [A-Z0-9] (stdnum's clean-up changes nothing and
    its MOD 97-10 check is the one that just passed) only the per-country steps remain,
    with their look-ups cached; anything else goes to stdnum itself."""
    if not _FAST_STDNUM or not _ALNUM.fullmatch(compact):
        return bool(iban.is_valid(compact))
    check = _iban_country(compact[:2])
    if check is None:
        return False
    structure, country_validate = check
    if not structure.match(compact[4:]):
        return False
    if country_validate is not None:
        try:
            country_validate(compact)
        except ValidationError:
            return False
    return True


def validate_iban(value: str, look: Look) -> Accept | None:
    compact = value.replace(" ", "").upper()
    expected = iban_length(compact[:2])
    if expected is None or len(compact) < expected:
        return None
    length = None
    if len(compact) > expected:
        # The pattern ran on into a following group ("… 0130 00 1234"): cut at the
        # registry length, but only where a group ends.
        seen = 0
        for i, ch in enumerate(value):
            seen += ch != " "
            if seen == expected:
                length = i + 1
                break
        if length is None or value[length : length + 1] != " ":
            return None
        compact = compact[:expected]
    if _mod97_fails(compact):
        return None  # python-stdnum would say so too, after its slower registry look-up
    if _iban_ok(compact):
        return Accept("registry country and length, MOD 97-10 check passed", length=length)
    return None


def validate_mod97(value: str, look: Look) -> Accept | None:
    compact = value.replace(" ", "").upper()
    try:
        ok = mod_97_10.is_valid(compact[4:] + compact[:4])
    except Exception:  # stdnum raises its own ValidationError subclasses or ValueError
        return None
    return Accept("MOD 97-10 check passed") if ok else None


# --- e-mail, phone, IP ---------------------------------------------------------------------


def validate_email(value: str, look: Look) -> Accept | None:
    local, _, domain = value.rpartition("@")
    labels = domain.split(".")
    if not local or len(local) > 64 or len(domain) > 253 or len(labels) < 2:
        return None
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    if any(not lab or lab[0] == "-" or lab[-1] == "-" for lab in labels):
        return None
    if not labels[-1].isalpha():
        return None
    return Accept("address syntax valid")


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
    (A plain dict: reads and writes are atomic under the GIL, so scans may share it.)"""
    key = (cc, len(nsn), nsn[:PREFIX_KEY])
    if key in _PHONE_VERDICTS:
        return _PHONE_VERDICTS[key]
    number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    verdict = None
    if phonenumbers.is_valid_number(number):
        verdict = phonenumbers.region_code_for_number(number) or "intl"
    if len(_PHONE_VERDICTS) < _PHONE_CACHE_MAX:
        _PHONE_VERDICTS[key] = verdict
    return verdict


def _checked(cc: int, nsn: str) -> str | None:
    if not nsn or nsn[0] == "0":
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
                return _checked(cc, digits[size:])
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


def validate_phone(value: str, look: Look) -> Accept | None:
    digits = digits_of(value)
    if len(digits) < 7:
        return None  # (what the loop below concludes at its first step, only sooner)
    before = look.before
    # ("ts=" ends in "=", and a UUID's "…a3f9-" in "<letter or digit>-": one check each)
    if before.endswith(("#", "=")) or _HYPHEN_ID_BEFORE.search(before):
        return None
    if _ISO_BEFORE.search(before) or _SSN_SHAPE.fullmatch(value):
        return None
    # '+' or '(' starts a new number whatever precedes; a bare digit group after
    # "1234 " is more likely the tail of a card or account number than a phone.
    national = value[:1].isdigit()
    if national and _CHAIN_BEFORE.search(before):
        return None  # one group of a longer number (a card, an IBAN, an account)
    # The pattern may run on into a following number ("+44 20 7946 0123 4111 …"): try
    # the whole candidate, then without its trailing groups (the gaps, right to left;
    # only looked for when the whole candidate does not do).
    whole = cut = len(value)
    gaps: list[int] | None = None
    while True:
        candidate = value[:cut]
        candidate_digits = digits if cut == whole else digits_of(candidate)
        count = len(candidate_digits)
        if count < 7:
            return None
        if count <= 15:
            after = value[cut:] + look.after if cut != whole else look.after
            if not (national and cut == whole and _CHAIN_AFTER.match(after)):
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


def validate_ip(value: str, look: Look) -> Accept | None:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 4 and (look.before.endswith(".") or _DOT_DIGIT.match(look.after)):
        return None  # a dotted version number or OID longer than four parts
    return Accept(f"valid IPv{address.version} address")


def validate_secret(value: str, look: Look) -> Accept | None:
    if len(set(value)) < 4:
        return None  # "xxxxxxxx", "********": a placeholder, not a secret
    return Accept("credential shape")


def validate_boundary(value: str, look: Look) -> Accept | None:
    """A literal only counts as a whole word (Unicode-aware, unlike RE2's ASCII ``\\b``)."""
    if look.before[-1:].isalnum() or look.after[:1].isalnum():
        return None
    return Accept("known person in the directory")


BUILTIN_VALIDATORS: dict[str, Validator] = {
    "boundary": validate_boundary,
    "card": validate_card,
    "luhn": validate_luhn,
    "ssn": validate_ssn,
    "iban": validate_iban,
    "mod97": validate_mod97,
    "email": validate_email,
    "phone": validate_phone,
    "ip": validate_ip,
    "secret": validate_secret,
}

# Validators that never read their `look` argument: the scanner hands them an empty
# Look instead of decoding the text around every candidate (a pure speed-up; a validator
# that starts reading `look` must leave this set — tests/test_redaction_speed.py compares
# every finding with the reference scanner, which always builds the Look).
LOOK_FREE: frozenset[Validator] = frozenset({validate_email, validate_secret})

_STDNUM_NAME = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)?")


class UnknownValidator(ValueError):
    pass


@functools.lru_cache(maxsize=128)
def get_validator(name: str) -> Validator:
    """A validator by name: a built-in one, or any python-stdnum format (``de.idnr``,
    ``nl.bsn``, ``isbn``…) — written with or without a ``stdnum:`` prefix."""
    if name in BUILTIN_VALIDATORS:
        return BUILTIN_VALIDATORS[name]
    fmt = name.removeprefix("stdnum:")
    if not _STDNUM_NAME.fullmatch(fmt):
        raise UnknownValidator(f"unknown validator {name!r}")
    try:
        module = importlib.import_module(f"stdnum.{fmt}")
    except ImportError:
        raise UnknownValidator(
            f"unknown validator {name!r} (neither built in nor a python-stdnum format)"
        ) from None
    check = getattr(module, "is_valid", None)
    if not callable(check):
        raise UnknownValidator(f"python-stdnum module {fmt!r} has no is_valid()")

    def validate(value: str, look: Look) -> Accept | None:
        try:
            return Accept(f"python-stdnum {fmt} check passed") if check(value) else None
        except Exception:  # a third-party check must never break a scan
            return None

    return validate
