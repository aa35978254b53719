"""The rules in force: the built-in files, overridden by imported versions (kept forever)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.monitoring.records import MonitoringError, RuleInfo
from app.monitoring.rules import MAX_RULES_BYTES, Rule, builtin_rules, dump_rule, parse_rules
from app.security.guard import Service
from app.security.permissions import Permission
from models.monitoring import RuleVersion


def imported_rules(s: Session) -> dict[str, Rule]:
    """The latest imported version of each rule id (its stored canonical text)."""
    latest = (
        select(RuleVersion.rule_id, func.max(RuleVersion.version).label("v"))
        .group_by(RuleVersion.rule_id)
        .subquery()
    )
    rows = s.execute(
        select(RuleVersion.rule_id, RuleVersion.content_toml).join(
            latest,
            (RuleVersion.rule_id == latest.c.rule_id) & (RuleVersion.version == latest.c.v),
        )
    )
    out: dict[str, Rule] = {}
    for rule_id, text in rows:
        (rule,) = parse_rules(text, f"stored rule {rule_id}")
        out[rule_id] = rule
    return out


def rules_in_force(s: Session) -> list[tuple[Rule, str]]:
    """(rule, origin) for every rule id, built-in or imported, in id order."""
    found: dict[str, tuple[Rule, str]] = {r.id: (r, "built-in") for r in builtin_rules()}
    found.update({rid: (r, "imported") for rid, r in imported_rules(s).items()})
    return [found[k] for k in sorted(found)]


def info(rule: Rule, origin: str) -> RuleInfo:
    return RuleInfo(
        rule.id,
        rule.version,
        rule.title,
        rule.severity,
        rule.source,
        rule.kind,
        rule.enabled,
        origin,
        rule.explanation,
        dict(rule.params),
    )


class RuleService(Service):
    """`alerts rules list|show|export|import`."""

    def rules(self) -> list[RuleInfo]:
        with self.authorized(Permission.MONITORING_VIEW, action="monitoring.rules.list") as (s, _):
            return [info(r, o) for r, o in rules_in_force(s)]

    def rule(self, rule_id: str) -> tuple[RuleInfo, str]:
        """One rule and its canonical TOML."""
        with self.authorized(Permission.MONITORING_VIEW, action="monitoring.rules.view") as (s, _):
            for r, origin in rules_in_force(s):
                if r.id == rule_id:
                    return info(r, origin), dump_rule(r)
        raise MonitoringError(f"no rule {rule_id!r} (see `privdesk alerts rules list`)")

    def export_rules(self) -> str:
        """Every rule in force as one TOML file that `import_rules` takes back."""
        with self.authorized(Permission.MONITORING_VIEW, action="monitoring.rules.export") as (
            s,
            _,
        ):
            rules = rules_in_force(s)
            self.audit(s, "monitoring.rules.export", details={"count": len(rules)})
            return "\n".join(dump_rule(r) for r, _ in rules)

    def import_rules(self, text: str, file: str = "rules.toml") -> list[RuleInfo]:
        """Each rule of the file becomes a new version of its id; all or nothing."""
        rules = parse_rules(text, file)
        action = "monitoring.rules.import"
        with self.authorized(Permission.MONITORING_MANAGE, action=action) as (s, a):
            current = {r.id: r for r, _ in rules_in_force(s)}
            out = []
            now = utc_iso(self.ctx.clock.now())
            for rule in rules:
                stored = s.scalar(
                    select(func.max(RuleVersion.version)).where(RuleVersion.rule_id == rule.id)
                )
                before = current.get(rule.id)
                version = max(stored or 0, before.version if before else 0) + 1
                if before is not None and dump_rule(before) == dump_rule(_at(rule, before.version)):
                    out.append(info(before, "unchanged"))
                    continue
                rule = _at(rule, version)
                s.add(
                    RuleVersion(
                        rule_id=rule.id,
                        version=version,
                        content_toml=dump_rule(rule),
                        created_at=now,
                        created_by=a.username,
                    )
                )
                out.append(info(rule, "imported"))
            changed = [r.id for r in out if r.origin == "imported"]
            self.audit(s, action, details={"rules": changed, "unchanged": len(out) - len(changed)})
            return out

    def import_file(self, path: Path) -> list[RuleInfo]:
        try:
            if path.stat().st_size > MAX_RULES_BYTES:
                raise MonitoringError(f"{path}: larger than {MAX_RULES_BYTES // 1000} kB")
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MonitoringError(f"{path}: cannot read ({type(exc).__name__})") from None
        except UnicodeDecodeError:
            raise MonitoringError(f"{path}: not UTF-8 text") from None
        return self.import_rules(text, path.name)


def _at(rule: Rule, version: int) -> Rule:
    from dataclasses import replace

    return replace(rule, version=version)
