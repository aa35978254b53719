"""Validators for URLs and cryptocurrency (Bitcoin) addresses.

Bitcoin addresses carry their own checksum: Base58Check (double SHA-256) for legacy
P2PKH/P2SH addresses (``1…``, ``3…``), BCH codes for SegWit addresses (``bc1…``:
bech32, BIP 173, for version 0; bech32m, BIP 350, for later versions). Written from the
BIPs; a random string passes with odds of about 1 in 4 billion (Base58Check) or 1 in a
billion (bech32).
"""

from __future__ import annotations

import hashlib

from app.redaction.verdict import Accept, Look

# --- Bitcoin -------------------------------------------------------------------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUE = {c: i for i, c in enumerate(_B58)}


def _base58check_ok(value: str) -> bool:
    n = 0
    for ch in value:
        digit = _B58_VALUE.get(ch)
        if digit is None:
            return False
        n = n * 58 + digit
    zeros = len(value) - len(value.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    raw = b"\0" * zeros + body
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):  # P2PKH, P2SH on the main network
        return False
    check = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4]
    return check == raw[-4:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_VALUE = {c: i for i, c in enumerate(_BECH32)}
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _bech32_ok(value: str) -> bool:
    if not (value.islower() or value.isupper()):
        return False
    text = value.lower()
    hrp, sep, data_part = text.rpartition("1")
    if hrp != "bc" or not sep or len(data_part) < 7:
        return False
    data = [_BECH32_VALUE.get(c, -1) for c in data_part]
    if min(data) < 0:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _polymod(expanded + data)
    version = data[0]
    if version == 0:
        return const == _BECH32_CONST and len(data_part) in (39, 59)  # 20- or 32-byte program
    return const == _BECH32M_CONST and 1 <= version <= 16


def validate_crypto(value: str, look: Look) -> Accept | None:
    if value[:3].lower() == "bc1":
        return Accept("bech32 checksum passed (SegWit address)") if _bech32_ok(value) else None
    if _base58check_ok(value):
        return Accept("Base58Check checksum passed (Bitcoin address)")
    return None


# --- URLs ----------------------------------------------------------------------------------

# Without a scheme, a dotted name is a URL only under a top-level domain people type as a
# web address, or a country code under a common second level (google.co.il): "readme.md"
# and "setup.sh" are file names, although .md and .sh are country codes.
_BARE_TLDS = frozenset(
    [
        "com",
        "org",
        "net",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "io",
        "ai",
        "app",
        "dev",
        "site",
        "online",
        "store",
        "tech",
        "xyz",
        "cloud",
        "shop",
        "blog",
        "news",
        "live",
        "page",
        "me",
        "tv",
        "co",
        "eu",
        "uk",
        "us",
        "de",
        "fr",
        "nl",
        "ch",
        "at",
        "be",
        "es",
        "it",
        "se",
        "no",
        "dk",
        "fi",
        "pl",
        "pt",
        "ie",
        "ca",
        "au",
        "nz",
        "jp",
        "in",
        "br",
        "mx",
        "za",
        "ru",
        "cn",
        "kr",
        "sg",
    ]
)
_SECOND_LEVEL = frozenset(["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"])
_TRAILING = ".,;:!?)'\"]>"


def _host_ok(host: str, *, scheme: bool) -> bool:
    labels = host.lower().rstrip(".").split(".")
    if len(labels) < 2 or any(not lab or len(lab) > 63 for lab in labels):
        return False
    if any(lab[0] == "-" or lab[-1] == "-" for lab in labels):
        return False
    tld = labels[-1]
    if not (tld.isalpha() and 2 <= len(tld) <= 24):
        return False
    if scheme:
        return True
    if labels[0] == "www" and len(labels) >= 3:
        return tld in _BARE_TLDS
    if tld in _BARE_TLDS:
        return True
    return len(tld) == 2 and len(labels) >= 3 and labels[-2] in _SECOND_LEVEL


def validate_url(value: str, look: Look) -> Accept | None:
    if look.before[-1:] in ("@", ".", "/") or look.before[-1:].isalnum():
        return None  # a part of an e-mail address, a path or a longer word
    end = len(value.rstrip(_TRAILING))  # "see https://example.com/a." ends before the dot
    url = value[:end]
    lower = url.lower()
    scheme = lower.startswith(("http://", "https://"))
    rest = url.split("://", 1)[1] if scheme else url
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]  # user info and port
    if len(host) > 253 or not _host_ok(host, scheme=scheme):
        return None
    length = end if end < len(value) else None
    return Accept("URL with a valid host name", length=length)
