"""Each rule's own examples (must-match / must-not-match) and labelled-set scoring."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.redaction.scanner import Scanner
from app.redaction.types import Finding, Rule


@dataclass(frozen=True)
class ExampleResult:
    rule_id: str
    kind: str  # must_match | must_not_match
    index: int
    text: str
    passed: bool
    found: int  # findings of this rule in the example

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "kind": self.kind,
            "index": self.index,
            "example": self.text,
            "passed": self.passed,
        }


def run_examples(rules: Sequence[Rule]) -> list[ExampleResult]:
    """Every example of every rule, checked against that rule alone (enabled or not)."""
    results: list[ExampleResult] = []
    for rule in rules:
        if not (rule.must_match or rule.must_not_match):
            continue
        scanner = Scanner([rule.with_changes(enabled=True)])
        for kind, samples, want in (
            ("must_match", rule.must_match, True),
            ("must_not_match", rule.must_not_match, False),
        ):
            for i, text in enumerate(samples):
                found = sum(1 for f in scanner.scan(text) if f.rule_id == rule.id)
                results.append(ExampleResult(rule.id, kind, i, text, (found > 0) == want, found))
    return results


# --- labelled sets: precision / recall -------------------------------------------------


@dataclass(frozen=True)
class Label:
    start: int
    end: int
    entity_type: str


@dataclass(frozen=True)
class Miss:
    """A false positive (`finding` without a label) or negative (`label` not found)."""

    case_id: int
    start: int
    end: int
    entity_type: str
    rule_id: str | None
    kind: str  # fp | fn


@dataclass(frozen=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(frozen=True)
class Evaluation:
    by_type: dict[str, Score]
    by_rule: dict[str, Score]
    misses: list[Miss] = field(default_factory=list)


def evaluate(
    cases: Sequence[tuple[int, str, Sequence[Label]]],
    findings: Sequence[Sequence[Finding]],
    *,
    types: set[str] | None = None,
) -> Evaluation:
    """Exact-span, same-type matching of findings to labels, per entity type and rule.

    `types` limits scoring to the labelled entity types (a finding of an unlabelled type,
    e.g. PERSON on a set that labels only cards, is then neither right nor wrong).
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    rtp: Counter[str] = Counter()
    rfp: Counter[str] = Counter()
    misses: list[Miss] = []
    for (case_id, _, labels), found in zip(cases, findings, strict=True):
        wanted = {(lab.start, lab.end, lab.entity_type) for lab in labels}
        hit: set[tuple[int, int, str]] = set()
        for f in found:
            if types is not None and f.entity_type not in types:
                continue
            key = (f.start, f.end, f.entity_type)
            if key in wanted:
                tp[f.entity_type] += 1
                rtp[f.rule_id] += 1
                hit.add(key)
            else:
                fp[f.entity_type] += 1
                rfp[f.rule_id] += 1
                misses.append(Miss(case_id, f.start, f.end, f.entity_type, f.rule_id, "fp"))
        for start, end, etype in sorted(wanted - hit):
            if types is None or etype in types:
                fn[etype] += 1
                misses.append(Miss(case_id, start, end, etype, None, "fn"))
    all_types = set(tp) | set(fp) | set(fn)
    by_type = {t: Score(tp[t], fp[t], fn[t]) for t in sorted(all_types)}
    by_rule = {r: Score(rtp[r], rfp[r], 0) for r in sorted(set(rtp) | set(rfp))}
    return Evaluation(by_type, by_rule, misses)
