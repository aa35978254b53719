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
from datetime import UTC, datetime

from stdnum import iban, numdb
from stdnum.iso7064 import mod_97_10
from stdnum.us import ssn

from app.redaction import shapes
from app.redaction.phones import validate_phone
from app.redaction.types import US_ITIN
from app.redaction.verdict import Accept, Look, Validator, digits_of, non_digits
from app.redaction.web import validate_crypto, validate_url

__all__ = ["Accept", "Look", "Validator", "digits_of", "get_validator"]


_UUID_BEFORE = re.compile(r"[0-9a-fA-F]{4}-$")
_UUID_AFTER = re.compile(r"^-[0-9a-fA-F]{4}")
_IBAN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})* ?$")
_ISO_BEFORE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]?$")
_HYPHEN_ID_BEFORE = re.compile(r"[A-Za-z0-9]-$")
_DOT_DIGIT = re.compile(r"\.\d")
_CHAIN_BEFORE = re.compile(r"\d[ .:/-]$")
_CHAIN_AFTER = re.compile(r"^[ .-]\d")
_SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
_GROUP_GAP = re.compile(r"[ .-](?=\d)")


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
    if pan[0] == "1" and n == 15:
        return "uatp"  # airline cards (UATP): 1 + 14 digits, Luhn
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
    seps = non_digits(value)
    if not seps:
        return True
    if len(seps) != 1:
        return False
    sep = seps.pop()
    if sep not in " -":
        return False
    sizes = [len(g) for g in value.split(sep)]
    return sizes in (
        [4, 4, 4, 4],
        [4, 6, 5],
        [4, 6, 4],  # Diners 14
        [4, 5, 6],  # UATP
        [4, 4, 4, 4, 3],
        [4, 4, 4, 4, 2],
        [4, 4, 4, 4, 1],
    )


def _looks_like_ms_timestamp(pan: str) -> bool:
    if len(pan) != 13:
        return False
    try:
        year = datetime.fromtimestamp(int(pan) / 1000, UTC).year
    except (OverflowError, OSError, ValueError):
        return False
    return 2000 <= year <= 2100


def _another_card(value: str) -> bool:
    pan = digits_of(value)
    return card_brand(pan) is not None and len(set(pan)) > 1 and luhn_ok(pan)


def validate_card(value: str, look: Look) -> Accept | None:
    verdict = _card(value, look)
    if verdict is None and value.count(value[4:5]) == 4 and value[4:5] in " -":
        # 4-4-4-4 and a short fifth group that is no part of the number ("… 1111 123":
        # a CVV): the card is the first four groups
        head = value[:19]
        if _card(head, Look(look.before, value[19:] + look.after)) is not None:
            return Accept("card number in the first four groups; Luhn check passed", length=19)
    return verdict


def _card(value: str, look: Look) -> Accept | None:
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
    if shapes.glued_to_more_groups(value, look.before, look.after, _another_card):
        return None  # one part of a longer run (a tracking or order number)
    # (`_UUID_BEFORE`, `_IBAN_BEFORE`, `_ISO_BEFORE`: one backwards match for the three)
    if _UUID_AFTER.search(look.after) or shapes.REVERSED_CARD_BEFORE.match(look.before[::-1]):
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
    if look.before.endswith("+"):
        return None  # "+672 10 6609": the digits after a country code are a phone number
    seps = non_digits(value)
    if len(seps) > 1:
        return None
    if seps and _glued(seps.pop(), look):
        return None  # "+992 372 12 3456": three groups of a longer run (a phone number)
    if number[0] == "9":
        return Accept("ITIN group range", US_ITIN) if itin_ok(number) else None
    return Accept("SSA area/group/serial rules passed") if _ssn_ok(number) else None


def _glued(sep: str, look: Look) -> bool:
    before, after = look.before, look.after
    return (before[-2:-1].isdigit() and before[-1:] == sep) or (
        after[:1] == sep and after[1:2].isdigit()
    )


# The IRS's ITIN group ranges (the middle two digits): 50–65, 70–88, 90–92 and 94–99
# (python-stdnum's itin module knows only 70–99 without 89 and 93).
ITIN_GROUPS = frozenset(
    f"{g:02d}" for g in (*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100))
)


def itin_ok(number: str) -> bool:
    """Nine ASCII digits, area 9xx and an IRS ITIN group."""
    return (
        len(number) == 9
        and number.isascii()
        and number.isdigit()
        and number[0] == "9"
        and number[3:5] in ITIN_GROUPS
    )


# The fast paths below inline python-stdnum's own checks using three of its private names
# (checked against stdnum for equality in tests/test_redaction_engine.py). If a stdnum
# release renames them, the validators fall back to stdnum's public functions.
_FAST_STDNUM = all(
    hasattr(module, name) for module, name in ((ssn, "_ssn_blacklist"), (iban, "_struct_to_re"))
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


@functools.lru_cache(maxsize=256)
def _iban_structure(country: str) -> re.Pattern[str] | None:
    """The registry's BBAN structure for `country` (what python-stdnum's iban.validate
    looks up; the registry is keyed by country code alone), or None if unknown."""
    info = _IBAN_DB.info(country)
    props = info[0][1] if info else {}
    if not props:
        return None
    structure: re.Pattern[str] = iban._struct_to_re(props.get("bban", ""))
    return structure


def _iban_ok(compact: str) -> bool:
    """python-stdnum's ``iban.is_valid(compact, check_country=False)`` — registry
    country, length, BBAN structure and MOD 97-10 — for a candidate that passed
    `_mod97_fails`: plain ASCII [A-Z0-9] takes the cached per-country look-up, anything
    else goes to stdnum itself. The national checks (bank code tables, the Spanish and
    Belgian account check digits) are left out on purpose: an IBAN whose own check digits
    hold is an account number to redact even when a bank is missing from a table
    (``BE68539007547034``, the registry's Belgian example, fails stdnum's)."""
    if not _FAST_STDNUM or not _ALNUM.fullmatch(compact):
        return bool(iban.is_valid(compact, check_country=False))
    structure = _iban_structure(compact[:2])
    return structure is not None and structure.match(compact[4:]) is not None


_IBAN_SEPARATORS = str.maketrans("", "", " .-")


def validate_iban(value: str, look: Look) -> Accept | None:
    compact = value.translate(_IBAN_SEPARATORS).upper()
    expected = iban_length(compact[:2])
    if expected is None or len(compact) < expected:
        return None
    length = None
    if len(compact) > expected:
        # The pattern ran on into a following group or word ("… 0130 00 1234", "…
        # 25162 today"): cut at the registry length, but only where a group ends.
        seen = 0
        for i, ch in enumerate(value):
            seen += ch.isalnum()
            if seen == expected:
                length = i + 1
                break
        if length is None or value[length : length + 1].isalnum():
            return None
        compact = compact[:expected]
    shown = value[:length] if length else value
    if not (shown.isupper() or shown.islower()):
        return None  # an IBAN is written in one case ("LV80 bANK …" is not one)
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
    tld = labels[-1]
    if not (tld.isalpha() or (tld[:4].lower() == "xn--" and len(tld) > 5)):
        return None  # letters, or an IDN's punycode form (.xn--p1ai)
    return Accept("address syntax valid")


def validate_ip(value: str, look: Look) -> Accept | None:
    address_text, slash, prefix = value.partition("/")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        return None
    before, after = look.before[-1:], look.after[:1]
    if address.version == 4:
        if before == "." or _DOT_DIGIT.match(look.after):
            return None  # a dotted version number or OID longer than four parts
    else:
        # "::" alone names no one (and is C++/Rust scope syntax); glued to letters,
        # digits or more colons it is a part of something else ("std::cout", "2001::a::1")
        if address.is_unspecified and address.scope_id is None:
            return None
    length = None
    if slash:
        width = 32 if address.version == 4 else 128
        if not prefix.isdigit() or int(prefix) > width:
            length = len(address_text)  # "10.0.0.0/123": the address, not the bad prefix
            after = "/"
    if address.version == 6:
        if before.isalnum() or before in (":", ".") or after.isalnum() or after == ":":
            return None
        if after == "." and _DOT_DIGIT.match(look.after):
            return None  # "::ffff:192.168.1": an embedded IPv4 cut short
    return Accept(f"valid IPv{address.version} address", length=length)


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
    "crypto": validate_crypto,
    "url": validate_url,
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
