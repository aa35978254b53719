"""The scanner's compiled parts: one rule's programs and settings as plain attributes,
RE2 calls on bytes without per-call wrappers, and the byte → code point conversion of
the findings (split from :mod:`app.redaction.scanner`, which keeps the scan itself)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import re2

from app.redaction.rules import re2_options
from app.redaction.types import Finding, Rule
from app.redaction.validators import LOOK_FREE, Validator, get_validator

_ANCHOR = re2._Anchor  # the RE2 anchor enum the public API uses internally

# (data, pos, endpos) -> the group spans, on bytes, without per-call re-encoding; no
# match when the first span starts at -1.
MatchFn = Callable[[bytes, int, int], Sequence[tuple[int, int]]]
_NO_MATCH: tuple[tuple[int, int], ...] = ((-1, -1),)


def matcher(regexp: re2._Regexp, anchored: bool) -> MatchFn:
    """Uses RE2's raw Match when present (google-re2 ≥ 1.0), called straight from C (no
    Python frame per call: the scan makes one call per candidate); else the public API,
    which is slower but equivalent."""
    raw = getattr(regexp, "_regexp", None)
    if raw is not None and hasattr(raw, "Match"):
        anchor = _ANCHOR.ANCHOR_START if anchored else _ANCHOR.UNANCHORED
        fast: MatchFn = functools.partial(raw.Match, anchor)
        return fast

    def slow(data: bytes, pos: int, end: int) -> Sequence[tuple[int, int]]:
        m = regexp.match(data, pos, end) if anchored else regexp.search(data, pos, end)
        if m is None:
            return _NO_MATCH
        return tuple(m.span(i) for i in range(regexp.groups + 1))

    return slow


class Compiled:
    """One enabled rule, with everything the hot path needs as plain attributes."""

    __slots__ = (
        "allow",
        "allow_rx",
        "anchored",
        "beater_set",
        "beaters",
        "boost",
        "boosted",
        "context",
        "context_ascii",
        "context_required",
        "context_window",
        "entity_type",
        "group",
        "index",
        "inner_starts",
        "look",
        "max_score",
        "min_score",
        "order",
        "rule",
        "rule_id",
        "score",
        "score_found",
        "search",
        "validator",
    )

    def __init__(self, rule: Rule, index: int, order: int) -> None:
        # the rule alone, its own groups numbered as in the rule (no captures at all when
        # the finding is the whole match: RE2 then skips its submatch pass)
        # (the program `check_rule` compiled, from re2's cache, when it has no groups to
        # skip: the same matches, one compile less per rule at start-up)
        single = re2.compile(rule.pattern, re2_options(rule.ignore_case))
        if single.groups and rule.group == 0:
            options = re2_options()
            options.never_capture = True
            single = re2.compile(body(rule), options)
        self.rule = rule
        self.rule_id = rule.id
        self.entity_type = rule.entity_type
        self.index = index  # position in the declared rule list: the last tie-break
        self.order = order  # position in the combined program (score, then index)
        self.group = rule.group  # group giving the finding's span
        self.validator: Validator | None = get_validator(rule.validator) if rule.validator else None
        # does the validator read the text around the candidate? (two decodes saved if not)
        self.look = self.validator is not None and self.validator not in LOOK_FREE
        self.context = context_rx(rule.context)
        self.context_ascii = context_rx_ascii(rule.context)
        self.context_window = rule.context_window
        self.context_required = rule.context_required
        self.boost = rule.context_boost
        self.score = rule.score
        boosted = min(1.0, rule.score + rule.context_boost)
        # the scores a finding of this rule reports, rounded once here instead of per
        # finding (a Hit carries the rounded score: the ranking rounds it anyway)
        self.score_found = round(rule.score, 3)
        self.boosted = round(boosted, 3)
        has_context = self.context is not None
        self.max_score = max(rule.score, boosted) if has_context else rule.score
        self.min_score = min(rule.score, boosted) if has_context else rule.score
        self.allow = frozenset(rule.allow)
        self.allow_rx = tuple(re2.compile(p, re2_options()) for p in rule.allow_patterns)
        self.anchored = matcher(single, anchored=True)  # this rule alone, at a position
        self.search = matcher(single, anchored=False)  # this rule alone, leftmost
        # the rules that could beat a finding of this one (positions in the program)
        self.beaters: tuple[int, ...] | None = None
        self.beater_set: frozenset[int] = frozenset()
        # A cost hint only (never changes a finding): a pattern led by a character class
        # (the e-mail rule) matches again one character into its own match, so the
        # cheap "nothing starts inside" check below would fail for it every time.
        self.inner_starts = rule.pattern.startswith("[")


# (start, end, rule, reason, entity type or None, score rounded to 3 places, match end):
# byte offsets in the batch; the match end is where the rule's scan resumes (≥ end).
Hit = tuple[int, int, Compiled, str, str | None, float, int]


def context_rx(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")


def context_rx_ascii(words: Sequence[str]) -> re.Pattern[bytes] | None:
    """`context_rx` for an ASCII window, on its bytes (no decode, no lower-casing: the
    case of A–Z is ignored instead); None when a word is not ASCII."""
    if not words or not all(w.isascii() for w in words):
        return None
    alts = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])".encode(), re.IGNORECASE)


def body(rule: Rule) -> str:
    return f"(?i:{rule.pattern})" if rule.ignore_case else f"(?:{rule.pattern})"


def next_char(data: bytes, pos: int) -> int:
    """The start of the UTF-8 character after the one at `pos`."""
    pos += 1
    end = len(data)
    while pos < end and 0x80 <= data[pos] < 0xC0:
        pos += 1
    return pos


def to_code_points(text: str, encoded: bytes, base: int, found: list[Hit]) -> list[Finding]:
    """Findings in code points of `text` (`found` is in bytes of the batch, `base` being
    where the text starts)."""
    out: list[Finding] = []
    if len(text) == len(encoded):  # ASCII: bytes are characters
        for bs, be, comp, reason, etype, score, _ in found:
            out.append(
                Finding(
                    bs - base,
                    be - base,
                    etype or comp.entity_type,
                    comp.rule_id,
                    score,
                    reason,
                )
            )
        return out
    last_b = last_c = 0
    for bs, be, comp, reason, etype, score, _ in found:
        bs -= base
        be -= base
        cs = last_c + len(encoded[last_b:bs].decode("utf-8", "surrogatepass"))
        ce = cs + len(encoded[bs:be].decode("utf-8", "surrogatepass"))
        last_b, last_c = bs, cs
        out.append(Finding(cs, ce, etype or comp.entity_type, comp.rule_id, score, reason))
    return out
