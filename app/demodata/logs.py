"""The log part of the export: admin audit-log records and agents' access-log records."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.demodata.account import ACCOUNT, API, ROLE_BILLING, ROLE_LEAD, ROLE_STAFF, ROLE_TIER1
from app.demodata.active import ActiveAt, ActiveIndex
from app.demodata.state import GeneratorState, Person
from app.demodata.writers import JSON, Ids, Ndjson, ts


def _working_hours(when: datetime, rng: random.Random) -> datetime:
    """Most reads fall on weekdays, 08:00-17:59 UTC (inside working hours in London all
    year, so the demo's Monitoring pane shows the few off-hours reads, not all of them)."""
    if rng.random() < 0.01:
        return when  # the odd evening or weekend read the off-hours rule should catch
    while when.weekday() >= 5:
        when -= timedelta(days=1)
    return when.replace(hour=8 + when.hour % 10)


def _span(p: Person) -> tuple[datetime, datetime] | None:
    """When `p` can author (`Person.can_author`), both ends included."""
    if p.last_login_at is None:
        return None
    return p.created_at + timedelta(days=1), p.last_login_at + timedelta(days=1)


class LogsPart(GeneratorState):
    """audit_logs.ndjson and access_logs.ndjson."""

    def _active_staff_at(self, when: datetime) -> ActiveAt[Person]:
        if getattr(self, "_active_index", None) is None:
            self._active_index = ActiveIndex(self.staff, _span)
        return self._active_index.at(when)

    def _write_audit_logs(self) -> None:
        rng = self.rng("audit")
        now = self.now
        total = max(120, self.n_agents * 8)
        admins = [p for p in self.staff if p.role == "admin"]
        managers = ActiveIndex(admins + [p for p in self.staff if p.role_name == ROLE_LEAD], _span)
        records: list[tuple[datetime, JSON]] = []

        def add(
            when: datetime,
            actor: Person,
            action: str,
            source_type: str,
            source_id: int | None,
            label: str,
            change: str,
            ip: str | None = None,
        ) -> None:
            records.append(
                (
                    when,
                    {
                        "action": action,
                        "action_label": _ACTION_LABELS[action],
                        "actor_id": actor.id,
                        "actor_name": actor.name,
                        "source_id": source_id,
                        "source_type": source_type,
                        "source_label": label,
                        "change_description": change,
                        "ip_address": ip or actor.ip,
                    },
                )
            )

        # Planted events the demo should surface.
        if len(admins) >= 2:
            a = admins[1]
            add(
                now - timedelta(days=64, hours=3),
                a,
                "update",
                "account_setting",
                None,
                "Credit Card Redaction",
                "Disabled",
            )
            add(
                now - timedelta(days=61),
                a,
                "update",
                "user",
                a.id,
                a.name,
                "Two-factor authentication disabled",
            )
        leads = [p for p in self.staff if p.role_name == ROLE_LEAD]
        if leads:
            lead = leads[0]
            add(
                now - timedelta(days=200),
                admins[0],
                "update",
                "user",
                lead.id,
                lead.name,
                f"Role changed from {ROLE_TIER1} to {ROLE_LEAD}",
            )
            add(
                now - timedelta(days=9, hours=5),
                lead,
                "exported",
                "account",
                None,
                "Data export",
                "Users CSV export requested",
            )
        for p in self.staff:
            if p.roster_status == "terminated" and p.roster_end and p.last_login_at:
                when = p.last_login_at
                if when.date() > p.roster_end:
                    add(
                        when,
                        p,
                        "login",
                        "user",
                        p.id,
                        p.name,
                        "Signed in via Google",
                        ip=f"203.0.113.{200 + p.id % 50}",
                    )

        kinds = (
            "login",
            "login",
            "login",
            "update_user",
            "update_setting",
            "create",
            "destroy_ticket",
            "destroy_other",
            "exported",
        )
        settings = (
            ("Agent session timeout", "Changed from 8 hours to 2 weeks"),
            ("Require two-factor authentication", "Not required"),
            ("Google sign-in for team members", "Enabled"),
            ("Password policy", "Changed from Medium to High"),
        )
        while len(records) < total:
            when = now - timedelta(minutes=rng.randint(30, 60 * 24 * 365))
            active = self._active_staff_at(when) or [self.staff[0]]
            kind = rng.choice(kinds)
            if kind == "login":
                p = rng.choice(active)
                how = "Zendesk password" if p.role == "admin" else "Google"
                add(when, p, "login", "user", p.id, p.name, f"Signed in via {how}")
                continue
            # The managers among the active ones (the staff's first when no one is around).
            actors = managers.at(when) or [self.staff[0]]
            actor = rng.choice(actors)
            if kind == "update_user":
                target = rng.choice(self.staff)
                change = rng.choice(
                    (
                        f"Role changed from {ROLE_STAFF} to {ROLE_TIER1}",
                        "Email changed",
                        "Groups changed: added Billing",
                        "Suspended: false",
                        "Light agent: role changed to Light Agent",
                    )
                )
                add(when, actor, "update", "user", target.id, target.name, change)
            elif kind == "update_setting":
                label, change = rng.choice(settings)
                add(when, actor, "update", "account_setting", None, label, change)
            elif kind == "create":
                src = rng.choice(("trigger", "macro", "view", "automation"))
                add(
                    when,
                    actor,
                    "create",
                    src,
                    rng.randint(360_000_000_000, 369_999_999_999),
                    f"{rng.choice(('Auto-tag', 'Escalate', 'Notify', 'Close'))} "
                    f"{rng.choice(('VIP', 'refunds', 'stale tickets', 'privacy'))}",
                    "Created",
                )
            elif kind == "destroy_ticket" and self.n_tickets:
                tid = rng.randint(1, self.n_tickets)
                add(when, actor, "destroy", "ticket", tid, f"Ticket #{tid}", "Deleted")
            elif kind == "destroy_other":
                add(
                    when,
                    actor,
                    "destroy",
                    "macro",
                    rng.randint(360_000_000_000, 369_999_999_999),
                    "Old refund macro",
                    "Deleted",
                )
            elif kind == "exported":
                add(
                    when,
                    actor,
                    "exported",
                    "account",
                    None,
                    "Data export",
                    rng.choice(("Full JSON export requested", "Tickets CSV export requested")),
                )

        records.sort(key=lambda r: (r[0], r[1]["actor_id"], r[1]["change_description"]))
        ids = Ids(rng, 36_500_000_000, 3000)
        with Ndjson(self.out / "audit_logs.ndjson") as fh:
            for when, rec in records:
                rid = ids()
                fh.write(
                    {
                        "id": rid,
                        "url": f"{API}/audit_logs/{rid}.json",
                        **rec,
                        "created_at": ts(when),
                    }
                )
        self.counts["audit_logs.ndjson"] = fh.count

    def _write_access_logs(self) -> None:
        rng = self.rng("access")
        now = self.now
        total = max(200, self.n_agents * 15)
        exporter = next(
            (p for p in self.staff if p.role_name == ROLE_BILLING and p.report_csv), None
        )
        rows: list[tuple[datetime, JSON]] = []
        while len(rows) < total:
            when = _working_hours(now - timedelta(seconds=rng.randint(60, 90 * 86400)), rng)
            active = self._active_staff_at(when)
            if not active:
                continue
            p = rng.choice(active)
            if exporter is not None and rng.random() < 0.004:
                p = exporter
                path, method, category = "/api/v2/incremental/users/cursor.json", "GET", "user"
                summary, auth, size = (
                    "Exported users (incremental API)",
                    "api_token",
                    rng.randint(2_000_000, 9_000_000),
                )
            else:
                choice = rng.random()
                if choice < 0.55 and self.n_tickets:
                    tid = rng.randint(1, self.n_tickets)
                    path, category, summary = (
                        f"/api/v2/tickets/{tid}.json",
                        "ticket",
                        f"Viewed ticket {tid}",
                    )
                elif choice < 0.8:
                    target = rng.choice(self.customers)
                    path, category, summary = (
                        f"/api/v2/users/{target.id}.json",
                        "user",
                        f"Viewed user {target.id}",
                    )
                else:
                    path, category, summary = "/api/v2/search.json", "search", "Searched tickets"
                method, auth, size = "GET", "session", rng.randint(1_500, 60_000)
            rows.append(
                (
                    when,
                    {
                        "user_id": p.id,
                        "ip_address": p.ip,
                        "method": method,
                        "url": f"https://{ACCOUNT}.zendesk.com{path}",
                        "status": rng.choices(
                            (200, 200, 200, 304, 403, 404, 429), (70, 10, 5, 6, 4, 3, 2)
                        )[0],
                        "authorization_type": auth,
                        "client": p.browser if auth == "session" else "python-requests/2.32.3",
                        "graphql": False,
                        "referer": f"https://{ACCOUNT}.zendesk.com/agent/"
                        if auth == "session"
                        else None,
                        "bytes_sent": size,
                        "category": category,
                        "summary": summary,
                        "origin_service": "Support",
                    },
                )
            )
        rows.sort(key=lambda r: (r[0], r[1]["user_id"], r[1]["url"]))
        ids = Ids(rng, 900_000_000, 500)
        with Ndjson(self.out / "access_logs.ndjson") as fh:
            for when, rec in rows:
                fh.write({"id": ids(), "timestamp": ts(when), **rec})
        self.counts["access_logs.ndjson"] = fh.count


_ACTION_LABELS = {
    "create": "Created",
    "destroy": "Deleted",
    "exported": "Exported",
    "login": "Signed in",
    "update": "Updated",
}
