"""Masking of personal data in free text, for display (search snippets, previews).

Emails become ``j***@e***.com``; phone numbers keep their last 2 digits and their layout
(``(***) ***-**32``); card numbers, SSNs and ITINs keep their last 4
(``**** **** **** 1111``), IBANs their last 4 letters or digits. IP addresses (personal
data too: they single out a customer's connection) keep only their layout
(``***.***.*.*``); API keys, tokens and passwords become ``[secret]`` — nothing of a
credential is worth showing.

Detection is the redaction engine's (`app.redaction`, its builtin rules with their
validators), so what is masked on screen is what redaction would find. The engine is
compiled once per process: search calls this for every hit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from app.redaction.engine import RedactionEngine
from app.redaction.rules import builtin_rules
from app.redaction.types import (
    API_KEY,
    CREDIT_CARD,
    EMAIL_ADDRESS,
    IBAN_CODE,
    IP_ADDRESS,
    PASSWORD,
    PHONE_NUMBER,
    US_ITIN,
    US_SSN,
)

# Engine entity type → the display kind (and so the mask). PERSON (names) is the one type
# not masked on screen: search and DSAR views exist to show whose data it is.
KINDS = {
    EMAIL_ADDRESS: "email",
    PHONE_NUMBER: "phone",
    CREDIT_CARD: "number",
    US_SSN: "number",
    US_ITIN: "number",
    IBAN_CODE: "iban",
    IP_ADDRESS: "ip",
    API_KEY: "secret",
    PASSWORD: "secret",
}
SECRET_MASK = "[secret]"


@dataclass(frozen=True)
class Span:
    """Personal data found at ``text[start:end]``, and what to show instead."""

    start: int
    end: int
    kind: str  # email | phone | number | iban | ip | secret (see KINDS)
    replacement: str


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    labels = domain.split(".")
    if not local or len(labels) < 2:
        return "***"
    return f"{local[0]}***@{labels[0][:1]}***.{labels[-1]}"


def mask_keep_last(text: str, keep: int, *, alnum: bool = False) -> str:
    """Every digit (or letter too, with `alnum`) but the last `keep` becomes ``*``."""
    hide = str.isalnum if alnum else str.isdigit
    total = sum(1 for c in text if hide(c))
    out, seen = [], 0
    for c in text:
        if hide(c):
            seen += 1
            out.append(c if seen > total - keep else "*")
        else:
            out.append(c)
    return "".join(out)


@functools.cache
def detector() -> RedactionEngine:
    """The builtin-rule engine, built on first use and shared (scanning is thread-safe)."""
    # No pseudonyms are drawn here, so the engine's key is never used.
    return RedactionEngine(builtin_rules(), key=bytes(32))


def _replacement(kind: str, value: str) -> str:
    if kind == "email":
        return mask_email(value)
    if kind == "phone":
        return mask_keep_last(value, 2)
    if kind == "ip":
        return mask_keep_last(value, 0, alnum=True)
    if kind == "secret":
        return SECRET_MASK
    return mask_keep_last(value, 4, alnum=kind == "iban")


def find_spans(text: str) -> list[Span]:
    """Non-overlapping spans of personal data, in order."""
    spans: list[Span] = []
    for f in sorted(detector().scan(text), key=lambda f: (f.start, -f.end)):
        kind = KINDS.get(f.entity_type)
        if kind is None or _overlaps(f.start, f.end, spans):
            continue
        spans.append(Span(f.start, f.end, kind, _replacement(kind, text[f.start : f.end])))
    return spans


def _overlaps(start: int, end: int, spans: list[Span]) -> bool:
    return any(s.start < end and start < s.end for s in spans)


def _render(text: str, start: int, end: int, spans: list[Span]) -> str:
    out, pos = [], start
    for s in spans:
        if s.start >= start and s.end <= end:
            out += [text[pos : s.start], s.replacement]
            pos = s.end
    out.append(text[pos:end])
    return "".join(out)


def mask_text(text: str) -> str:
    return _render(text, 0, len(text), find_spans(text))


def excerpt(text: str, start: int, end: int, *, width: int = 160, masked: bool = True) -> str:
    """About `width` characters of `text` around ``text[start:end]``, whitespace collapsed.

    The window is widened to whole words and to any personal data it cuts through, so a
    half-visible email or number is masked as a whole rather than shown in part.
    """
    n = len(text)
    a = max(0, min(start, n) - width // 3)
    b = min(n, max(end, a + width))
    a = max(0, min(a, b - width))
    if a > 0:
        cut = text.find(" ", a, start)
        a = cut + 1 if cut != -1 and cut - a < 20 else a
    if b < n:
        cut = text.rfind(" ", max(end, b - 20), b)
        b = cut if cut != -1 else b
    spans = find_spans(text) if masked else []
    for s in spans:  # spans are sorted: one pass widens the window over cut-through ones
        if s.start < b and s.end > a:
            a, b = min(a, s.start), max(b, s.end)
    body = " ".join(_render(text, a, b, spans).split())
    return ("…" if a > 0 else "") + body + ("…" if b < n else "")
