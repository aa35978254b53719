"""Alerts: `run` the rules over new events, then list, show, ack, dismiss, escalate.

Privacy officers work alerts (MONITORING_MANAGE), auditors read them (MONITORING_VIEW),
incident leads see the ones escalated to incidents (MONITORING_ESCALATED). Audit events
carry ids, rule ids and counts — never a name, an address or a reason's text.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.runs import start_run
from app.monitoring.engine import ALL_ACTORS, Finding, evaluate_all, lookback
from app.monitoring.library import rules_in_force
from app.monitoring.records import (
    AlertDetail,
    AlertRow,
    EvidenceRow,
    MonitoringError,
    RunResult,
    TimelineRow,
)
from app.monitoring.rules import Rule
from app.monitoring.sources import SOURCE_PRIVDESK, purge, read, save_cursor
from app.security.guard import Actor, Service
from app.security.permissions import Permission, permissions_for
from models.drills import RUN_INCIDENT
from models.helpdesk import SNAPSHOT_DIRECTORY, Person, Snapshot
from models.monitoring import (
    STATUS_ACKNOWLEDGED,
    STATUS_DISMISSED,
    STATUS_ESCALATED,
    STATUS_NEW,
    STATUSES,
    Alert,
    AlertEvent,
    Evidence,
    Suppression,
)

MAX_EVIDENCE = 500  # rows kept per alert; `event_count` says how many there were
MAX_SUPPRESS_DAYS = 365
P = Permission


def row(a: Alert) -> AlertRow:
    return AlertRow(
        a.id,
        a.rule_id,
        a.severity,
        a.status,
        a.subject,
        a.summary,
        a.source,
        a.first_at,
        a.last_at,
        a.event_count,
        a.created_at,
        a.owner,
        a.run_id,
    )


def _names(s: Session, findings: Iterable[Finding]) -> dict[str, str]:
    """Zendesk user id -> name, from the latest directory snapshot (filtered by id)."""
    ids = {int(f.actor) for f in findings if f.actor.isdigit()}
    snap = s.scalar(
        select(Snapshot.id)
        .where(Snapshot.kind == SNAPSHOT_DIRECTORY)
        .order_by(Snapshot.id.desc())
        .limit(1)
    )
    if not ids or snap is None:
        return {}
    rows = s.execute(
        select(Person.zendesk_id, Person.name).where(
            Person.snapshot_id == snap, Person.zendesk_id.in_(sorted(ids))
        )
    )
    return {str(z): n for z, n in rows if n}


def _subject(f: Finding, names: dict[str, str]) -> str:
    if f.actor == ALL_ACTORS:
        return "every account"
    if f.rule.source == SOURCE_PRIVDESK:
        return f"operator {f.actor}" if not f.actor.startswith("unknown") else "an unknown account"
    name = names.get(f.actor) or next((e.actor_name for e in f.events if e.actor_name), "")
    who = f"agent #{f.actor}" if f.actor else "an unknown user"
    return f"{name} ({who})" if name else who


def _suppressed(f: Finding, rows: list[Suppression]) -> bool:
    ips = {e.ip for e in f.events if e.ip}
    for sup in rows:
        if sup.rule_id != f.rule.id:
            continue
        if sup.actor_key is not None and sup.actor_key == f.actor:
            return True
        if sup.ip_address is not None and (sup.ip_address in ips or sup.ip_address == f.ip):
            return True
    return False


class AlertService(Service):
    # ------------------------------------------------------------ run

    def run(self) -> RunResult:
        """Evaluate every rule over the events new since the last run; idempotent."""
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.run") as (s, a):
            now = self.ctx.clock.now()
            tz = ZoneInfo(self.ctx.settings.get(s, "monitoring.timezone"))
            rules = [r for r, _ in rules_in_force(s) if r.enabled]
            batches = {}
            for source in {r.source for r in rules}:
                since = max((lookback(r) for r in rules if r.source == source), default=timedelta())
                batches[source] = read(s, source, since)
            findings = evaluate_all(
                rules, {k: (b.events, b.new_from) for k, b in batches.items()}, tz
            )
            active = list(s.scalars(select(Suppression).where(Suppression.until > utc_iso(now))))
            names = _names(s, findings)
            created: list[Alert] = []
            suppressed = 0
            for f in findings:
                if s.scalar(select(Alert.id).where(Alert.dedup_key == f.key)) is not None:
                    continue
                if _suppressed(f, active):
                    suppressed += 1
                    continue
                created.append(self._create(s, a, f, names, now))
            for source, batch in batches.items():
                if batch.position is not None:
                    save_cursor(s, source, batch.position, now)
            read_counts = {k: b.new_count for k, b in sorted(batches.items())}
            s.flush()
            keep = int(self.ctx.settings.get(s, "monitoring.log_retention_days"))
            purged = purge(s, now, keep) if keep else {}
            self.audit(
                s,
                "monitoring.run",
                details={
                    "new_alerts": len(created),
                    "suppressed": suppressed,
                    "events_read": read_counts,
                    "purged": purged,
                },
            )
            alerts = tuple(row(x) for x in created)
            return RunResult(len(created), alerts, read_counts, suppressed, purged)

    def schedule(self) -> int:
        """Minutes between the console's background runs of the rules (0: off)."""
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.schedule") as (s, _a):
            return int(self.ctx.settings.get(s, "monitoring.run_every_minutes"))

    def _create(
        self, s: Session, a: Actor, f: Finding, names: dict[str, str], now: datetime
    ) -> Alert:
        rule = f.rule
        summary = f"{rule.title}: {f.note}" if f.note else rule.title
        alert = Alert(
            rule_id=rule.id,
            rule_version=rule.version,
            severity=rule.severity,
            source=rule.source,
            status=STATUS_NEW,
            actor_key=f.actor,
            subject=_subject(f, names)[:255],
            summary=summary,
            ip_address=f.ip or next((e.ip for e in f.events if e.ip), None),
            first_at=utc_iso(f.events[0].at),
            last_at=utc_iso(f.events[-1].at),
            event_count=len(f.events),
            created_at=utc_iso(now),
            reason="",
            dedup_key=f.key,
        )
        s.add(alert)
        s.flush()
        for e in f.events[:MAX_EVIDENCE]:
            s.add(
                Evidence(
                    alert_id=alert.id,
                    source=e.source,
                    event_id=e.id,
                    at=utc_iso(e.at),
                    detail=e.line,
                )
            )
        self._timeline(s, alert, a, now, "raised", f"Raised by rule {rule.id} v{rule.version}")
        return alert

    def _timeline(
        self, s: Session, alert: Alert, a: Actor, now: datetime, kind: str, text: str
    ) -> None:
        s.add(
            AlertEvent(alert_id=alert.id, at=utc_iso(now), actor=a.username, kind=kind, text=text)
        )

    # ------------------------------------------------------------ reading

    def _view_permission(self) -> Permission:
        held = permissions_for(self.principal.roles)
        return P.MONITORING_VIEW if P.MONITORING_VIEW in held else P.MONITORING_ESCALATED

    def list_alerts(self, status: str | None = None) -> list[AlertRow]:
        """Newest first; an incident lead sees only the escalated ones."""
        if status is not None and status not in STATUSES:
            raise MonitoringError(f"status must be one of {', '.join(STATUSES)}")
        permission = self._view_permission()
        with self.authorized(permission, action="monitoring.list") as (s, _):
            query = select(Alert).order_by(Alert.id.desc())
            if permission is P.MONITORING_ESCALATED:
                query = query.where(Alert.status == STATUS_ESCALATED)
            if status is not None:
                query = query.where(Alert.status == status)
            return [row(x) for x in s.scalars(query)]

    def show(self, alert_id: int) -> AlertDetail:
        permission = self._view_permission()
        with self.authorized(permission, action="monitoring.show") as (s, _):
            alert = _alert(s, alert_id)
            if permission is P.MONITORING_ESCALATED and alert.status != STATUS_ESCALATED:
                raise MonitoringError(f"no escalated alert #{alert_id}")
            rules = {r.id: r for r, _ in rules_in_force(s)}
            rule: Rule | None = rules.get(alert.rule_id)
            evidence = s.scalars(
                select(Evidence)
                .where(Evidence.alert_id == alert_id)
                .order_by(Evidence.at, Evidence.id)
            )
            timeline = s.scalars(
                select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
            )
            self.audit(s, "monitoring.show", object_type="alert", object_id=str(alert_id))
            return AlertDetail(
                row(alert),
                rule.title if rule else alert.rule_id,
                rule.explanation if rule else "This rule is no longer in force.",
                alert.ip_address,
                alert.reason,
                tuple(EvidenceRow(e.source, e.event_id, e.at, e.detail) for e in evidence),
                tuple(TimelineRow(t.at, t.actor, t.kind, t.text) for t in timeline),
            )

    # ------------------------------------------------------------ workflow

    def ack(self, alert_id: int, note: str = "") -> AlertRow:
        """Acknowledge: the signed-in officer owns the alert from now on."""
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.ack") as (s, a):
            alert = _alert(s, alert_id)
            _expect(alert, (STATUS_NEW,), "acknowledged")
            now = self.ctx.clock.now()
            alert.status, alert.owner = STATUS_ACKNOWLEDGED, a.username
            text = "Acknowledged" + (f" — {note.strip()}" if note.strip() else "")
            self._timeline(s, alert, a, now, "ack", text)
            self.audit(s, "monitoring.ack", object_type="alert", object_id=str(alert_id))
            return row(alert)

    def dismiss(
        self,
        alert_id: int,
        reason: str,
        *,
        suppress_days: int = 0,
        suppress: str = "actor",
    ) -> AlertRow:
        """A false positive, with a reason; optionally quiet the rule for this actor or IP."""
        if not reason.strip():
            raise MonitoringError("say why the alert is a false positive (--reason)")
        if not 0 <= suppress_days <= MAX_SUPPRESS_DAYS:
            raise MonitoringError(f"suppression is 0 to {MAX_SUPPRESS_DAYS} days")
        if suppress not in ("actor", "ip"):
            raise MonitoringError('suppress either the "actor" or the "ip"')
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.dismiss") as (s, a):
            alert = _alert(s, alert_id)
            _expect(alert, (STATUS_NEW, STATUS_ACKNOWLEDGED), "dismissed")
            now = self.ctx.clock.now()
            alert.status, alert.reason = STATUS_DISMISSED, reason.strip()
            alert.owner = alert.owner or a.username
            text = f"Dismissed as a false positive: {reason.strip()}"
            if suppress_days:
                if suppress == "ip" and not alert.ip_address:
                    raise MonitoringError(f"alert #{alert_id} has no IP address to suppress")
                until = now + timedelta(days=suppress_days)
                s.add(
                    Suppression(
                        rule_id=alert.rule_id,
                        actor_key=alert.actor_key if suppress == "actor" else None,
                        ip_address=alert.ip_address if suppress == "ip" else None,
                        until=utc_iso(until),
                        alert_id=alert.id,
                        reason=reason.strip(),
                        created_at=utc_iso(now),
                        created_by=a.username,
                    )
                )
                what = "this IP address" if suppress == "ip" else "this actor"
                text += f" (rule {alert.rule_id} quiet for {what} until {utc_iso(until)})"
            self._timeline(s, alert, a, now, "dismiss", text)
            self.audit(
                s,
                "monitoring.dismiss",
                object_type="alert",
                object_id=str(alert_id),
                details={
                    "rule": alert.rule_id,
                    "suppress_days": suppress_days,
                    "suppress": suppress if suppress_days else None,
                },
            )
            return row(alert)

    def escalate(self, alert_id: int) -> AlertRow:
        """Open a real incident run (drills area) with this alert as its first entry."""
        with self.authorized(P.MONITORING_MANAGE, action="monitoring.escalate") as (s, a):
            alert = _alert(s, alert_id)
            _expect(alert, (STATUS_NEW, STATUS_ACKNOWLEDGED), "escalated")
            rules = {r.id: r for r, _ in rules_in_force(s)}
            rule = rules.get(alert.rule_id)
            playbook = rule.playbook if rule else "compromised-agent-account"
            title = f"Alert #{alert.id}: {rule.title if rule else alert.rule_id}"
            entry = (
                "alert",
                f"Escalated from monitoring alert #{alert.id} ({alert.rule_id}, "
                f"{alert.severity}): {rule.title if rule else alert.rule_id}; actor "
                f"{alert.actor_key or 'unknown'}; {alert.event_count} event(s) "
                f"{alert.first_at} to {alert.last_at}",
            )
            run = start_run(self, s, a, playbook, RUN_INCIDENT, title[:200], first_entry=entry)
            now = self.ctx.clock.now()
            alert.status, alert.run_id = STATUS_ESCALATED, run.id
            alert.owner = alert.owner or a.username
            self._timeline(s, alert, a, now, "escalate", f"Escalated to incident #{run.id}")
            self.audit(
                s,
                "monitoring.escalate",
                object_type="alert",
                object_id=str(alert_id),
                details={"run": run.id, "rule": alert.rule_id},
            )
            return row(alert)


def _alert(s: Session, alert_id: int) -> Alert:
    alert = s.get(Alert, alert_id)
    if alert is None:
        raise MonitoringError(f"no alert #{alert_id} (see `privdesk alerts list`)")
    return alert


def _expect(alert: Alert, allowed: tuple[str, ...], becoming: str) -> None:
    if alert.status not in allowed:
        raise MonitoringError(f"alert #{alert.id} is {alert.status}; it cannot be {becoming}")
