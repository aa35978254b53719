"""RedactionService: the rule library (versioned, audited), engines, impact preview,
labelled test cases. History redaction is in :mod:`app.redaction.history`.

Audit details carry rule ids, versions and counts — never a matched value or text.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.errors import PrivDeskError
from app.jobs import JobControl
from app.redaction import store
from app.redaction.corpus import load_demo_cases
from app.redaction.engine import KNOWN_PEOPLE, RedactionEngine
from app.redaction.examples import Evaluation, Label, evaluate
from app.redaction.rules import check_rule, dump_rules, load_rules_text
from app.redaction.store import RuleInfo, RuleVersionInfo
from app.redaction.ticket_text import masked_excerpt, ticket_batches, ticket_rows
from app.redaction.types import Rule
from app.security.guard import Service
from app.security.permissions import Permission
from models.helpdesk import Ticket
from models.redaction import RedactionCase

SAMPLE_LIMIT = 30
# Writing a changed row (update + FTS delete/insert) costs about this much on top of the
# scan, measured on the demo workspace; used only to estimate.
WRITE_SECONDS_PER_ROW = 0.0006


class RedactionError(PrivDeskError):
    pass


@dataclass(frozen=True)
class Sample:
    ticket_id: int
    comment_id: int | None
    field: str
    rule_id: str
    entity_type: str
    excerpt: str  # masked: every finding in it is a type token


@dataclass(frozen=True)
class ImpactReport:
    tickets_scanned: int
    tickets_with_hits: int
    rows_with_hits: int
    bytes_scanned: int
    scan_seconds: float
    estimated_apply_seconds: float
    by_rule: dict[str, int]
    by_type: dict[str, int]
    samples: list[Sample] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "tickets_scanned": self.tickets_scanned,
            "tickets_with_hits": self.tickets_with_hits,
            "rows_with_hits": self.rows_with_hits,
            "bytes_scanned": self.bytes_scanned,
            "scan_seconds": round(self.scan_seconds, 3),
            "estimated_apply_seconds": round(self.estimated_apply_seconds, 1),
            "by_rule": self.by_rule,
            "by_type": self.by_type,
            "samples": [s.__dict__ for s in self.samples],
        }


@dataclass(frozen=True)
class CaseInfo:
    id: int
    name: str
    text: str
    labels: tuple[Label, ...]
    source: str


class RedactionService(Service):
    """Rules, engines, preview and test cases for the signed-in operator."""

    # -- rules ----------------------------------------------------------------------

    def rules(self) -> list[RuleInfo]:
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.rules") as (s, _):
            return store.load_rule_infos(s)

    def versions(self, rule_id: str) -> list[RuleVersionInfo]:
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.versions") as (s, _):
            return store.load_versions(s, rule_id)

    def engine(self, rules: Sequence[Rule] | None = None) -> RedactionEngine:
        """An engine for the workspace rules (or `rules`, e.g. an edit being tried out),
        with the workspace pseudonym key and the directory's known people."""
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.engine") as (s, _):
            chosen = (
                list(rules) if rules is not None else [i.rule for i in store.load_rule_infos(s)]
            )
            return store.build_engine(s, chosen, utc_iso(self.ctx.clock.now()))

    def save_rule(self, rule: Rule) -> RuleInfo:
        """Create or edit a rule (a built-in keeps its id; its edit becomes a version)."""
        check_rule(rule)
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.rule.save") as (
            s,
            actor,
        ):
            existing = {i.rule_id: i for i in store.load_rule_infos(s)}
            old = existing.get(rule.id)
            builtin = old is not None and old.rule.builtin
            if rule.id == KNOWN_PEOPLE:
                raise RedactionError("the known-people rule can only be enabled or disabled")
            change = "create" if old is None else "edit"
            info = store.save_version(
                s,
                rule.with_changes(builtin=builtin),
                change=change,
                actor=actor.username,
                now=utc_iso(self.ctx.clock.now()),
                builtin=builtin,
            )
            self.audit(
                s,
                f"redaction.rule.{change}",
                object_type="redaction_rule",
                object_id=rule.id,
                details={"version": info.version, "builtin": builtin},
            )
            return info

    def set_enabled(self, rule_id: str, enabled: bool) -> RuleInfo:
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.rule.enable") as (
            s,
            actor,
        ):
            info = self._find(s, rule_id)
            change = "enable" if enabled else "disable"
            saved = store.save_version(
                s,
                info.rule.with_changes(enabled=enabled),
                change=change,
                actor=actor.username,
                now=utc_iso(self.ctx.clock.now()),
                builtin=info.rule.builtin,
            )
            self.audit(
                s,
                f"redaction.rule.{change}",
                object_type="redaction_rule",
                object_id=rule_id,
                details={"version": saved.version},
            )
            return saved

    def delete_rule(self, rule_id: str) -> None:
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.rule.delete") as (
            s,
            actor,
        ):
            info = self._find(s, rule_id)
            if info.rule.builtin:
                raise RedactionError(f"{rule_id!r} is built in: disable it instead")
            saved = store.save_version(
                s,
                info.rule,
                change="delete",
                actor=actor.username,
                now=utc_iso(self.ctx.clock.now()),
                builtin=False,
            )
            self.audit(
                s,
                "redaction.rule.delete",
                object_type="redaction_rule",
                object_id=rule_id,
                details={"version": saved.version},
            )

    def revert(self, rule_id: str, version: int) -> RuleInfo:
        """Make an earlier version current again (as a new version: history is kept)."""
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.rule.revert") as (
            s,
            actor,
        ):
            info = self._find(s, rule_id)
            old = next((v for v in store.load_versions(s, rule_id) if v.version == version), None)
            if old is None:
                raise RedactionError(f"rule {rule_id!r} has no version {version}")
            from app.redaction.rules import rule_from_dict

            rule = rule_from_dict(
                old.definition, where=f"{rule_id} v{version}", builtin=info.rule.builtin
            )
            saved = store.save_version(
                s,
                rule,
                change="revert",
                actor=actor.username,
                now=utc_iso(self.ctx.clock.now()),
                builtin=info.rule.builtin,
            )
            self.audit(
                s,
                "redaction.rule.revert",
                object_type="redaction_rule",
                object_id=rule_id,
                details={"version": saved.version, "to_version": version},
            )
            return saved

    def _find(self, s: Session, rule_id: str) -> RuleInfo:
        info = next((i for i in store.load_rule_infos(s) if i.rule_id == rule_id), None)
        if info is None:
            raise RedactionError(f"no rule {rule_id!r}")
        return info

    def export_rules(self) -> str:
        """The current rule set as TOML (known people excluded: it is not a pattern)."""
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.rules.export") as (
            s,
            _,
        ):
            rules = [i.rule for i in store.load_rule_infos(s) if i.rule_id != KNOWN_PEOPLE]
            self.audit(s, "redaction.rules.export", details={"rules": len(rules)})
            return dump_rules(rules)

    def import_rules(self, text: str, *, source: str = "rules.toml") -> list[RuleInfo]:
        """Add or update every rule of a TOML file; all or nothing (checked first)."""
        rules = load_rules_text(text, source=source)
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.rules.import") as (
            s,
            actor,
        ):
            existing = {i.rule_id: i for i in store.load_rule_infos(s)}
            now = utc_iso(self.ctx.clock.now())
            saved = []
            for rule in rules:
                if rule.id == KNOWN_PEOPLE:
                    continue
                old = existing.get(rule.id)
                builtin = old is not None and old.rule.builtin
                if old is not None and old.rule == rule.with_changes(builtin=builtin):
                    continue
                saved.append(
                    store.save_version(
                        s,
                        rule.with_changes(builtin=builtin),
                        change="import",
                        actor=actor.username,
                        now=now,
                        builtin=builtin,
                    )
                )
            self.audit(
                s,
                "redaction.rules.import",
                details={"rules": len(rules), "changed": [i.rule_id for i in saved]},
            )
            return saved

    # -- impact preview -------------------------------------------------------------

    def impact(
        self,
        rule_ids: Sequence[str] | None = None,
        control: JobControl | None = None,
        *,
        max_tickets: int | None = None,
    ) -> ImpactReport:
        """What applying the rules to stored tickets would change: counts, masked samples
        and an estimated time. Reads only; audited with counts."""
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.impact") as (s, _):
            engine = self._engine_for(s, rule_ids)
            total = s.scalar(select(func.count()).select_from(Ticket)) or 0
            if max_tickets is not None:
                total = min(total, max_tickets)
            by_rule: Counter[str] = Counter()
            by_type: Counter[str] = Counter()
            samples: list[Sample] = []
            seen_rules: Counter[str] = Counter()
            tickets = tickets_hit = rows_hit = size = 0
            scan_seconds = 0.0
            for ids in ticket_batches(s):
                if max_tickets is not None and tickets >= max_tickets:
                    break
                ids = ids[: (max_tickets - tickets) if max_tickets is not None else None]
                rows = ticket_rows(s, ids)
                start = time.perf_counter()
                found = engine.scan_many([r[3] for r in rows])
                scan_seconds += time.perf_counter() - start
                hit_tickets = set()
                for row, fs in zip(rows, found, strict=True):
                    size += len(row[3].encode("utf-8"))
                    if not fs:
                        continue
                    rows_hit += 1
                    hit_tickets.add(row[0])
                    for f in fs:
                        by_rule[f.rule_id] += 1
                        by_type[f.entity_type] += 1
                        if (
                            row[2] in ("subject", "body")  # description/plain: same text
                            and len(samples) < SAMPLE_LIMIT
                            and seen_rules[f.rule_id] < 3
                        ):
                            seen_rules[f.rule_id] += 1
                            samples.append(
                                Sample(
                                    row[0],
                                    row[1],
                                    row[2],
                                    f.rule_id,
                                    f.entity_type,
                                    masked_excerpt(engine, row[3], fs, f),
                                )
                            )
                tickets += len(ids)
                tickets_hit += len(hit_tickets)
                if control is not None:
                    control.report(tickets, total, "scanning stored tickets")
            report = ImpactReport(
                tickets_scanned=tickets,
                tickets_with_hits=tickets_hit,
                rows_with_hits=rows_hit,
                bytes_scanned=size,
                scan_seconds=scan_seconds,
                estimated_apply_seconds=scan_seconds * 1.5 + rows_hit * WRITE_SECONDS_PER_ROW,
                by_rule=dict(by_rule.most_common()),
                by_type=dict(by_type.most_common()),
                samples=samples,
            )
            self.audit(
                s,
                "redaction.impact",
                details={
                    "rules": sorted(rule_ids) if rule_ids else "all",
                    "tickets": tickets,
                    "tickets_with_hits": tickets_hit,
                    "findings": sum(by_rule.values()),
                },
            )
            return report

    def _engine_for(self, s: Session, rule_ids: Sequence[str] | None) -> RedactionEngine:
        infos = store.load_rule_infos(s)
        if rule_ids:
            unknown = sorted(set(rule_ids) - {i.rule_id for i in infos})
            if unknown:
                raise RedactionError(f"no rule {unknown[0]!r}")
            rules = [i.rule.with_changes(enabled=i.rule_id in rule_ids) for i in infos]
        else:
            rules = [i.rule for i in infos]
        if not any(r.enabled for r in rules):
            raise RedactionError("no enabled rule to apply")
        return store.build_engine(s, rules, utc_iso(self.ctx.clock.now()))

    # -- labelled cases -------------------------------------------------------------

    def cases(self) -> list[CaseInfo]:
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.cases") as (s, _):
            rows = list(s.scalars(select(RedactionCase).order_by(RedactionCase.id)))
            self.audit(s, "redaction.cases.view", details={"cases": len(rows)})
            return [_case_info(r) for r in rows]

    def add_case(self, name: str, text: str, labels: Sequence[Label]) -> CaseInfo:
        for lab in labels:
            if not 0 <= lab.start < lab.end <= len(text):
                raise RedactionError(f"label {lab.start}–{lab.end} is outside the text")
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.case.add") as (s, _):
            row = RedactionCase(
                name=name.strip() or "case",
                text=text,
                labels_json=_labels_json(labels),
                source="typed",
                created_at=utc_iso(self.ctx.clock.now()),
            )
            s.add(row)
            s.flush()
            self.audit(
                s,
                "redaction.case.add",
                object_type="redaction_case",
                object_id=str(row.id),
                details={"labels": len(labels)},
            )
            return _case_info(row)

    def set_case_labels(self, case_id: int, labels: Sequence[Label]) -> CaseInfo:
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.case.label") as (
            s,
            _,
        ):
            row = s.get(RedactionCase, case_id)
            if row is None:
                raise RedactionError(f"no test case {case_id}")
            row.labels_json = _labels_json(labels)
            self.audit(
                s,
                "redaction.case.label",
                object_type="redaction_case",
                object_id=str(case_id),
                details={"labels": len(labels)},
            )
            return _case_info(row)

    def import_demo_cases(self, folder: Path, *, limit: int = 500) -> int:
        """Labelled cases from a demo export (`planted.json`), replacing earlier ones. The
        folder is read only once the operator is allowed to (a refused call learns nothing
        about the file, not even whether it exists)."""
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.cases.import") as (
            s,
            _,
        ):
            cases = load_demo_cases(folder, limit=limit)
            for old in s.scalars(select(RedactionCase).where(RedactionCase.source == "demo")):
                s.delete(old)
            now = utc_iso(self.ctx.clock.now())
            for c in cases:
                s.add(
                    RedactionCase(
                        name=f"comment {c.case_id}",
                        text=c.text,
                        labels_json=_labels_json(c.labels),
                        source="demo",
                        created_at=now,
                    )
                )
            self.audit(s, "redaction.cases.import", details={"cases": len(cases)})
            return len(cases)

    def evaluate_cases(self, engine: RedactionEngine, cases: Sequence[CaseInfo]) -> Evaluation:
        """Precision/recall of `engine` on `cases` (labelled types only). Pure."""
        labelled = {lab.entity_type for c in cases for lab in c.labels}
        found = engine.scan_many([c.text for c in cases])
        return evaluate([(c.id, c.text, c.labels) for c in cases], found, types=labelled or None)


def _labels_json(labels: Sequence[Label]) -> str:
    return json.dumps([{"start": x.start, "end": x.end, "type": x.entity_type} for x in labels])


def _case_info(row: RedactionCase) -> CaseInfo:
    labels = tuple(
        Label(int(x["start"]), int(x["end"]), str(x["type"])) for x in json.loads(row.labels_json)
    )
    return CaseInfo(row.id, row.name, row.text, labels, row.source)
