# The scanner of app/redaction/scanner.py as it was before the speed work, kept verbatim
# (and frozen) as the oracle of tests/test_redaction_speed.py: same rules in, same findings
# out. Not product code; do not "deduplicate" it against the scanner it checks.
"""The scanner: all enabled rules in one RE2 pass, validation only on candidates.

Every rule's pattern becomes one alternative of a single RE2 program, ordered by score
(then rule order). The program runs over UTF-8 *bytes*: a batch of texts is encoded once
and joined with a separator no rule crosses, so the per-call cost (RE2's str→UTF-8
conversion, Python overhead) is paid once per batch, not per ticket. The program has no
capture groups — it only says where the next candidate starts, which RE2's DFA answers
without a submatch pass (that pass, over a program this size, cost more than the search).
Which rules match there comes from one RE2::Set call on the text from the character
before (so ``\b`` sees its true context), and they are tried best score first, each
alone, anchored at that start.

For each candidate the rule's validator, allow list and context words decide. When a
candidate is rejected, the next rule matching at that start is tried, then the scan
resumes one character later — so a rejected IBAN-shaped string never hides a phone
number inside it, and a rejected card never swallows the text after it.

Overlaps are resolved deterministically: higher score, then the longer span, then the
earlier rule in the declared list. Each rule's own matches never overlap (like
``finditer``); between rules, an accepted finding is kept outright unless a rule that
could beat it (its best possible score reaches the finding's lowest possible one) starts
inside it. That check is one search of a precompiled program of those rules; only when
it hits are all rules' candidates around the finding collected and the winners chosen
greedily — (−score, −length, rule order, start) — so the common case costs one extra
RE2 call per finding.

RE2 guarantees time linear in the input for every pattern, so a bad custom rule can make
a scan slower, never hang it. A :class:`Scanner` is immutable and thread-safe.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

import re2

from app.redaction.rules import re2_options
from app.redaction.types import Finding, Rule
from app.redaction.validators import Look, Validator, get_validator

SEPARATOR = b"\n\x00\n"
LOOK = 24  # characters of context handed to validators on each side
RETRY_WINDOW = 4096  # bytes after a rejected candidate that other rules may still match

_ANCHOR = re2._Anchor  # the RE2 anchor enum the public API uses internally

# (data, pos, endpos) -> the group spans, on bytes, without per-call re-encoding; no
# match when the first span starts at -1.
MatchFn = Callable[[bytes, int, int], Sequence[tuple[int, int]]]
_NO_MATCH: tuple[tuple[int, int], ...] = ((-1, -1),)


def _matcher(regexp: re2._Regexp, anchored: bool) -> MatchFn:
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


class _Compiled:
    """One enabled rule, with everything the hot path needs as plain attributes."""

    __slots__ = (
        "allow",
        "allow_rx",
        "anchored",
        "beaters",
        "boost",
        "context",
        "context_required",
        "context_window",
        "entity_type",
        "group",
        "index",
        "max_score",
        "min_score",
        "order",
        "rule",
        "rule_id",
        "score",
        "search",
        "validator",
    )

    def __init__(self, rule: Rule, index: int, order: int) -> None:
        # the rule alone, its own groups numbered as in the rule (no captures at all when
        # the finding is the whole match: RE2 then skips its submatch pass)
        options = re2_options()
        options.never_capture = rule.group == 0
        single = re2.compile(_body(rule), options)
        self.rule = rule
        self.rule_id = rule.id
        self.entity_type = rule.entity_type
        self.index = index  # position in the declared rule list: the last tie-break
        self.order = order  # position in the combined program (score, then index)
        self.group = rule.group  # group giving the finding's span
        self.validator: Validator | None = get_validator(rule.validator) if rule.validator else None
        self.context = _context_rx(rule.context)
        self.context_window = rule.context_window
        self.context_required = rule.context_required
        self.boost = rule.context_boost
        self.score = rule.score
        boosted = min(1.0, rule.score + rule.context_boost)
        has_context = self.context is not None
        self.max_score = max(rule.score, boosted) if has_context else rule.score
        self.min_score = min(rule.score, boosted) if has_context else rule.score
        self.allow = frozenset(rule.allow)
        self.allow_rx = tuple(re2.compile(p, re2_options()) for p in rule.allow_patterns)
        self.anchored = _matcher(single, anchored=True)  # this rule alone, at a position
        self.search = _matcher(single, anchored=False)  # this rule alone, leftmost
        # the rules that could beat a finding of this one (positions in the program)
        self.beaters: tuple[int, ...] | None = None


# (start, end, rule, reason, entity type or None, score, match end): byte offsets in the
# batch; the match end is where the rule's scan resumes (≥ end).
_Hit = tuple[int, int, _Compiled, str, str | None, float, int]


def _context_rx(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alts = "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alts})(?![a-z0-9])")


def _body(rule: Rule) -> str:
    return f"(?i:{rule.pattern})" if rule.ignore_case else f"(?:{rule.pattern})"


def _next_char(data: bytes, pos: int) -> int:
    """The start of the UTF-8 character after the one at `pos`."""
    pos += 1
    end = len(data)
    while pos < end and 0x80 <= data[pos] < 0xC0:
        pos += 1
    return pos


class Scanner:
    """Compiled once from a rule list; `scan_many` is pure and safe to share."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        enabled = [(i, r) for i, r in enumerate(rules) if r.enabled]
        enabled.sort(key=lambda p: (-p[1].score, p[0]))
        self.rules: tuple[Rule, ...] = tuple(r for _, r in enabled)
        compiled = [_Compiled(rule, index, order) for order, (index, rule) in enumerate(enabled)]
        parts = [_body(c.rule) for c in compiled]
        self._compiled = tuple(compiled)
        # Only where the leftmost of some rules' matches starts matters to the programs
        # below: no captures, so RE2 skips its submatch pass (and Python the tuples).
        nocap = re2_options()
        nocap.never_capture = True
        self._nocap = nocap
        self._parts = tuple(parts)
        # compiled on first use (most rule sets never need most of them): member tuple →
        # program; a race compiles one twice, harmlessly
        self._beater_programs: dict[tuple[int, ...], MatchFn] = {}
        for comp in compiled:
            members = tuple(
                c.order for c in compiled if c is not comp and c.max_score >= comp.min_score
            )
            comp.beaters = members or None
        if parts:
            # where the next candidate starts (and its end), whichever rule it is
            program = re2.compile("|".join(parts), nocap)
            self._search: MatchFn | None = _matcher(program, anchored=False)
            # Which rules match at a position: one RE2::Set call on a slice instead of one
            # anchored match per rule. The slice starts one (ASCII) character early and
            # each pattern consumes it first, so \b and friends see the true context.
            self._after_char = re2.Set.MatchSet(re2_options())
            for part in parts:
                self._after_char.Add(f"(?s:.){part}")
            self._after_char.Compile()
            # (the binding's own Match, on bytes, when present: no wrapper call per candidate)
            raw_set = getattr(self._after_char, "_set", self._after_char)
            self._rules_at: Callable[[bytes], list[int]] = raw_set.Match
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
        step = len(SEPARATOR)
        starts = list(accumulate([len(b) + step for b in encoded[:-1]], initial=0))
        raw = self._scan_bytes(data, starts, encoded)
        for index, found in raw.items():
            results[index] = _to_code_points(texts[index], encoded[index], starts[index], found)
        return results

    # -- the pass -----------------------------------------------------------------------

    def _scan_bytes(
        self, data: bytes, starts: list[int], encoded: list[bytes]
    ) -> dict[int, list[_Hit]]:
        assert self._search is not None
        search = self._search
        programs = self._beater_programs
        out: dict[int, list[_Hit]] = {}
        end = len(data)
        pos = 0
        index = 0  # which text the scan is in; advances monotonically
        last = len(starts) - 1
        ts = starts[0]
        te = ts + len(encoded[0])
        while pos < end:
            spans = search(data, pos, end)
            if spans[0][0] < 0:
                break
            s, match_end = spans[0]
            if s >= te and index < last:
                index = bisect_right(starts, s) - 1
                ts = starts[index]
                te = ts + len(encoded[index])
            hit = None
            if s < te:  # (a match starting inside the separator is no candidate)
                hit = self._first(data, s, match_end, ts, te)
            if hit is None:
                pos = s + 1
                while pos < end and 0x80 <= data[pos] < 0xC0:
                    pos += 1  # next UTF-8 character start
                continue
            bucket = out.get(index)
            if bucket is None:
                bucket = out[index] = []
            members = hit[2].beaters
            if members is not None:
                beaters = programs.get(members) or self._beaters(members)
                rival = beaters(data, s, te)
                if 0 <= rival[0][0] < hit[6]:
                    # a rule that could win starts inside this finding: resolve them all
                    found, resume = self._resolve(data, s, hit, ts, te)
                    bucket += found
                    pos = max(resume, s + 1)
                    continue
            bucket.append(hit)
            pos = max(hit[6], s + 1)
        return out

    def _beaters(self, members: tuple[int, ...]) -> MatchFn:
        pattern = "|".join(self._parts[i] for i in members)
        program = _matcher(re2.compile(pattern, self._nocap), anchored=False)
        self._beater_programs[members] = program
        return program

    def _first(self, data: bytes, s: int, e: int, ts: int, te: int) -> _Hit | None:
        """The best rule (score, then declared order) matching at `s` whose candidate is
        accepted — trying the next rule when one is rejected (`e`: where the leftmost-first
        match of all rules at `s` ends)."""
        cut = min(te, max(s + RETRY_WINDOW, e + 4))  # (≥ one character beyond that match)
        possible: Sequence[int] = ()
        if s > 0 and data[s - 1] < 0x80:
            possible = sorted(self._rules_at(data[s - 1 : cut]))
        if not possible:
            # at the very start, after a multi-byte character, a match running past the
            # text or RE2 giving up: every rule, in order (rare, and exact)
            possible = range(len(self._compiled))
        compiled = self._compiled
        for i in possible:
            comp = compiled[i]
            spans = comp.anchored(data, s, te)
            if spans[0][0] < 0:
                continue
            fs, fe = spans[comp.group]
            hit = self._accept(comp, fs, fe, spans[0][1], data, ts, te)
            if hit is not None:
                return hit
        return None

    def _resolve(
        self, data: bytes, s: int, first: _Hit, ts: int, te: int
    ) -> tuple[list[_Hit], int]:
        """Every rule's candidates starting in [s, end) — `first` (found at `s`) and
        each accepted candidate pushing the end to where its match ends — and the
        winners among them: higher score, then the longer span (in characters), then
        the earlier declared rule. Returns (findings by start, where the scan resumes)."""
        compiled = self._compiled
        positions = [s] * len(compiled)
        cluster_end = first[6]
        positions[first[2].order] = max(cluster_end, s + 1)  # its rule's next candidate
        hits: list[_Hit] = [first]
        grown = True
        while grown:
            grown = False
            for i, comp in enumerate(compiled):
                p = positions[i]
                while p < cluster_end:
                    spans = comp.search(data, p, te)
                    if spans[0][0] < 0:
                        p = te
                        break
                    ms, me = spans[0]
                    if ms >= cluster_end:
                        p = ms
                        break
                    fs, fe = spans[comp.group]
                    hit = self._accept(comp, fs, fe, me, data, ts, te)
                    if hit is None:
                        p = _next_char(data, ms)
                        continue
                    hits.append(hit)
                    p = max(hit[6], ms + 1)
                    if hit[6] > cluster_end:
                        cluster_end = hit[6]
                        grown = True
                positions[i] = p

        def rank(h: _Hit) -> tuple[float, int, int, int]:
            chars = len(data[h[0] : h[1]].decode("utf-8", "surrogatepass"))
            return (-round(h[5], 3), -chars, h[2].index, h[0])

        kept: list[_Hit] = []
        for h in sorted(hits, key=rank):
            if all(h[1] <= k[0] or h[0] >= k[1] for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h[0])
        return kept, cluster_end

    def _accept(
        self,
        comp: _Compiled,
        fs: int,
        fe: int,
        match_end: int,
        data: bytes,
        ts: int,
        te: int,
    ) -> _Hit | None:
        if fs < 0 or fe <= fs:
            return None
        value = data[fs:fe].decode("utf-8", "replace")
        if comp.allow and value in comp.allow:
            return None
        if comp.allow_rx and any(rx.fullmatch(value) for rx in comp.allow_rx):
            return None
        score = comp.score
        validator = comp.validator
        entity_type: str | None = None
        if validator is not None:
            look = Look(
                data[max(ts, fs - LOOK) : fs].decode("utf-8", "ignore"),
                data[fe : min(te, fe + LOOK)].decode("utf-8", "ignore"),
            )
            verdict = validator(value, look)
            if verdict is None:
                return None
            if verdict.length is not None:
                fe = fs + len(value[: verdict.length].encode("utf-8"))
                match_end = fe  # the rest of the candidate is scanned again
            reason = verdict.reason
            entity_type = verdict.entity_type
        else:
            reason = ""
        context = comp.context
        if context is not None:
            window = data[max(ts, fs - comp.context_window) : fs]
            word = context.search(window.decode("utf-8", "ignore").lower())
            if word is not None:
                score = min(1.0, score + comp.boost)
                found = f"context word “{word.group()}” found"
                reason = f"{reason}; {found}" if reason else found
            elif comp.context_required:
                return None
        return fs, fe, comp, reason or "pattern matched", entity_type, score, match_end


def _to_code_points(text: str, encoded: bytes, base: int, found: list[_Hit]) -> list[Finding]:
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
                    round(score, 3),
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
        out.append(
            Finding(cs, ce, etype or comp.entity_type, comp.rule_id, round(score, 3), reason)
        )
    return out
