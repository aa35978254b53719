"""Runs of a playbook — drills (exercises) and real incidents — with their checklist.

Starting a run copies the steps and injects of the playbook's current version. Every
action is timestamped by the injectable clock, lands on the run's timeline, and is
audited (ids, step keys and counts only). Injects exist only in drills. Nothing here, or
anywhere in the drills services, sends a message: notices are drafted and recorded.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.breach_clocks import clock_views
from app.drills.library import (
    PlaybookService,
    install_builtin_playbooks,
    playbook_row,
    version_text,
)
from app.drills.playbooks import parse_playbook
from app.drills.records import DrillError, RunDetail, RunSummary, parse_ts
from app.drills.store import (
    breach_row,
    breach_view,
    inject_views,
    open_run,
    run_row,
    step_views,
    summary,
    task_views,
    timeline,
    timeline_items,
)
from app.security.guard import Actor, Service
from app.security.permissions import Permission
from models.drills import RUN_DRILL, RUN_INCIDENT, Breach, Inject, Run, RunStep

KINDS = (RUN_DRILL, RUN_INCIDENT)


def start_run(
    service: Service,
    s: Session,
    a: Actor,
    playbook_key: str,
    kind: str,
    title: str = "",
    first_entry: tuple[str, str] | None = None,
) -> Run:
    """A run started in the caller's authorized transaction (audited `drills.run.start`).

    `first_entry` (kind, text) goes on the timeline before anything else: an escalated
    monitoring alert opens its incident this way. The caller has checked its permission.
    """
    install_builtin_playbooks(service, s, a)
    playbook = playbook_row(s, playbook_key)
    version, text = version_text(s, playbook)
    spec = parse_playbook(text, playbook_key)
    now = service.ctx.clock.now()
    run = Run(
        playbook_id=playbook.id,
        playbook_version=version,
        kind=kind,
        title=title.strip() or spec.title,
        status="active",
        started_at=utc_iso(now),
        started_by=a.username,
    )
    s.add(run)
    s.flush()
    for n, step in enumerate(spec.steps):
        s.add(
            RunStep(
                run_id=run.id,
                position=n,
                step_key=step.id,
                phase=step.phase,
                title=step.title,
                owner_role=step.owner,
                minutes=step.minutes,
                depends_json=json.dumps(list(step.depends_on)),
                decision=step.decision,
                templates_json=json.dumps(list(step.templates)),
                status="pending",
            )
        )
    if kind == RUN_DRILL:
        for inject in spec.injects:
            s.add(
                Inject(
                    run_id=run.id,
                    offset_minutes=inject.at_minutes,
                    text=inject.text,
                    expect=inject.expect,
                    due_at=utc_iso(now + timedelta(minutes=inject.at_minutes)),
                )
            )
    s.add(Breach(run_id=run.id))
    if first_entry is not None:
        timeline(s, run, now, a.username, *first_entry)
    label = (
        "Exercise started (drill — nothing is sent)"
        if kind == RUN_DRILL
        else ("Incident response started")
    )
    timeline(s, run, now, a.username, "run.start", f"{label}: {spec.title} v{version}")
    service.audit(
        s,
        "drills.run.start",
        object_type="run",
        object_id=str(run.id),
        details={"kind": kind, "playbook": playbook_key, "version": version},
    )
    return run


class RunService(Service):
    def start(self, playbook_key: str, kind: str, title: str = "") -> RunSummary:
        """Start a drill or a real incident from the playbook's current version."""
        if kind not in KINDS:
            raise DrillError("a run is either a drill or an incident")
        PlaybookService(self.ctx, self.principal).list_playbooks()  # built-ins installed
        with self.authorized(Permission.DRILLS_RUN, action="drills.run.start") as (s, a):
            return summary(s, start_run(self, s, a, playbook_key, kind, title))

    def list_runs(self, kind: str | None = None) -> list[RunSummary]:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.run.list") as (s, _):
            query = select(Run).order_by(Run.started_at.desc(), Run.id.desc())
            if kind is not None:
                query = query.where(Run.kind == kind)
            return [summary(s, r) for r in s.scalars(query)]

    def detail(self, run_id: int) -> RunDetail:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.run.view") as (s, _):
            run = run_row(s, run_id)
            now = self.ctx.clock.now()
            breach = breach_view(s.get(Breach, run_id), run_id)
            _, text = version_text(
                s, playbook_row(s, summary(s, run).playbook_key), run.playbook_version
            )
            targets = parse_playbook(text).targets
            self.audit(s, "drills.run.view", object_type="run", object_id=str(run_id))
            return RunDetail(
                summary(s, run),
                step_views(s, run, parse_ts(run.closed_at) or now),
                inject_views(s, run_id),
                timeline_items(s, run_id),
                breach,
                task_views(s, run_id),
                clock_views(breach),
                now,
                targets,
            )

    # ------------------------------------------------------------ checklist

    def step(
        self,
        run_id: int,
        key: str,
        action: str,
        *,
        note: str = "",
        reason: str = "",
        assignee: str = "",
    ) -> None:
        """`start`, `finish`, `skip` (needs a reason), `assign` or `note` one step."""
        if action not in ("start", "finish", "skip", "assign", "note"):
            raise DrillError("step action must be start, finish, skip, assign or note")
        if action == "skip" and not reason.strip():
            raise DrillError("skipping a step needs a reason")
        if action == "assign" and not assignee.strip():
            raise DrillError("say who the step is assigned to")
        with self.authorized(Permission.DRILLS_RUN, action=f"drills.step.{action}") as (s, a):
            run = open_run(s, run_id)
            row = s.scalar(select(RunStep).where(RunStep.run_id == run_id, RunStep.step_key == key))
            if row is None:
                raise DrillError(f"run #{run_id} has no step {key!r}")
            now = self.ctx.clock.now()
            stamp = utc_iso(now)
            if action in ("start", "finish", "skip") and row.status in ("done", "skipped"):
                raise DrillError(f"step {key!r} is already {row.status}")
            if action == "start":
                if row.status == "active":
                    raise DrillError(f"step {key!r} is already started")
                row.status, row.started_at, row.started_by = "active", stamp, a.username
                text = f"Started: {row.title}"
            elif action == "finish":
                # never started: its due time stays the plan's, so finishing late shows
                row.status, row.finished_at, row.finished_by = "done", stamp, a.username
                text = f"Finished: {row.title}"
            elif action == "skip":
                row.status, row.skip_reason = "skipped", reason.strip()
                row.finished_at, row.finished_by = stamp, a.username
                text = f"Skipped: {row.title} — {reason.strip()}"
            elif action == "assign":
                row.assignee = assignee.strip()
                text = f"Assigned to {row.assignee}: {row.title}"
            else:
                text = f"Note on {row.title}"
            if note.strip():
                row.note = (row.note + "\n" if row.note else "") + note.strip()
                text += f" — {note.strip()}"
            timeline(s, run, now, a.username, f"step.{action}", text)
            self.audit(
                s,
                f"drills.step.{action}",
                object_type="run",
                object_id=str(run_id),
                details={"step": key, "kind": run.kind},
            )

    # ------------------------------------------------------------ injects (drills only)

    def deliver_due_injects(self, run_id: int) -> int:
        """Deliver every inject whose time has come; returns how many were delivered."""
        with self.authorized(Permission.DRILLS_RUN, action="drills.inject.deliver") as (s, a):
            run = run_row(s, run_id)
            if run.status != "active":
                return 0
            now = self.ctx.clock.now()
            delivered = 0
            for i in s.scalars(
                select(Inject).where(Inject.run_id == run_id, Inject.delivered_at.is_(None))
            ):
                due = parse_ts(i.due_at)
                if due is not None and due <= now:
                    i.delivered_at = utc_iso(now)
                    timeline(s, run, now, a.username, "inject.delivered", f"Inject: {i.text}")
                    delivered += 1
            if delivered:
                self.audit(
                    s,
                    "drills.inject.deliver",
                    object_type="run",
                    object_id=str(run_id),
                    details={"count": delivered},
                )
            return delivered

    def acknowledge_inject(self, run_id: int, inject_id: int, response: str) -> float:
        """Record the team's reaction; returns the reaction time in minutes."""
        if not response.strip():
            raise DrillError("say how the team reacted to the inject")
        with self.authorized(Permission.DRILLS_RUN, action="drills.inject.ack") as (s, a):
            run = open_run(s, run_id)
            row = s.get(Inject, inject_id)
            if row is None or row.run_id != run_id:
                raise DrillError(f"run #{run_id} has no inject #{inject_id}")
            if row.delivered_at is None:
                raise DrillError("this inject has not been delivered yet")
            if row.acknowledged_at is not None:
                raise DrillError("this inject was already answered")
            now = self.ctx.clock.now()
            row.acknowledged_at, row.acknowledged_by = utc_iso(now), a.username
            row.response = response.strip()
            delivered = parse_ts(row.delivered_at) or now
            minutes = (now - delivered).total_seconds() / 60
            timeline(
                s,
                run,
                now,
                a.username,
                "inject.ack",
                f"Reacted to inject after {minutes:.0f} min: {row.response}",
            )
            self.audit(
                s,
                "drills.inject.ack",
                object_type="run",
                object_id=str(run_id),
                details={"inject": inject_id},
            )
            return minutes

    def add_inject(self, run_id: int, at_minutes: int, text: str, expect: str = "") -> int:
        """A facilitator's extra inject, at minutes from the run start."""
        if not text.strip():
            raise DrillError("an inject needs its text")
        if at_minutes < 0:
            raise DrillError("an inject's time is minutes from the start, 0 or more")
        with self.authorized(Permission.DRILLS_RUN, action="drills.inject.add") as (s, a):
            run = open_run(s, run_id)
            if run.kind != RUN_DRILL:
                raise DrillError("injects belong to drills; a real incident has no injects")
            start = parse_ts(run.started_at)
            assert start is not None
            row = Inject(
                run_id=run_id,
                offset_minutes=at_minutes,
                text=text.strip(),
                expect=expect.strip(),
                due_at=utc_iso(start + timedelta(minutes=at_minutes)),
            )
            s.add(row)
            s.flush()
            timeline(
                s,
                run,
                self.ctx.clock.now(),
                a.username,
                "inject.add",
                f"Inject added for T+{at_minutes} min",
            )
            self.audit(
                s,
                "drills.inject.add",
                object_type="run",
                object_id=str(run_id),
                details={"inject": row.id, "at_minutes": at_minutes},
            )
            return row.id

    # ------------------------------------------------------------ whole run

    def note(self, run_id: int, text: str) -> None:
        if not text.strip():
            raise DrillError("the note is empty")
        with self.authorized(Permission.DRILLS_RUN, action="drills.run.note") as (s, a):
            run = open_run(s, run_id)
            timeline(s, run, self.ctx.clock.now(), a.username, "note", text.strip())
            self.audit(s, "drills.run.note", object_type="run", object_id=str(run_id))

    def close(self, run_id: int) -> None:
        with self.authorized(Permission.DRILLS_RUN, action="drills.run.close") as (s, a):
            run = open_run(s, run_id)
            breach_row(s, run_id)
            now = self.ctx.clock.now()
            run.status, run.closed_at = "closed", utc_iso(now)
            timeline(s, run, now, a.username, "run.close", "Run closed")
            self.audit(
                s,
                "drills.run.close",
                object_type="run",
                object_id=str(run_id),
                details={"kind": run.kind},
            )
