"""ORM helpers shared by the drills services: find a run, write its timeline, convert rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.records import (
    BreachView,
    DrillError,
    InjectView,
    RunSummary,
    StepView,
    TaskView,
    TimelineItem,
    parse_ts,
)
from models.drills import Breach, Inject, Playbook, Run, RunStep, RunTask, TimelineEntry


def run_row(s: Session, run_id: int) -> Run:
    row = s.get(Run, run_id)
    if row is None:
        raise DrillError(f"no run #{run_id} (see `privdesk drill run status`)")
    return row


def open_run(s: Session, run_id: int) -> Run:
    row = run_row(s, run_id)
    if row.status != "active":
        raise DrillError(f"run #{run_id} is closed; its record can no longer change")
    return row


def breach_row(s: Session, run_id: int) -> Breach:
    row = s.get(Breach, run_id)
    if row is None:
        row = Breach(run_id=run_id)
        s.add(row)
        s.flush()
    return row


def timeline(s: Session, run: Run, at: datetime, actor: str, kind: str, text: str) -> None:
    s.add(TimelineEntry(run_id=run.id, at=utc_iso(at), actor=actor, kind=kind, text=text))


def first_event(s: Session, run_id: int, kind: str) -> str | None:
    return s.scalar(
        select(TimelineEntry.at)
        .where(TimelineEntry.run_id == run_id, TimelineEntry.kind == kind)
        .order_by(TimelineEntry.id)
        .limit(1)
    )


def summary(s: Session, run: Run) -> RunSummary:
    playbook = s.get(Playbook, run.playbook_id)
    assert playbook is not None
    return RunSummary(
        run.id,
        run.title,
        run.kind,
        playbook.key,
        playbook.title,
        run.playbook_version,
        run.status,
        run.started_at,
        run.started_by,
        run.closed_at,
    )


def step_views(s: Session, run: Run, now: datetime) -> tuple[StepView, ...]:
    """Steps with their due times: started + expected minutes, or the plan from run start.

    The plan is the earliest finish along the dependencies (a step starts when the last
    of its dependencies is due to finish), so a step nobody picked up becomes overdue too.
    """
    rows = list(
        s.scalars(select(RunStep).where(RunStep.run_id == run.id).order_by(RunStep.position))
    )
    start = parse_ts(run.started_at) or now
    planned: dict[str, datetime] = {}
    out = []
    for r in rows:
        depends = tuple(json.loads(r.depends_json))
        begin = max((planned[d] for d in depends if d in planned), default=start)
        started = parse_ts(r.started_at)
        due = (started or begin) + timedelta(minutes=r.minutes)
        planned[r.step_key] = due
        finished = parse_ts(r.finished_at)
        overdue = r.status in ("pending", "active") and now > due
        late = r.status == "done" and finished is not None and finished > due
        out.append(
            StepView(
                r.id,
                r.step_key,
                r.position,
                r.phase,
                r.title,
                r.owner_role,
                r.minutes,
                depends,
                r.decision,
                tuple(json.loads(r.templates_json)),
                r.status,
                r.assignee,
                r.started_at,
                r.started_by,
                r.finished_at,
                r.finished_by,
                r.note,
                r.skip_reason,
                due,
                overdue,
                late,
            )
        )
    return tuple(out)


def inject_views(s: Session, run_id: int) -> tuple[InjectView, ...]:
    rows = s.scalars(
        select(Inject).where(Inject.run_id == run_id).order_by(Inject.offset_minutes, Inject.id)
    )
    return tuple(
        InjectView(
            i.id,
            i.offset_minutes,
            i.text,
            i.expect,
            i.due_at,
            i.delivered_at,
            i.acknowledged_at,
            i.acknowledged_by,
            i.response,
        )
        for i in rows
    )


def timeline_items(s: Session, run_id: int) -> tuple[TimelineItem, ...]:
    rows = s.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.run_id == run_id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    )
    return tuple(TimelineItem(t.at, t.actor, t.kind, t.text) for t in rows)


def task_views(s: Session, run_id: int) -> tuple[TaskView, ...]:
    rows = s.scalars(select(RunTask).where(RunTask.run_id == run_id).order_by(RunTask.id))
    return tuple(
        TaskView(
            t.id,
            t.kind,
            t.item,
            t.status,
            t.created_at,
            t.closed_at,
            t.closed_by,
            t.resolution,
            t.justification,
        )
        for t in rows
    )


def breach_view(row: Breach | None, run_id: int) -> BreachView:
    if row is None:
        row = Breach(run_id=run_id)
    return BreachView(
        run_id,
        row.nature or "",
        row.detected_at,
        row.aware_at,
        row.aware_by,
        row.aware_reason or "",
        row.aware_recorded_at,
        row.risk_level or "unknown",
        row.risk_decided_at,
        row.subject_categories or "",
        row.subjects_approx,
        row.record_categories or "",
        row.records_approx,
        row.data_categories or "",
        row.consequences or "",
        row.measures or "",
        row.dpo_contact or "",
        tuple(json.loads(row.jurisdictions_json or "[]")),
        dict(json.loads(row.residents_json or "{}")),
        tuple(json.loads(row.to_follow_json or "[]")),
        row.authority_notified_at,
        row.delay_reasons or "",
    )
