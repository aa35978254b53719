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
MIN_NAME = 4  # a full name shorter than this ("Al B") is too likely to be ordinary text
MIN_FIRST_NAME = 3  # a first name alone: "May", "Tom"; never "Al", "Jo" (even in a greeting)

# Where a first name alone is a name and not a word: right after a greeting ("Hi Will,",
# "Dear May:"), in a sign-off ("Best regards, Katarzyna", "Thanks\nWill"), or alone on a
# dash signature line ("-- Will") or on the text's last line.
_GREETING = r"(?i:hi|hello|hey|dear|hiya|greetings|good\s+(?:morning|afternoon|evening)|morning)"
_CLOSING = (
    r"(?i:thanks|thank\s+you|many\s+thanks|thanks\s+again|cheers|regards|best|best\s+regards|"
    r"kind\s+regards|warm\s+regards|warmest\s+regards|best\s+wishes|all\s+the\s+best|"
    r"sincerely|yours\s+sincerely|yours\s+truly|yours|take\s+care|speak\s+soon)"
)
_LINE_END = r"(?=[ \t]*[.!]?[ \t]*(?:\r?\n|$))"


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

    @property
    def first_names(self) -> frozenset[str]:
        return frozenset(n.split()[0].lower() for n in self.names if n and n.split())


def _first_name(word: str) -> str:
    """The name as a proper noun: capital first letter required, the rest in any case."""
    return re.escape(word[0].upper()) + "(?i:" + re.escape(word[1:]) + ")"


@dataclass(frozen=True)
class KnownPeople:
    """Other people of the directory (agents included), as compiled matchers.

    - A full name (two words or more, at least MIN_NAME letters) or an e-mail address is
      masked wherever it stands, in any case, on word boundaries.
    - A first name alone (a full name's first word, or a one-word directory name, at least
      MIN_FIRST_NAME letters, capitalised in the text) only in a greeting, a sign-off or a
      signature line: "Will", "May" and "Best" are words too, so "we will call you in May"
      keeps both, while "Hi Will," and "Best regards, May" lose the name.
    - The data subject's own names, and any first name they share with another person, are
      never masked: the subject's own words and name stay.
    """

    pattern: re.Pattern[str] | None
    first_names: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, names: Iterable[str], emails: Iterable[str], subject: Subject) -> KnownPeople:
        own = {n.lower() for n in subject.names}
        own_first = subject.first_names
        full: set[str] = set()
        first: set[str] = set()
        for raw in names:
            words = (raw or "").split()
            if not words or " ".join(words).lower() in own:
                continue
            if len(words) >= 2 and len(" ".join(words)) >= MIN_NAME:
                full.add(" ".join(words))
            given = words[0].strip(".,")
            if len(given) >= MIN_FIRST_NAME and given.isalpha() and given.lower() not in own_first:
                first.add(given.lower())
        literals = {re.escape(n).replace(r"\ ", r"\s+") for n in full}
        literals |= {re.escape(e.strip()) for e in emails if e and e.lower() not in subject.emails}
        pattern = None
        if literals:
            alternatives = "|".join(sorted(literals, key=len, reverse=True))
            pattern = re.compile(rf"(?<![\w@.])(?:{alternatives})(?![\w@])", re.IGNORECASE)
        if not first:
            return cls(pattern)
        given = "|".join(_first_name(n) for n in sorted(first, key=len, reverse=True))
        name = rf"(?P<name>{given})(?![\w@'’-])"
        positions = (
            # "Hi Will," / "Dear May:" / "Hello Katarzyna!" / "Hi Will" at the line's end
            rf"(?<![\w]){_GREETING}[ \t]*,?[ \t]+{name}(?=[ \t]*(?:[,.!:;]|\r?\n|$))",
            # "Best regards, Katarzyna" / "Thanks\nWill" / "Cheers - May": the line ends there
            rf"(?<![\w]){_CLOSING}[ \t]*[,.!\-–—]?[ \t]*(?:\r?\n[ \t]*)?{name}{_LINE_END}",
            # "-- Will" / "— Katarzyna" on a line of its own
            rf"(?m:^)[ \t]*(?:--|—|–|~)[ \t]*{name}{_LINE_END}",
            # the text's last line is just the name
            rf"(?:^|\n)[ \t]*{name}[ \t]*[.!]?[ \t]*\Z",
        )
        return cls(pattern, tuple(re.compile(p, re.MULTILINE) for p in positions))


def _mask_names(text: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    count = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        whole, start = m.group(0), m.start("name") - m.start()
        return whole[:start] + OTHER + whole[start + len(m.group("name")) :]

    return pattern.sub(swap, text), count


def mask_third_party(text: str | None, subject: Subject, others: KnownPeople) -> tuple[str, int]:
    """`text` with other people's personal data masked, and how many spans were masked."""
    if not text:
        return text or "", 0
    out: list[str] = []
    pos = masked = 0
    for span in find_spans(text):
        # An IP address in the subject's tickets is most often their own connection: it is
        # theirs to receive, so it stays; credentials ("secret") are never handed out.
        if span.kind == "ip" or subject.owns(span.kind, text[span.start : span.end]):
            continue
        out += [text[pos : span.start], span.replacement]
        pos = span.end
        masked += 1
    out.append(text[pos:])
    result = "".join(out)
    if others.pattern is not None:
        result, n = others.pattern.subn(OTHER, result)
        masked += n
    for position in others.first_names:
        result, n = _mask_names(result, position)
        masked += n
    return result, masked
