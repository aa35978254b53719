"""Masking of personal data in free text, for display (search snippets, previews).

Emails become ``j***@e***.com``; phone numbers keep their last 2 digits and their layout
(``(***) ***-**32``); long digit runs — card numbers, SSNs, IBAN-like account numbers —
keep their last 4 (``**** **** **** 1111``). ISO dates are left alone.

The *detection* here (`find_spans`: a few regexes) is deliberately small. The redaction
engine of a later issue will replace it with its rule library; `Span`, `mask_text` and
`excerpt` are the interface callers keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL_RE = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
# Digit groups joined by the separators people put in phone and card numbers.
DIGITS_RE = re.compile(r"(?<!\w)\+?\(?\d+(?:[ \t().\-/]{1,3}\d+)*")
ISO_DATE_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")

MIN_DIGITS = 7  # shorter numbers (ticket numbers, amounts, years) stay readable
MAX_PHONE_DIGITS = 12


@dataclass(frozen=True)
class Span:
    """Personal data found at ``text[start:end]``, and what to show instead."""

    start: int
    end: int
    kind: str  # email | phone | number | iban
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


def _number_span(m: re.Match[str]) -> Span | None:
    text = m.group()
    groups = re.findall(r"\d+", text)
    digits = sum(len(g) for g in groups)
    if digits < MIN_DIGITS or ISO_DATE_RE.fullmatch(text):
        return None
    ssn_shaped = [len(g) for g in groups] == [3, 2, 4]
    if digits <= MAX_PHONE_DIGITS and not ssn_shaped:
        return Span(m.start(), m.end(), "phone", mask_keep_last(text, 2))
    return Span(m.start(), m.end(), "number", mask_keep_last(text, 4))


def find_spans(text: str) -> list[Span]:
    """Non-overlapping spans of personal data, in order (emails win over numbers)."""
    spans = [
        Span(m.start(), m.end(), "email", mask_email(m.group())) for m in EMAIL_RE.finditer(text)
    ]
    spans += [
        Span(m.start(), m.end(), "iban", mask_keep_last(m.group(), 4, alnum=True))
        for m in IBAN_RE.finditer(text)
        if not _overlaps(m.start(), m.end(), spans)
    ]
    for m in DIGITS_RE.finditer(text):
        span = _number_span(m)
        if span is not None and not _overlaps(span.start, span.end, spans):
            spans.append(span)
    return sorted(spans, key=lambda s: s.start)


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
