"""After-action report / improvement plan (HSEEP AAR/IP shape), trends and metrics.

Decisions measured from the run start: awareness, notifiable? (risk decided) and draft
authority notice ready, each against the playbook's target. Real-incident metrics count
incidents only: a drill never appears in them. Trends are drills only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.clock import utc_iso
from app.drills.clocks import art33_status
from app.drills.library import playbook_row, version_text
from app.drills.playbooks import PHASES, TEAM_ROLES, parse_playbook
from app.drills.records import (
    EXERCISE_BANNER,
    IMPROVEMENT_STATUSES,
    POETE,
    BreachView,
    DrillError,
    InjectView,
    RunSummary,
    StepView,
    TimelineItem,
    minutes_between,
    parse_ts,
)
from app.drills.store import (
    breach_view,
    first_event,
    inject_views,
    run_row,
    step_views,
    summary,
    timeline,
    timeline_items,
)
from app.reports.templates import render
from app.security.guard import Service
from app.security.permissions import Permission
from models.drills import RUN_DRILL, RUN_INCIDENT, Breach, Improvement, Run

DECISION_EVENTS = {
    "awareness": ("Awareness decision", "decision.awareness"),
    "notifiable": ("Notifiable? (risk decided)", "decision.notifiable"),
    "draft_notice": ("Draft authority notice ready", "notice.draft_ready"),
}


@dataclass(frozen=True)
class DecisionTime:
    name: str
    label: str
    minutes: float | None
    target: int

    @property
    def met(self) -> bool | None:
        return None if self.minutes is None else self.minutes <= self.target


@dataclass(frozen=True)
class StepOutcome:
    """What happened to one step, as of the report: the words the report prints."""

    step: StepView
    outcome: str  # on_time | late | skipped | not_done
    minutes: float | None  # late: how late it was finished; not_done: overdue by (or None)

    @property
    def text(self) -> str:
        if self.outcome == "on_time":
            return "done on time"
        if self.outcome == "late":
            return f"done late ({_mins(self.minutes)} after its expected time)"
        if self.outcome == "skipped":
            return f"skipped: {self.step.skip_reason}"
        state = "in progress" if self.step.status == "active" else "not started"
        if self.minutes is not None:
            return f"not done ({state}), overdue by {_mins(self.minutes)}"
        return f"not done ({state}), not due yet"


@dataclass(frozen=True)
class InjectOutcome:
    """An inject as of the report: delivered (answered or not), or never delivered."""

    inject: InjectView
    delivered_minutes: float | None  # T+ when it was delivered
    not_delivered_why: str  # "" when delivered

    @property
    def delivered(self) -> bool:
        return self.inject.delivered_at is not None

    @property
    def reaction(self) -> str:
        if not self.delivered:
            return "—"
        if self.inject.acknowledged_at is None:
            return "no reaction recorded"
        return _mins(self.inject.reaction_minutes)


def _mins(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} min"


def step_outcomes(steps: tuple[StepView, ...], at: datetime) -> tuple[StepOutcome, ...]:
    out = []
    for st in steps:
        if st.status == "done":
            finished = parse_ts(st.finished_at) or at
            late = (finished - st.due_at).total_seconds() / 60
            out.append(
                StepOutcome(st, "late", late) if st.late else StepOutcome(st, "on_time", None)
            )
        elif st.status == "skipped":
            out.append(StepOutcome(st, "skipped", None))
        else:
            overdue = (at - st.due_at).total_seconds() / 60
            out.append(StepOutcome(st, "not_done", overdue if overdue > 0 else None))
    return tuple(out)


def inject_outcomes(
    injects: tuple[InjectView, ...], started_at: str, closed: bool, at: datetime
) -> tuple[InjectOutcome, ...]:
    out = []
    for i in injects:
        if i.delivered_at is not None:
            out.append(InjectOutcome(i, minutes_between(started_at, i.delivered_at), ""))
            continue
        due = parse_ts(i.due_at)
        if closed:
            why = "not delivered: the run was closed first"
        elif due is not None and due > at:
            why = "not delivered: not due yet"
        else:
            why = "not delivered yet (due)"
        out.append(InjectOutcome(i, None, why))
    return tuple(out)


@dataclass(frozen=True)
class ImprovementItem:
    id: int
    run_id: int
    item: str
    element: str
    owner: str
    due: str | None
    status: str
    created_at: str
    closed_at: str | None
    closed_run_id: int | None


@dataclass(frozen=True)
class AarReport:
    run: RunSummary
    generated_at: str
    scenario: str
    decisions: tuple[DecisionTime, ...]
    steps: tuple[StepView, ...]
    injects: tuple[InjectView, ...]
    breach: BreachView
    timeline: tuple[TimelineItem, ...]
    went_well: str
    needs_improvement: str
    improvements: tuple[ImprovementItem, ...]  # this run's and still-open earlier ones
    art33_late: bool | None
    step_outcomes: tuple[StepOutcome, ...] = ()
    inject_outcomes: tuple[InjectOutcome, ...] = ()
    aware_minutes: float | None = None  # aware_at from the run start (negative: before it)

    @property
    def late_or_skipped(self) -> tuple[StepView, ...]:
        return tuple(s for s in self.steps if s.late or s.overdue or s.status == "skipped")

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.step_outcomes if o.outcome == outcome)

    @property
    def steps_summary(self) -> str:
        """One sentence that is true of every step, as of the report."""
        total = len(self.step_outcomes)
        if total and self.count("on_time") == total:
            return f"All {total} steps were done within their expected time."
        overdue = sum(1 for o in self.step_outcomes if o.outcome == "not_done" and o.minutes)
        parts = [
            f"{self.count('on_time')} done on time",
            f"{self.count('late')} done late",
            f"{self.count('skipped')} skipped",
            f"{self.count('not_done')} not done at the time of the report"
            + (f" ({overdue} overdue)" if overdue else ""),
        ]
        return f"{total} steps: " + ", ".join(parts) + "."

    @property
    def injects_summary(self) -> str:
        items = self.inject_outcomes
        answered = sum(1 for o in items if o.delivered and o.inject.acknowledged_at)
        silent = sum(1 for o in items if o.delivered and not o.inject.acknowledged_at)
        missing = sum(1 for o in items if not o.delivered)
        return (
            f"{len(items)} inject(s) in the plan: {answered} delivered and answered, "
            f"{silent} delivered but not answered, {missing} not delivered "
            "(listed as such, with no reaction time)."
        )

    @property
    def aware_relative(self) -> str:
        """Where the awareness time falls against the run's start, in words."""
        m = self.aware_minutes
        if m is None:
            return ""
        if m < 0:
            what = "exercise" if self.run.is_drill else "incident run in PrivDesk"
            return f"{_mins(-m)} before this {what} was started"
        return f"T+{_mins(m)} from the start"


@dataclass(frozen=True)
class TrendPoint:
    playbook_key: str
    playbook_title: str
    run_id: int
    started_at: str
    awareness_minutes: float | None
    draft_notice_minutes: float | None


@dataclass(frozen=True)
class IncidentMetrics:
    incidents: int
    notified: int
    notified_within_72h: int
    median_minutes_to_awareness: float | None
    # Incidents whose awareness came before their run was started in PrivDesk: their
    # time-to-awareness is unknown, so they are counted here and not put in the median as 0.
    aware_before_start: int = 0


def _improvement(r: Improvement) -> ImprovementItem:
    return ImprovementItem(
        r.id,
        r.run_id,
        r.item,
        r.element,
        r.owner,
        r.due,
        r.status,
        r.created_at,
        r.closed_at,
        r.closed_run_id,
    )


class AarService(Service):
    def report(self, run_id: int) -> AarReport:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.aar.view") as (s, _):
            run = run_row(s, run_id)
            info = summary(s, run)
            _, text = version_text(s, playbook_row(s, info.playbook_key), run.playbook_version)
            spec = parse_playbook(text)
            now = self.ctx.clock.now()
            decisions = tuple(
                DecisionTime(
                    name,
                    label,
                    minutes_between(run.started_at, first_event(s, run_id, event)),
                    spec.targets[name],
                )
                for name, (label, event) in DECISION_EVENTS.items()
            )
            breach = breach_view(s.get(Breach, run_id), run_id)
            aware = parse_ts(breach.aware_at)
            late = (
                art33_status(aware, parse_ts(breach.authority_notified_at)).late
                if aware and breach.authority_notified_at
                else None
            )
            earlier = (
                select(Improvement.id)
                .join(Run, Run.id == Improvement.run_id)
                .where(Run.playbook_id == run.playbook_id, Improvement.status != "done")
            )
            rows = s.scalars(
                select(Improvement)
                .where((Improvement.run_id == run_id) | Improvement.id.in_(earlier))
                .order_by(Improvement.id)
            )
            self.audit(s, "drills.aar.view", object_type="run", object_id=str(run_id))
            # As of the close for a closed run, else as of now: open steps are "not done".
            at = parse_ts(run.closed_at) or now
            steps = step_views(s, run, at)
            injects = inject_views(s, run_id)
            return AarReport(
                info,
                utc_iso(now),
                spec.scenario,
                decisions,
                steps,
                injects,
                breach,
                timeline_items(s, run_id),
                run.went_well,
                run.needs_improvement,
                tuple(_improvement(r) for r in rows),
                late,
                step_outcomes(steps, at),
                inject_outcomes(injects, run.started_at, run.status != "active", at),
                minutes_between(run.started_at, breach.aware_at),
            )

    def record_export(self, run_id: int, fmt: str) -> None:
        """Audit that the report left the workspace as a file."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.aar.export") as (s, _):
            run_row(s, run_id)
            self.audit(
                s,
                "drills.aar.export",
                object_type="run",
                object_id=str(run_id),
                details={"format": fmt},
            )

    def save_observations(self, run_id: int, went_well: str, needs_improvement: str) -> None:
        with self.authorized(Permission.DRILLS_RUN, action="drills.aar.observations") as (s, _):
            run = run_row(s, run_id)
            run.went_well, run.needs_improvement = went_well.strip(), needs_improvement.strip()
            self.audit(s, "drills.aar.observations", object_type="run", object_id=str(run_id))

    def add_improvement(
        self, run_id: int, item: str, owner: str, due: date | None, element: str = "Planning"
    ) -> int:
        if not item.strip():
            raise DrillError("an improvement item needs a description")
        if element not in POETE:
            raise DrillError(f"capability element must be one of {', '.join(POETE)}")
        with self.authorized(Permission.DRILLS_RUN, action="drills.improvement.add") as (s, a):
            run = run_row(s, run_id)
            row = Improvement(
                run_id=run_id,
                item=item.strip(),
                element=element,
                owner=owner.strip(),
                due=due.isoformat() if due else None,
                status="open",
                created_at=utc_iso(self.ctx.clock.now()),
            )
            s.add(row)
            s.flush()
            timeline(
                s,
                run,
                self.ctx.clock.now(),
                a.username,
                "improvement.add",
                f"Improvement item: {item.strip()}",
            )
            self.audit(
                s,
                "drills.improvement.add",
                object_type="improvement",
                object_id=str(row.id),
                details={"run": run_id},
            )
            return row.id

    def set_improvement_status(
        self, improvement_id: int, status: str, closed_in_run: int | None = None
    ) -> None:
        """Track an item to closure; `closed_in_run` is the later run that verified it."""
        if status not in IMPROVEMENT_STATUSES:
            raise DrillError(f"status must be one of {', '.join(IMPROVEMENT_STATUSES)}")
        with self.authorized(Permission.DRILLS_RUN, action="drills.improvement.status") as (s, _):
            row = s.get(Improvement, improvement_id)
            if row is None:
                raise DrillError(f"no improvement item #{improvement_id}")
            if closed_in_run is not None:
                run_row(s, closed_in_run)
            row.status = status
            done = status == "done"
            row.closed_at = utc_iso(self.ctx.clock.now()) if done else None
            row.closed_run_id = closed_in_run if done else None
            self.audit(
                s,
                "drills.improvement.status",
                object_type="improvement",
                object_id=str(improvement_id),
                details={"status": status},
            )

    def improvements(self, *, open_only: bool = False) -> list[ImprovementItem]:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.improvement.list") as (s, _):
            query = select(Improvement).order_by(
                Improvement.status, Improvement.due, Improvement.id
            )
            if open_only:
                query = query.where(Improvement.status != "done")
            return [_improvement(r) for r in s.scalars(query)]

    def trends(self) -> list[TrendPoint]:
        """Per drill: minutes to the awareness decision and to a draft notice (drills only)."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.trends") as (s, _):
            out = []
            for run in s.scalars(
                select(Run).where(Run.kind == RUN_DRILL).order_by(Run.started_at, Run.id)
            ):
                info = summary(s, run)
                out.append(
                    TrendPoint(
                        info.playbook_key,
                        info.playbook_title,
                        run.id,
                        run.started_at,
                        minutes_between(
                            run.started_at, first_event(s, run.id, "decision.awareness")
                        ),
                        minutes_between(
                            run.started_at, first_event(s, run.id, "notice.draft_ready")
                        ),
                    )
                )
            return out

    def incident_metrics(self) -> IncidentMetrics:
        """Real incidents only: drills are never counted here."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.metrics") as (s, _):
            runs = list(s.scalars(select(Run).where(Run.kind == RUN_INCIDENT)))
            aware_minutes = []
            notified = within = before = 0
            for run in runs:
                b = s.get(Breach, run.id)
                if b is None:
                    continue
                m = minutes_between(run.started_at, b.aware_at)
                if m is not None and m < 0:
                    before += 1
                elif m is not None:
                    aware_minutes.append(m)
                aware, told = parse_ts(b.aware_at), parse_ts(b.authority_notified_at)
                if aware and told:
                    notified += 1
                    within += not art33_status(aware, told).late
            median = statistics.median(aware_minutes) if aware_minutes else None
            return IncidentMetrics(len(runs), notified, within, median, before)


# ---------------------------------------------------------------- HTML


def aar_html(report: AarReport) -> str:
    """The AAR/IP as one self-contained HTML page (also the source of the PDF)."""
    return render(
        "drill_aar.html",
        report=report,
        banner=EXERCISE_BANNER,
        phases=PHASES,
        team_roles=TEAM_ROLES,
    )
