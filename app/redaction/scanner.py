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
inside it. Usually nothing at all starts inside a finding: one search of the whole
program from the next character shows that, and its match is the next candidate, so the
common case costs no extra RE2 call. Otherwise the Set names the rules at each start
inside (or, when it cannot say exactly, one search of a program of the beating rules
decides); only when a beating rule is there are all rules' candidates around the finding
collected and the winners chosen greedily — (−score, −length, rule order, start).
The first rule tried at a start reuses the whole program's match (leftmost-first: it
is that rule's own), and validators that never read the surrounding text get none.

RE2 guarantees time linear in the input for every pattern, so a bad custom rule can make
a scan slower, never hang it. A :class:`Scanner` is immutable and thread-safe.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

import re2

from app.redaction.compiled import (
    Compiled,
    Hit,
    MatchFn,
    body,
    matcher,
    next_char,
    to_code_points,
)
from app.redaction.rules import re2_options
from app.redaction.types import Finding, Rule
from app.redaction.validators import Look

SEPARATOR = b"\n\x00\n"
LOOK = 24  # characters of context handed to validators on each side
RETRY_WINDOW = 4096  # bytes after a rejected candidate that other rules may still match
WALK = 8  # starts inside a finding looked at one by one before one search decides

_TEXT_EDGE = re.compile(r"\$|\\[AzB]|(?<!\[)\^")  # (conservative: also an escaped \$)
_NO_LOOK = Look("", "")  # for validators in LOOK_FREE


class Scanner:
    """Compiled once from a rule list; `scan_many` is pure and safe to share."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        enabled = [(i, r) for i, r in enumerate(rules) if r.enabled]
        enabled.sort(key=lambda p: (-p[1].score, p[0]))
        self.rules: tuple[Rule, ...] = tuple(r for _, r in enabled)
        compiled = [Compiled(rule, index, order) for order, (index, rule) in enumerate(enabled)]
        parts = [body(c.rule) for c in compiled]
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
            comp.beater_set = frozenset(members)
        # The "nothing starts inside this finding" shortcut in `_scan_bytes` reads the
        # whole program's matches against the batch where the exact check reads the beating
        # rules against the text alone; the two agree unless a pattern asserts where its
        # text ends (`$`, `\\z`, `\\B`) or starts (`^`, `\\A`: the Set at the batch's
        # first character sees a newline before it), so such rule sets take the exact path.
        self._shortcut = not any(_TEXT_EDGE.search(r.pattern) for r in self.rules)
        if parts:
            # where the next candidate starts (and its end), whichever rule it is
            program = re2.compile("|".join(parts), nocap)
            self._search: MatchFn | None = matcher(program, anchored=False)
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
            results[index] = to_code_points(texts[index], encoded[index], starts[index], found)
        return results

    # -- the pass -----------------------------------------------------------------------

    def _scan_bytes(
        self, data: bytes, starts: list[int], encoded: list[bytes]
    ) -> dict[int, list[Hit]]:
        """The hot loop: one program search per candidate start, one RE2::Set call for
        the rules matching there, one anchored match per rule tried, the validator. Kept
        in one function with locals (every attribute look-up here runs per candidate)."""
        assert self._search is not None
        search = self._search
        rules_at = self._rules_at
        compiled = self._compiled
        every_rule = range(len(compiled))
        accept = self._accept
        programs = self._beater_programs
        shortcut = self._shortcut
        out: dict[int, list[Hit]] = {}
        end = len(data)
        pos = 0
        index = 0  # which text the scan is in; advances monotonically
        last = len(starts) - 1
        ts = starts[0]
        te = ts + len(encoded[0])
        ahead: tuple[int, int] | None = None  # the next candidate, when already searched
        while pos < end:
            if ahead is None:
                s, match_end = search(data, pos, end)[0]
                if s < 0:
                    break
            else:
                s, match_end = ahead
                ahead = None
            if s >= te and index < last:
                index = bisect_right(starts, s) - 1
                ts = starts[index]
                te = ts + len(encoded[index])
            hit = None
            exact = False  # `possible` is exactly the rules matching at s in this text
            if s < te:  # (a match starting inside the separator is no candidate)
                # the best rule matching at s whose candidate is accepted, trying the next
                # rule when one is rejected
                possible: Sequence[int] = ()
                cut = min(te, max(s + RETRY_WINDOW, match_end + 4))
                if s > 0 and data[s - 1] < 0x80:
                    possible = rules_at(data[s - 1 : cut])
                elif s == 0 and shortcut:
                    # the batch's first character: a newline before it is the same start
                    # of a word to every rule without ^ or \A
                    possible = rules_at(b"\n" + data[:cut])
                if possible:
                    if len(possible) > 1:
                        possible = sorted(possible)
                    exact = cut == te
                if not possible:
                    # at the very start, after a multi-byte character, a match running
                    # past the text or RE2 giving up: every rule, in order (rare, exact)
                    possible = every_rule
                    exact = False
                first = exact and shortcut and match_end <= te
                for i in possible:
                    comp = compiled[i]
                    spans: Sequence[tuple[int, int]]
                    if first and comp.group == 0:
                        # The whole program's match at s is the first rule's that matches
                        # there (leftmost-first takes the first alternative), and it lies
                        # inside the text: that rule's anchored match would repeat it.
                        spans = ((s, match_end),)
                    else:
                        spans = comp.anchored(data, s, te)
                    first = False
                    if spans[0][0] >= 0:
                        fs, fe = spans[comp.group]
                        hit = accept(comp, fs, fe, spans[0][1], data, ts, te)
                        if hit is not None:
                            break
            if hit is None:
                pos = s + 1
                while pos < end and 0x80 <= data[pos] < 0xC0:
                    pos += 1  # next UTF-8 character start
                continue
            bucket = out.get(index)
            if bucket is None:
                bucket = out[index] = []
            comp = hit[2]
            members = comp.beaters
            resume = hit[6]
            if members is not None:
                if shortcut and exact and not comp.inner_starts:
                    # Usually no rule starts inside the finding: then the search that
                    # shows it also finds the next candidate (one call instead of a search
                    # of the beating rules and another for the next candidate).
                    told, following = self._walk(data, s, resume, possible, comp.beater_set, te)
                    if told is False:
                        bucket.append(hit)
                        if following is None:
                            break  # no candidate left in the batch
                        ahead = following
                        pos = max(resume, s + 1)
                        continue
                    if told:
                        found, resume = self._resolve(data, s, hit, ts, te)
                        bucket += found
                        pos = max(resume, s + 1)
                        continue
                beaters = programs.get(members) or self._beaters(members)
                rival = beaters(data, s, te)
                if 0 <= rival[0][0] < resume:
                    # a rule that could win starts inside this finding: resolve them all
                    found, resume = self._resolve(data, s, hit, ts, te)
                    bucket += found
                    pos = max(resume, s + 1)
                    continue
            bucket.append(hit)
            pos = max(resume, s + 1)
        return out

    def _walk(
        self,
        data: bytes,
        s: int,
        resume: int,
        possible: Sequence[int],
        beaters: frozenset[int],
        te: int,
    ) -> tuple[bool | None, tuple[int, int] | None]:
        """Does a rule in `beaters` start in [s, resume) — what one search of the beating
        rules' own program answers — told from the whole program and the Set, which are
        compiled anyway: (True, None) yes; (False, next candidate or None) no; (None,
        None) when the Set cannot say exactly (after a multi-byte character, a long text)
        and that program must decide. `possible`: the rules matching at s."""
        if not beaters.isdisjoint(possible):
            return True, None
        assert self._search is not None
        search, end, p = self._search, len(data), s
        for _ in range(WALK):
            p += 1
            while p < end and 0x80 <= data[p] < 0xC0:
                p += 1
            following = search(data, p, end)[0]
            q = following[0]
            if q < 0:
                return False, None
            if q >= resume:
                return False, following
            cut = min(te, max(q + RETRY_WINDOW, following[1] + 4))
            if data[q - 1] >= 0x80 or cut != te:
                break
            at = self._rules_at(data[q - 1 : cut])
            if not at:
                break  # (a match only by running into the separator)
            if not beaters.isdisjoint(at):
                return True, None
            p = q
        return None, None

    def _beaters(self, members: tuple[int, ...]) -> MatchFn:
        pattern = "|".join(self._parts[i] for i in members)
        program = matcher(re2.compile(pattern, self._nocap), anchored=False)
        self._beater_programs[members] = program
        return program

    def _resolve(self, data: bytes, s: int, first: Hit, ts: int, te: int) -> tuple[list[Hit], int]:
        """Every rule's candidates starting in [s, end) — `first` (found at `s`) and
        each accepted candidate pushing the end to where its match ends — and the
        winners among them: higher score, then the longer span (in characters), then
        the earlier declared rule. Returns (findings by start, where the scan resumes)."""
        compiled = self._compiled
        positions = [s] * len(compiled)
        cluster_end = first[6]
        positions[first[2].order] = max(cluster_end, s + 1)  # its rule's next candidate
        hits: list[Hit] = [first]
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
                        p = next_char(data, ms)
                        continue
                    hits.append(hit)
                    p = max(hit[6], ms + 1)
                    if hit[6] > cluster_end:
                        cluster_end = hit[6]
                        grown = True
                positions[i] = p

        def rank(h: Hit) -> tuple[float, int, int, int]:
            chars = len(data[h[0] : h[1]].decode("utf-8", "surrogatepass"))
            return (-round(h[5], 3), -chars, h[2].index, h[0])

        kept: list[Hit] = []
        for h in sorted(hits, key=rank):
            if all(h[1] <= k[0] or h[0] >= k[1] for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h[0])
        return kept, cluster_end

    def _accept(
        self,
        comp: Compiled,
        fs: int,
        fe: int,
        match_end: int,
        data: bytes,
        ts: int,
        te: int,
    ) -> Hit | None:
        if fs < 0 or fe <= fs:
            return None
        value = data[fs:fe].decode("utf-8", "replace")
        if comp.allow and value in comp.allow:
            return None
        if comp.allow_rx and any(rx.fullmatch(value) for rx in comp.allow_rx):
            return None
        score = comp.score_found
        validator = comp.validator
        entity_type: str | None = None
        if validator is not None:
            look = (
                Look(
                    data[max(ts, fs - LOOK) : fs].decode("utf-8", "ignore"),
                    data[fe : min(te, fe + LOOK)].decode("utf-8", "ignore"),
                )
                if comp.look
                else _NO_LOOK
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
            ascii_context = comp.context_ascii
            if ascii_context is not None and window.isascii():
                # (the same match on the bytes: ASCII decodes to itself and lower-cases
                # only A–Z, which the bytes pattern ignores the case of)
                hit_b = ascii_context.search(window)
                word_found = None if hit_b is None else hit_b.group().decode().lower()
            else:
                hit_s = context.search(window.decode("utf-8", "ignore").lower())
                word_found = None if hit_s is None else hit_s.group()
            if word_found is not None:
                score = comp.boosted
                found = f"context word “{word_found}” found"
                reason = f"{reason}; {found}" if reason else found
            elif comp.context_required:
                return None
        return fs, fe, comp, reason or "pattern matched", entity_type, score, match_end
