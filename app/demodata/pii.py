"""Makers for demo PII that is *valid* (so detectors must find it) and decoys that are not.

Everything here is synthetic: card numbers are random digits completed with a Luhn check
digit, SSNs are random numbers that merely obey the SSA structure rules, IBANs use
well-known bank codes with random account numbers, e-mails use reserved example domains
(RFC 2606) and phone numbers come from the ranges regulators reserve for fiction (US
555-01xx, UK Ofcom 020 7946 0xxx, AU 0491 570 xxx, FR 01 99 00 xx xx, DE 030 23125 xxx)
that libphonenumber still accepts as valid (it rejects the UK 07700 900xxx drama range,
so that one is not used). The rules follow SECURITY.md §7.

Every maker takes an explicit `random.Random` so the caller controls determinism.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stdnum import luhn
from stdnum.iso7064 import mod_97_10
from stdnum.us import ssn as us_ssn

# --- entity type names (Presidio's, as the redaction engine uses them) -----------------

CREDIT_CARD = "CREDIT_CARD"
US_SSN = "US_SSN"
IBAN_CODE = "IBAN_CODE"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
ENTITY_TYPES = (CREDIT_CARD, US_SSN, IBAN_CODE, EMAIL_ADDRESS, PHONE_NUMBER)

# --- decoy kinds -------------------------------------------------------------------------

ORDER_NUMBER = "order_number"
TRACKING_NUMBER = "tracking_number"
MS_TIMESTAMP = "ms_timestamp"
ISO_TIMESTAMP = "iso_timestamp"
UUID_DECOY = "uuid"
INVALID_LUHN = "invalid_luhn_card"
SSN_LIKE = "ssn_like"
INVALID_IBAN = "invalid_iban"
DECOY_KINDS = (
    ORDER_NUMBER,
    TRACKING_NUMBER,
    MS_TIMESTAMP,
    ISO_TIMESTAMP,
    UUID_DECOY,
    INVALID_LUHN,
    SSN_LIKE,
    INVALID_IBAN,
)


@dataclass(frozen=True)
class Made:
    """A generated value plus a short description of its shape (brand, country, format)."""

    value: str
    detail: str


# --- Luhn and cards ----------------------------------------------------------------------


# brand -> (prefix choices, length). Mastercard's 2-series (2221-2720) is its own entry so
# the corpus always contains it; Visa 19 is a real (if rare) length detectors must accept.
CARD_BRANDS: dict[str, tuple[tuple[str, ...], int]] = {
    "visa": (("4",), 16),
    "visa19": (("4",), 19),
    "mastercard": (("51", "52", "53", "54", "55"), 16),
    "mastercard2": (tuple(str(p) for p in range(2221, 2721)), 16),
    "amex": (("34", "37"), 15),
}


def card_brand(digits: str) -> str | None:
    """Brand of a PAN by IIN prefix and length (Visa, Mastercard, Amex only), else None."""
    n = len(digits)
    if not digits.isdigit():
        return None
    if digits[0] == "4" and n in (13, 16, 19):
        return "visa"
    if n == 16 and (51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if n == 15 and digits[:2] in ("34", "37"):
        return "amex"
    return None


def make_card_digits(rng: random.Random, brand: str) -> str:
    """A Luhn-valid PAN of `brand` (a key of CARD_BRANDS), never all one digit."""
    prefixes, length = CARD_BRANDS[brand]
    while True:
        prefix = rng.choice(prefixes)
        body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
        pan = body + luhn.calc_check_digit(body)
        if len(set(pan)) > 1:
            return pan


def format_card(pan: str, style: str) -> str:
    """Render a PAN as `contiguous`, `spaced` or `dashed` (4-4-4-4; Amex 4-6-5)."""
    if style == "contiguous" or len(pan) not in (15, 16):
        return pan
    sep = " " if style == "spaced" else "-"
    if len(pan) == 15:
        groups = [pan[:4], pan[4:10], pan[10:]]
    else:
        groups = [pan[i : i + 4] for i in range(0, 16, 4)]
    return sep.join(groups)


def make_card(rng: random.Random) -> Made:
    """A valid card number in a realistic brand mix and print style."""
    brand = rng.choices(
        ("visa", "mastercard", "mastercard2", "amex", "visa19"), weights=(45, 22, 10, 18, 5)
    )[0]
    pan = make_card_digits(rng, brand)
    style = (
        "contiguous"
        if brand == "visa19"
        else rng.choice(("spaced", "spaced", "dashed", "contiguous"))
    )
    return Made(format_card(pan, style), f"{brand}/{style}")


# --- SSNs ------------------------------------------------------------------------------

# Numbers the SSA published in advertising: stdnum rejects them, so they make good decoys.
ADVERTISING_SSNS = frozenset({"078-05-1120", "219-09-9999", "457-55-5462"})


def make_ssn(rng: random.Random) -> Made:
    """A dashed SSN that stdnum accepts (post-2011 randomisation: any area 001-899)."""
    while True:
        area = rng.randint(1, 899)
        if area == 666:
            continue
        ssn = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if us_ssn.is_valid(ssn):
            return Made(ssn, "dashed")


def make_ssn_like(rng: random.Random) -> Made:
    """An SSN-shaped number a correct detector must reject (and that is not an ITIN).

    9xx numbers use groups 01-49, outside the ITIN group ranges, so they must not come
    back as US_ITIN either.
    """
    kind = rng.choice(("area000", "area666", "area9xx", "advertising", "group00", "serial0000"))
    if kind == "advertising":
        return Made(rng.choice(sorted(ADVERTISING_SSNS)), kind)
    if kind == "area000":
        area = 0
    elif kind == "area666":
        area = 666
    elif kind == "area9xx":
        area = rng.randint(900, 999)
    else:
        area = rng.randint(1, 665)
    group = 0 if kind == "group00" else rng.randint(1, 49)
    serial = 0 if kind == "serial0000" else rng.randint(1, 9999)
    return Made(f"{area:03d}-{group:02d}-{serial:04d}", kind)


# --- IBANs -----------------------------------------------------------------------------

IBAN_COUNTRIES = ("DE", "GB", "FR", "NL")

# Real bank identifiers (public directory data), random account numbers.
_DE_BLZ = ("37040044", "50010517", "10020030", "20041133", "70150000", "50070010")
_GB_BANKS = (("NWBK", "601613"), ("BARC", "200000"), ("LOYD", "309634"), ("HBUK", "401276"))
_FR_BANKS = (("30004", "00001"), ("30003", "03620"), ("20041", "01005"), ("30006", "00011"))
_NL_BANKS = ("ABNA", "INGB", "RABO", "TRIO", "SNSB")


# python-stdnum checks the IBAN but has no French RIB key or Dutch elfproef, hence these two.
def _fr_rib_key(bank: str, branch: str, account: str) -> str:
    # France's BBAN carries its own "clé RIB"; computing it keeps the BBAN realistic.
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def _nl_account(rng: random.Random) -> str:
    # Dutch account numbers historically satisfy the "elfproef" (weighted sum mod 11 == 0).
    while True:
        acct = "".join(rng.choice("0123456789") for _ in range(10))
        if acct[0] != "0" and sum((10 - i) * int(d) for i, d in enumerate(acct)) % 11 == 0:
            return acct


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_iban_compact(rng: random.Random, country: str) -> str:
    """A valid IBAN (no spaces) for DE, GB, FR or NL."""
    if country == "DE":
        bban = rng.choice(_DE_BLZ) + _digits(rng, 10)
    elif country == "GB":
        bank, sort_code = rng.choice(_GB_BANKS)
        bban = bank + sort_code + _digits(rng, 8)
    elif country == "FR":
        bank, branch = rng.choice(_FR_BANKS)
        account = _digits(rng, 11)
        bban = bank + branch + account + _fr_rib_key(bank, branch, account)
    elif country == "NL":
        bban = rng.choice(_NL_BANKS) + _nl_account(rng)
    else:
        raise ValueError(f"unsupported IBAN country {country!r}")
    return country + mod_97_10.calc_check_digits(bban + country) + bban


def format_iban(compact: str, spaced: bool) -> str:
    """Print format (groups of four) or electronic format (no spaces)."""
    if not spaced:
        return compact
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def make_iban(rng: random.Random) -> Made:
    """A valid IBAN, mostly in print format with spaces."""
    country = rng.choice(("DE", "DE", "GB", "GB", "FR", "NL"))
    spaced = rng.random() < 0.75
    return Made(
        format_iban(make_iban_compact(rng, country), spaced),
        f"{country}/{'spaced' if spaced else 'compact'}",
    )


def make_invalid_iban(rng: random.Random) -> Made:
    """An IBAN-shaped string whose check digits are wrong (fails MOD 97-10)."""
    compact = make_iban_compact(rng, rng.choice(IBAN_COUNTRIES))
    good = int(compact[2:4])
    # Within 02..98 exactly one value satisfies mod 97, so any other one fails.
    bad = rng.choice([c for c in range(2, 99) if c != good])
    return Made(format_iban(f"{compact[:2]}{bad:02d}{compact[4:]}", True), compact[:2])


# --- e-mail and phone ------------------------------------------------------------------

PERSONAL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")


def email_for(rng: random.Random, first: str, last: str, domain: str | None = None) -> str:
    """A plausible address for a person, on an example domain unless `domain` is given."""
    f = ascii_fold(first).lower()
    la = ascii_fold(last).lower().replace(" ", "").replace("'", "")
    local = rng.choice(
        (
            f"{f}.{la}",
            f"{f[0]}.{la}",
            f"{f}{la[0]}",
            f"{f}.{la}{rng.randint(1, 99)}",
            f"{la}.{f}",
            f"{f}_{la}",
        )
    )
    return f"{local}@{domain or rng.choice(PERSONAL_DOMAINS)}"


# Letters NFKD does not decompose into a base letter plus accents.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE",
                       "œ": "oe", "Œ": "OE", "ı": "i", "đ": "d", "Đ": "D", "þ": "th"})  # fmt: skip


def ascii_fold(text: str) -> str:
    """Drop diacritics so names become plain-ASCII e-mail local parts."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if ch.isascii())


def make_phone(rng: random.Random) -> Made:
    """A phone number from a fiction-reserved range, in one of several common formats."""
    style = rng.choice(
        ("uk_intl", "uk_national", "us_paren", "us_dash", "us_intl", "fr_intl", "de_intl",
         "au_intl", "us_paren", "uk_intl")
    )  # fmt: skip
    x3 = f"{rng.randint(0, 999):03d}"
    x2 = f"{rng.randint(0, 99):02d}"
    area = rng.choice(("415", "212", "312", "617", "206"))
    value = {
        "uk_intl": f"+44 20 7946 0{x3}",
        "uk_national": f"020 7946 0{x3}",
        "us_paren": f"({area}) 555-01{x2}",
        "us_dash": f"{area}-555-01{x2}",
        "us_intl": f"+1 {area} 555 01{x2}",
        "fr_intl": f"+33 1 99 00 {x2} {rng.randint(0, 99):02d}",
        "de_intl": f"+49 30 23125 {x3}",
        "au_intl": f"+61 491 570 {rng.choice((110, 156, 157, 158, 159, 313, 737))}",
    }[style]
    return Made(value, style)


def e164_phone(rng: random.Random) -> str:
    """A fiction-range number in E.164 form, for profile fields and identities."""
    return rng.choice(
        (
            f"+1415555{rng.randint(100, 199):04d}",
            f"+4420794{rng.randint(60000, 60999):05d}",
            f"+6149157{rng.choice((110, 156, 157, 158, 159, 313, 737)):04d}",
            f"+3319900{rng.randint(0, 9999):04d}",
        )
    )


# --- other decoys ----------------------------------------------------------------------


def make_order_number(rng: random.Random) -> Made:
    """A shop order reference; short or letter-prefixed so it is neither card nor phone."""
    if rng.random() < 0.5:
        return Made(f"#{rng.randint(100000, 999999)}", "hash6")
    return Made(f"AS-{rng.randint(2024, 2026)}-{rng.randint(0, 999999):06d}", "prefixed")


def make_tracking_number(rng: random.Random) -> Made:
    """Carrier tracking numbers: UPS 1Z…, USPS 22 digits, Royal Mail S10."""
    carrier = rng.choice(("ups", "usps", "royalmail"))
    if carrier == "ups":
        shipper = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(6))
        return Made(f"1Z{shipper}{rng.choice(('01', '02', '03'))}{_digits(rng, 8)}", carrier)
    if carrier == "usps":
        return Made(f"9400{_digits(rng, 18)}", carrier)
    letters = rng.choice(("RR", "AB", "LX", "CP"))
    return Made(f"{letters}{_digits(rng, 9)}GB", carrier)


def make_ms_timestamp(rng: random.Random, now: datetime) -> Made:
    """A 13-digit epoch-milliseconds value from the two days before `now`; fails Luhn."""
    base = int(now.timestamp() * 1000)
    while True:
        value = str(base - rng.randint(0, 2 * 86_400_000))
        if not luhn.is_valid(value):
            return Made(value, "epoch_ms")


def make_iso_timestamp(rng: random.Random, now: datetime) -> Made:
    """An ISO 8601 timestamp from the two days before `now`, with or without milliseconds."""
    when = (now - timedelta(seconds=rng.randint(0, 2 * 86400))).astimezone(UTC)
    if rng.random() < 0.5:
        return Made(when.strftime("%Y-%m-%dT%H:%M:%SZ"), "zulu")
    return Made(when.strftime("%Y-%m-%dT%H:%M:%S") + f".{rng.randint(0, 999):03d}+00:00", "ms")


def make_uuid(rng: random.Random) -> Made:
    """A random (version 4) UUID drawn from `rng`."""
    return Made(str(uuid.UUID(int=rng.getrandbits(128), version=4)), "v4")


def make_invalid_luhn_card(rng: random.Random) -> Made:
    """A card-shaped 16-digit number with a known IIN whose check digit is wrong."""
    brand = rng.choice(("visa", "mastercard", "mastercard2"))
    pan = make_card_digits(rng, brand)
    bad = pan[:-1] + str((int(pan[-1]) + rng.randint(1, 9)) % 10)
    style = rng.choice(("spaced", "dashed", "contiguous"))
    return Made(format_card(bad, style), f"{brand}/{style}")


def make_decoy(rng: random.Random, kind: str, now: datetime) -> Made:
    """Dispatch to the maker for `kind` (one of DECOY_KINDS)."""
    if kind == ORDER_NUMBER:
        return make_order_number(rng)
    if kind == TRACKING_NUMBER:
        return make_tracking_number(rng)
    if kind == MS_TIMESTAMP:
        return make_ms_timestamp(rng, now)
    if kind == ISO_TIMESTAMP:
        return make_iso_timestamp(rng, now)
    if kind == UUID_DECOY:
        return make_uuid(rng)
    if kind == INVALID_LUHN:
        return make_invalid_luhn_card(rng)
    if kind == SSN_LIKE:
        return make_ssn_like(rng)
    if kind == INVALID_IBAN:
        return make_invalid_iban(rng)
    raise ValueError(f"unknown decoy kind {kind!r}")
