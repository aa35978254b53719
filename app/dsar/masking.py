"""Third-party masking for export packages, on the redaction engine's detection.

Emails, phones and card/account numbers are the engine's findings (`app.masking.find_spans`,
builtin rules and validators); the other people of the directory are matched by name and
e-mail as literals (`KnownPeople`).

What stays: the subject's own emails, phones and name. What goes: every other email,
phone, card/account number the detector finds, and the names and emails of the other
people in the help-desk directory (agents included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.masking import find_spans
from app.search import parse_query

OTHER = "[other person]"
MIN_NAME = 4  # shorter "names" (initials, "Al") would mask ordinary words


@dataclass(frozen=True)
class Subject:
    emails: frozenset[str]
    phones: tuple[str, ...]
    names: frozenset[str]

    def owns(self, kind: str, value: str) -> bool:
        if kind == "email":
            return value.lower() in self.emails
        if kind == "phone":
            return any(parse_query(p).locate(value) is not None for p in self.phones)
        return False


@dataclass(frozen=True)
class KnownPeople:
    """Other people of the directory, as a compiled matcher of their names and emails."""

    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, names: Iterable[str], emails: Iterable[str], subject: Subject) -> KnownPeople:
        own = {n.lower() for n in subject.names}
        words = {n.strip() for n in names if n and len(n.strip()) >= MIN_NAME}
        words = {n for n in words if n.lower() not in own}
        words |= {e.strip() for e in emails if e and e.lower() not in subject.emails}
        if not words:
            return cls(None)
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return cls(re.compile(rf"(?<![\w@.])(?:{alternatives})(?![\w@])", re.IGNORECASE))


def mask_third_party(text: str | None, subject: Subject, others: KnownPeople) -> tuple[str, int]:
    """`text` with other people's personal data masked, and how many spans were masked."""
    if not text:
        return text or "", 0
    out: list[str] = []
    pos = masked = 0
    for span in find_spans(text):
        if subject.owns(span.kind, text[span.start : span.end]):
            continue
        out += [text[pos : span.start], span.replacement]
        pos = span.end
        masked += 1
    out.append(text[pos:])
    result = "".join(out)
    if others.pattern is not None:
        result, n = others.pattern.subn(OTHER, result)
        masked += n
    return result, masked
