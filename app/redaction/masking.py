"""Mask styles: full block, PCI keep-last-4, type token, keyed pseudonym."""

from __future__ import annotations

import hashlib
import hmac

from app.redaction.types import EMAIL_ADDRESS, PERSON, MaskStyle

BLOCK = "█"
HIDE = "*"


def _normalise(entity_type: str, value: str) -> str:
    # Same entity written differently ("4111 1111…" / "4111-1111…") → same pseudonym.
    if entity_type in (EMAIL_ADDRESS, PERSON):
        return " ".join(value.lower().split())
    compact = "".join(ch for ch in value if ch.isalnum())
    return compact.upper() or value


def pseudonym(key: bytes, entity_type: str, value: str) -> str:
    digest = hmac.new(
        key, f"{entity_type}\x00{_normalise(entity_type, value)}".encode(), hashlib.sha256
    )
    return f"[{entity_type}:{digest.hexdigest()[:6]}]"


def keep_last(value: str, *, keep: int | None = None) -> str:
    """Letters and digits become ``*`` except the last few; separators stay.

    PCI DSS 3.4.1 allows at most BIN + last four on screen; we show only the last four
    (fewer for short values, so a short value is never shown whole).
    """
    n = sum(1 for ch in value if ch.isalnum())
    if keep is None:
        keep = 4 if n >= 12 else n // 3
    out, seen = [], 0
    for ch in value:
        if ch.isalnum():
            seen += 1
            out.append(ch if seen > n - keep else HIDE)
        else:
            out.append(ch)
    return "".join(out)


def mask(style: MaskStyle, entity_type: str, value: str, key: bytes) -> str:
    if style is MaskStyle.LAST4:
        shown = keep_last(value)
        if shown != value:
            return shown
        style = MaskStyle.BLOCK  # nothing to hide among letters/digits: block it all
    if style is MaskStyle.BLOCK:
        return "".join(ch if ch.isspace() else BLOCK for ch in value)
    if style is MaskStyle.PSEUDONYM:
        return pseudonym(key, entity_type, value)
    return f"[{entity_type}]"
