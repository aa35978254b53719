"""The scanner: all enabled rules in one RE2 pass, validation only on candidates.

Every rule's pattern becomes one alternative of a single RE2 program, ordered by score
(then rule order), so at any position the highest-scoring rule that matches is tried
first (RE2 is leftmost-first, like Perl). The program runs over UTF-8 *bytes*: a batch of
texts is encoded once and joined with a separator no rule crosses, so the per-call cost
(RE2's str→UTF-8 conversion, Python overhead) is paid once per batch, not per ticket.

For each candidate the rule's validator, allow list and context words decide. When a
candidate is rejected, the other rules are tried anchored at the same start, then the
scan resumes one character later — so a rejected IBAN-shaped string never hides a phone
number inside it, and a rejected card never swallows the text after it. An accepted
finding claims its span; scanning resumes after it.

RE2 guarantees time linear in the input for every pattern, so a bad custom rule can make
a scan slower, never hang it. A :class:`Scanner` is immutable and thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import re2

from app.redaction.rules import re2_options
from app.redaction.types import Finding, Rule
from app.redaction.validators import Accept, Look, Validator, get_validator

SEPARATOR = b"\n\x00\n"
LOOK = 24  # characters of context handed to validators on each side
RETRY_WINDOW = 4096  # bytes after a rejected candidate that other rules may still match

_ANCHOR = re2._Anchor  # the RE2 anchor enum the public API uses internally
_NULL = (-1, -1)

MatchFn = Callable[[bytes, int, int], tuple[tuple[int, int], ...] | None]


def _matcher(regexp: re2._Regexp, anchored: bool) -> MatchFn:
    """A function (data, pos, endpos) -> group spans or None, on bytes, without per-call
    re-encoding. Uses RE2's raw Match when present (google-re2 ≥ 1.0); else the public
    API, which is slower but equivalent."""
    raw = getattr(regexp, "_regexp", None)
    if raw is not None and hasattr(raw, "Match"):
        anchor = _ANCHOR.ANCHOR_START if anchored else _ANCHOR.UNANCHORED

        def fast(data: bytes, pos: int, end: int) -> tuple[tuple[int, int], ...] | None:
            spans: tuple[tuple[int, int], ...] = raw.Match(anchor, data, pos, end)
            return None if spans[0] == _NULL else spans

        return fast

    def slow(data: bytes, pos: int, end: int) -> tuple[tuple[int, int], ...] | None:
        m = regexp.match(data, pos, end) if anchored else regexp.search(data, pos, end)
        if m is None:
            return None
        return tuple(m.span(i) for i in range(regexp.groups + 1))

    return slow


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    order: int
    first_group: int  # the rule's whole-pattern group in the combined program
    span_group: int  # group giving the finding's span
    validator: Validator | None
    context: re.Pattern[str] | None
    allow: frozenset[str]
    allow_rx: tuple[re2._Regexp, ...]
    anchored: MatchFn  # this rule alone, anchored at a position


def _context_rx(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")


def _wrap(rule: Rule) -> str:
    body = f"(?i:{rule.pattern})" if rule.ignore_case else f"(?:{rule.pattern})"
    return f"({body})"


class Scanner:
    """Compiled once from a rule list; `scan_many` is pure and safe to share."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        enabled = [(i, r) for i, r in enumerate(rules) if r.enabled]
        enabled.sort(key=lambda p: (-p[1].score, p[0]))
        self.rules: tuple[Rule, ...] = tuple(r for _, r in enabled)
        parts: list[str] = []
        compiled: list[_Compiled] = []
        group = 1
        for order, (_, rule) in enumerate(enabled):
            single = re2.compile(_wrap(rule), re2_options())
            compiled.append(
                _Compiled(
                    rule=rule,
                    order=order,
                    first_group=group,
                    span_group=group + rule.group,
                    validator=get_validator(rule.validator) if rule.validator else None,
                    context=_context_rx(rule.context),
                    allow=frozenset(rule.allow),
                    allow_rx=tuple(re2.compile(p, re2_options()) for p in rule.allow_patterns),
                    anchored=_matcher(single, anchored=True),
                )
            )
            parts.append(_wrap(rule))
            group += single.groups
        self._compiled = tuple(compiled)
        self._by_group = {c.first_group: c for c in compiled}
        self._group_ids = tuple(c.first_group for c in compiled)
        if parts:
            program = re2.compile("|".join(parts), re2_options())
            self._search: MatchFn | None = _matcher(program, anchored=False)
            # Which rules can match at a position: one RE2::Set call instead of one
            # anchored match per rule (a superset: the slice loses what precedes it).
            self._starts = re2.Set.MatchSet(re2_options())
            for part in parts:
                self._starts.Add(part)
            self._starts.Compile()
        else:
            self._search = None

    # -- public -----------------------------------------------------------------------

    def scan(self, text: str) -> list[Finding]:
        return self.scan_many([text])[0]

    def scan_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text (offsets in code points of that text), one pass for all."""
        results: list[list[Finding]] = [[] for _ in texts]
        if self._search is None or not texts:
            return results
        encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
        data = SEPARATOR.join(encoded)
        starts: list[int] = []
        pos = 0
        for b in encoded:
            starts.append(pos)
            pos += len(b) + len(SEPARATOR)
        raw = self._scan_bytes(data, starts, encoded)
        for index, found in raw.items():
            results[index] = _to_code_points(texts[index], encoded[index], found)
        return results

    # -- the pass -----------------------------------------------------------------------

    def _scan_bytes(
        self, data: bytes, starts: list[int], encoded: list[bytes]
    ) -> dict[int, list[tuple[int, int, _Compiled, Accept, float]]]:
        assert self._search is not None
        search = self._search
        by_group, group_ids = self._by_group, self._group_ids
        out: dict[int, list[tuple[int, int, _Compiled, Accept, float]]] = {}
        end = len(data)
        pos = 0
        index = 0  # which text the scan is in; advances monotonically
        n_texts = len(starts)
        while pos < end:
            spans = search(data, pos, end)
            if spans is None:
                break
            s = spans[0][0]
            while index + 1 < n_texts and starts[index + 1] <= s:
                index += 1
            ts = starts[index]
            te = ts + len(encoded[index])
            hit = None
            if s < te:  # (a match starting inside the separator is no candidate)
                winner = next(by_group[g] for g in group_ids if spans[g][0] >= 0)
                crosses = spans[0][1] > te
                if not crosses:
                    hit = self._accept(winner, spans, data, ts, te)
                if hit is None:
                    hit = self._retry(None if crosses else winner, data, s, ts, te)
            if hit is None:
                pos = s + 1
                while pos < end and 0x80 <= data[pos] < 0xC0:
                    pos += 1  # next UTF-8 character start
                continue
            fs, fe, comp, verdict, score, match_end = hit
            out.setdefault(index, []).append((fs - ts, fe - ts, comp, verdict, score))
            pos = max(match_end, s + 1)
        return out

    def _retry(
        self, skip: _Compiled | None, data: bytes, s: int, ts: int, te: int
    ) -> tuple[int, int, _Compiled, Accept, float, int] | None:
        """The other rules, anchored where a candidate was rejected, best score first."""
        possible = self._starts.Match(data[s : min(te, s + RETRY_WINDOW)])
        if not possible:
            return None
        for i in sorted(possible):
            comp = self._compiled[i]
            if comp is skip:
                continue
            spans = comp.anchored(data, s, te)
            if spans is None:
                continue
            # the single-rule program numbers the rule's groups from 1
            shifted = {comp.first_group + i - 1: sp for i, sp in enumerate(spans) if i > 0}
            shifted[0] = spans[0]
            hit = self._accept(comp, shifted, data, ts, te)
            if hit is not None:
                return hit
        return None

    def _accept(
        self,
        comp: _Compiled,
        spans: Sequence[tuple[int, int]] | dict[int, tuple[int, int]],
        data: bytes,
        ts: int,
        te: int,
    ) -> tuple[int, int, _Compiled, Accept, float, int] | None:
        fs, fe = spans[comp.span_group]
        if fs < 0 or fe <= fs:
            return None
        rule = comp.rule
        match_end = spans[0][1]
        value = data[fs:fe].decode("utf-8", "replace")
        if value in comp.allow or any(rx.fullmatch(value) for rx in comp.allow_rx):
            return None
        score = rule.score
        reasons: list[str] = []
        if comp.validator is not None:
            look = Look(
                data[max(ts, fs - LOOK) : fs].decode("utf-8", "ignore"),
                data[fe : min(te, fe + LOOK)].decode("utf-8", "ignore"),
            )
            verdict = comp.validator(value, look)
            if verdict is None:
                return None
            if verdict.length is not None:
                fe = fs + len(value[: verdict.length].encode("utf-8"))
                match_end = fe  # the rest of the candidate is scanned again
            reasons.append(verdict.reason)
        else:
            verdict = Accept("pattern matched")
        if comp.context is not None:
            window = data[max(ts, fs - rule.context_window) : fs]
            word = comp.context.search(window.decode("utf-8", "ignore").lower())
            if word is not None:
                score = min(1.0, score + rule.context_boost)
                reasons.append(f"context word “{word.group()}” found")
            elif rule.context_required:
                return None
        accept = Accept("; ".join(reasons) or verdict.reason, verdict.entity_type)
        return fs, fe, comp, accept, score, match_end


def _to_code_points(
    text: str, encoded: bytes, found: list[tuple[int, int, _Compiled, Accept, float]]
) -> list[Finding]:
    ascii_only = len(text) == len(encoded)
    out: list[Finding] = []
    last_b = last_c = 0
    for bs, be, comp, verdict, score in sorted(found, key=lambda f: f[0]):
        if ascii_only:
            cs, ce = bs, be
        else:
            cs = last_c + len(encoded[last_b:bs].decode("utf-8", "surrogatepass"))
            ce = cs + len(encoded[bs:be].decode("utf-8", "surrogatepass"))
            last_b, last_c = bs, cs
        out.append(
            Finding(
                cs,
                ce,
                verdict.entity_type or comp.rule.entity_type,
                comp.rule.id,
                round(score, 3),
                verdict.reason,
            )
        )
    return out
