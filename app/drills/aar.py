"""After-action report / improvement plan (HSEEP AAR/IP shape), trends and metrics.

Decisions measured from the run start: awareness, notifiable? (risk decided) and draft
authority notice ready, each against the playbook's target. Real-incident metrics count
incidents only: a drill never appears in them. Trends are drills only.
"""

from __future__ import annotations

import html
import statistics
from dataclasses import dataclass
from datetime import date

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

    @property
    def late_or_skipped(self) -> tuple[StepView, ...]:
        return tuple(s for s in self.steps if s.late or s.overdue or s.status == "skipped")


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
            return AarReport(
                info,
                utc_iso(now),
                spec.scenario,
                decisions,
                step_views(s, run, parse_ts(run.closed_at) or now),
                inject_views(s, run_id),
                breach,
                timeline_items(s, run_id),
                run.went_well,
                run.needs_improvement,
                tuple(_improvement(r) for r in rows),
                late,
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
            notified = within = 0
            for run in runs:
                b = s.get(Breach, run.id)
                if b is None:
                    continue
                m = minutes_between(run.started_at, b.aware_at)
                if m is not None:
                    aware_minutes.append(max(0.0, m))
                aware, told = parse_ts(b.aware_at), parse_ts(b.authority_notified_at)
                if aware and told:
                    notified += 1
                    within += not art33_status(aware, told).late
            median = statistics.median(aware_minutes) if aware_minutes else None
            return IncidentMetrics(len(runs), notified, within, median)


# ---------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _mins(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} min"


def aar_html(report: AarReport) -> str:
    """The AAR/IP as one self-contained HTML page (also the source of the PDF)."""
    r = report.run
    banner = (
        f'<p style="background:#fff3cd;color:#5c4400;padding:6px;font-weight:bold">'
        f"{_e(EXERCISE_BANNER)}</p>"
        if r.is_drill
        else ""
    )
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>After-action report — {_e(r.label)}</title>",
        "<style>body{font-family:sans-serif;font-size:10pt} table{border-collapse:collapse}"
        " td,th{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}"
        " h1{font-size:16pt} h2{font-size:12pt;margin-top:14pt} .bad{color:#8a1c1c}</style>",
        "</head><body>",
        banner,
        f"<h1>After-Action Report / Improvement Plan — {_e(r.label)}</h1>",
        "<h2>1. Exercise overview</h2><table>",
        f"<tr><th>Type</th><td>{'Drill (exercise)' if r.is_drill else 'Real incident'}</td></tr>",
        f"<tr><th>Playbook</th><td>{_e(r.playbook_title)} (version {r.playbook_version})</td></tr>",
        f"<tr><th>Started</th><td>{_e(r.started_at)} by {_e(r.started_by)}</td></tr>",
        f"<tr><th>Closed</th><td>{_e(r.closed_at or 'still running')}</td></tr>",
        f"<tr><th>Scenario</th><td>{_e(report.scenario)}</td></tr>",
        f"<tr><th>Report generated</th><td>{_e(report.generated_at)}</td></tr></table>",
        "<h2>2. Time to each decision (from the start, against targets)</h2>",
        "<table><tr><th>Decision</th><th>Time</th><th>Target</th><th>Met</th></tr>",
    ]
    for d in report.decisions:
        met = {True: "yes", False: "<span class='bad'>no</span>", None: "not reached"}[d.met]
        parts.append(
            f"<tr><td>{_e(d.label)}</td><td>{_mins(d.minutes)}</td>"
            f"<td>{d.target} min</td><td>{met}</td></tr>"
        )
    parts.append("</table>")
    b = report.breach
    late = {True: "late (reasons recorded)", False: "within 72 hours", None: "not recorded"}
    parts += [
        "<h2>3. Breach record and notifications</h2><table>",
        f"<tr><th>Aware at</th><td>{_e(b.aware_at or '—')} (decided by {_e(b.aware_by or '—')}:"
        f" {_e(b.aware_reason)})</td></tr>",
        f"<tr><th>Risk level</th><td>{_e(b.risk_level)}</td></tr>",
        f"<tr><th>Authority notified</th><td>{_e(b.authority_notified_at or '—')} —"
        f" {late[report.art33_late]}</td></tr>",
        f"<tr><th>Items to follow</th><td>{_e(', '.join(b.to_follow) or 'none')}</td></tr>",
        "</table>",
        "<h2>4. Steps late or skipped</h2>",
    ]
    if report.late_or_skipped:
        parts.append("<table><tr><th>Phase</th><th>Step</th><th>Owner</th><th>Issue</th></tr>")
        for st in report.late_or_skipped:
            issue = (
                f"skipped: {_e(st.skip_reason)}"
                if st.status == "skipped"
                else ("finished late" if st.late else "not finished in time")
            )
            parts.append(
                f"<tr><td>{_e(PHASES[st.phase][0])}</td><td>{_e(st.title)}</td>"
                f"<td>{_e(TEAM_ROLES.get(st.owner_role, st.owner_role))}</td><td>{issue}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None: every step was finished within its expected time.</p>")
    parts.append("<h2>5. Inject reaction times</h2>")
    if report.injects:
        parts.append("<table><tr><th>T+</th><th>Inject</th><th>Reaction</th><th>Response</th></tr>")
        for i in report.injects:
            reaction = _mins(i.reaction_minutes) if i.acknowledged_at else "no reaction recorded"
            parts.append(
                f"<tr><td>{i.offset_minutes} min</td><td>{_e(i.text)}</td>"
                f"<td>{reaction}</td><td>{_e(i.response)}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No injects (real incidents have none).</p>")
    parts += [
        "<h2>6. Strengths</h2>",
        f"<p>{_e(report.went_well or '—')}</p>".replace("\n", "<br>"),
        "<h2>7. Areas for improvement</h2>",
        f"<p>{_e(report.needs_improvement or '—')}</p>".replace("\n", "<br>"),
        "<h2>Appendix A: Improvement plan</h2>",
    ]
    if report.improvements:
        parts.append(
            "<table><tr><th>#</th><th>Corrective action</th><th>Element</th><th>Owner</th>"
            "<th>Due</th><th>Status</th><th>From run</th></tr>"
        )
        for item in report.improvements:
            parts.append(
                f"<tr><td>{item.id}</td><td>{_e(item.item)}</td><td>{_e(item.element)}</td>"
                f"<td>{_e(item.owner)}</td><td>{_e(item.due or '—')}</td>"
                f"<td>{_e(item.status)}</td><td>#{item.run_id}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No improvement items yet.</p>")
    parts.append(
        "<h2>Appendix B: Timeline</h2><table><tr><th>Time (UTC)</th><th>Who</th><th>What</th></tr>"
    )
    for t in report.timeline:
        parts.append(f"<tr><td>{_e(t.at)}</td><td>{_e(t.actor)}</td><td>{_e(t.text)}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)
