"""The breach record of a run, its decisions, regulatory clocks and follow-up tasks (its
notices and the rule for who may change it: `app/drills/breach_notices.py`).

Awareness is a decision (who, when, why), separate from detection; the Art. 33 clock
runs from it. Recording "authority notified" is refused while an Art. 33(3) item is
neither filled nor marked to follow, and, after the 72 hours, without reasons for the
delay. Each item marked "to follow" opens a follow-up task (Art. 33(4)). A high risk
opens the Art. 34 task, closed by a notice or one of the three exceptions with a
justification. Nothing is ever sent: PrivDesk records what people did.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.breach_notices import BREACH_ACTIONS, BreachNotices, breach_refusal
from app.drills.clocks import ClockError, art33_status, parse_instant
from app.drills.records import (
    ART34_RESOLUTIONS,
    REQUIRED_ITEMS,
    RISK_LEVELS,
    BreachView,
    DrillError,
    parse_ts,
)
from app.drills.store import (
    breach_row,
    breach_view,
    run_row,
    timeline,
)
from app.security.guard import AllowedActions, decide_all
from app.security.permissions import Permission
from models.drills import RunTask

TEXT_FIELDS = (
    "nature",
    "subject_categories",
    "record_categories",
    "data_categories",
    "consequences",
    "measures",
    "dpo_contact",
)
NUMBER_FIELDS = ("subjects_approx", "records_approx")


def _task(s: Session, run_id: int, kind: str, item: str) -> RunTask | None:
    return s.scalar(
        select(RunTask).where(
            RunTask.run_id == run_id,
            RunTask.kind == kind,
            RunTask.item == item,
            RunTask.status == "open",
        )
    )


class BreachService(BreachNotices):
    def allowed_actions(self, run_id: int) -> AllowedActions:
        """What the signed-in operator may do to this run's breach record now."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.breach.actions") as (s, a):
            run = run_row(s, run_id)
            return decide_all(BREACH_ACTIONS, lambda name: breach_refusal(a.principal, name, run))

    def update(self, run_id: int, changes: dict[str, Any]) -> BreachView:
        """Change facts of the breach record (text, numbers, dates, jurisdictions)."""
        allowed = {*TEXT_FIELDS, *NUMBER_FIELDS, "detected_at", "jurisdictions", "residents"}
        unknown = set(changes) - allowed
        if unknown:
            raise DrillError(f"unknown breach record field {sorted(unknown)[0]!r}")
        with self.authorized(Permission.DRILLS_RUN, action="drills.breach.update") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = breach_row(s, run_id)
            changed = []
            for name, value in changes.items():
                if name in TEXT_FIELDS:
                    new: Any = str(value or "").strip()
                elif name in NUMBER_FIELDS:
                    if value in (None, ""):
                        new = None
                    else:
                        try:
                            new = int(value)
                        except (TypeError, ValueError):
                            raise DrillError(f"{name}: a whole number, please") from None
                        if new < 0:
                            raise DrillError(f"{name}: cannot be negative")
                elif name == "detected_at":
                    when = _instant(value, "detected at")
                    new = utc_iso(when) if when else None
                elif name == "jurisdictions":
                    new = json.dumps(
                        sorted({str(j).strip().upper() for j in value if str(j).strip()})
                    )
                    name = "jurisdictions_json"
                else:
                    new = json.dumps({str(k).upper(): int(v) for k, v in dict(value).items()})
                    name = "residents_json"
                if getattr(row, name) != new:
                    setattr(row, name, new)
                    changed.append(name)
            if changed:
                timeline(
                    s,
                    run,
                    self.ctx.clock.now(),
                    a.username,
                    "breach.update",
                    f"Breach record updated: {', '.join(changed)}",
                )
                self.audit(
                    s,
                    "drills.breach.update",
                    object_type="run",
                    object_id=str(run_id),
                    details={"fields": changed},
                )
            s.flush()
            return breach_view(row, run_id)

    def decide_awareness(self, run_id: int, aware_at: datetime, reason: str) -> BreachView:
        """Record the awareness decision: when, who (the signed-in operator) and why."""
        if not reason.strip():
            raise DrillError("say why you are now aware (what gave reasonable certainty)")
        if aware_at.tzinfo is None:
            raise DrillError("the awareness time needs a timezone")
        now = self.ctx.clock.now()
        if aware_at > now:
            raise DrillError("awareness cannot be in the future")
        with self.authorized(Permission.DRILLS_RUN, action="drills.breach.aware") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = breach_row(s, run_id)
            detected = parse_ts(row.detected_at)
            if detected is not None and aware_at < detected:
                raise DrillError("awareness cannot come before detection")
            started = parse_ts(run.started_at)
            if run.kind == "drill" and started is not None and aware_at < started:
                # A drill's awareness is a decision taken during the exercise: a time before
                # it started would measure nothing (and read as "0 min" in its report).
                raise DrillError(
                    f"aware at: {utc_iso(aware_at.astimezone(UTC))} is before this exercise "
                    f"started ({run.started_at}); in a drill awareness is decided during the "
                    "exercise — give a time after the start, or now"
                )
            first = row.aware_at is None
            row.aware_at = utc_iso(aware_at.astimezone(UTC))
            row.aware_by, row.aware_reason = a.username, reason.strip()
            row.aware_recorded_at = utc_iso(now)
            verb = "Awareness decided" if first else "Awareness time corrected"
            timeline(
                s,
                run,
                now,
                a.username,
                "decision.awareness",
                f"{verb}: aware at {row.aware_at} — {reason.strip()}",
            )
            self.audit(s, "drills.breach.aware", object_type="run", object_id=str(run_id))
            return breach_view(row, run_id)

    def decide_risk(self, run_id: int, level: str, reason: str = "") -> BreachView:
        """Risk to individuals: none (document only), risk (Art. 33), high (Art. 33 + 34)."""
        if level not in RISK_LEVELS[1:]:
            raise DrillError("risk level must be none, risk or high")
        with self.authorized(Permission.DRILLS_RUN, action="drills.breach.risk") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = breach_row(s, run_id)
            now = self.ctx.clock.now()
            row.risk_level = level
            if row.risk_decided_at is None:
                row.risk_decided_at = utc_iso(now)
            notifiable = {"none": "not notifiable (documented under Art. 33(5))"}.get(
                level, "notifiable to the supervisory authority (Art. 33)"
            )
            text = f"Risk decided: {level} — {notifiable}"
            timeline(
                s,
                run,
                now,
                a.username,
                "decision.notifiable",
                text + (f" — {reason}" if reason else ""),
            )
            art34 = _task(s, run_id, "art34", "data_subjects")
            if level == "high" and art34 is None:
                s.add(
                    RunTask(
                        run_id=run_id,
                        kind="art34",
                        item="data_subjects",
                        status="open",
                        created_at=utc_iso(now),
                    )
                )
            elif level != "high" and art34 is not None:
                art34.status, art34.closed_at, art34.closed_by = "closed", utc_iso(now), a.username
                art34.resolution, art34.justification = "not_required", f"risk now {level}"
            self.audit(
                s,
                "drills.breach.risk",
                object_type="run",
                object_id=str(run_id),
                details={"level": level},
            )
            return breach_view(row, run_id)

    def set_to_follow(self, run_id: int, item: str, to_follow: bool) -> BreachView:
        """Mark an Art. 33(3) item as to be provided later (opens a follow-up task)."""
        if item not in REQUIRED_ITEMS:
            raise DrillError(f"{item!r} is not an Art. 33(3) item")
        with self.authorized(Permission.DRILLS_RUN, action="drills.breach.to_follow") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = breach_row(s, run_id)
            items = set(json.loads(row.to_follow_json or "[]"))
            now = self.ctx.clock.now()
            task = _task(s, run_id, "art33_follow_up", item)
            if to_follow:
                items.add(item)
                if task is None:
                    s.add(
                        RunTask(
                            run_id=run_id,
                            kind="art33_follow_up",
                            item=item,
                            status="open",
                            created_at=utc_iso(now),
                        )
                    )
            else:
                items.discard(item)
                if task is not None:
                    task.status, task.closed_at, task.closed_by = "closed", utc_iso(now), a.username
                    task.resolution = (
                        "provided" if getattr(row, item) not in (None, "") else "withdrawn"
                    )
            row.to_follow_json = json.dumps(sorted(items))
            label = REQUIRED_ITEMS[item][0]
            timeline(
                s,
                run,
                now,
                a.username,
                "breach.to_follow",
                f"{label}: {'to follow (Art. 33(4))' if to_follow else 'no longer to follow'}",
            )
            self.audit(
                s,
                "drills.breach.to_follow",
                object_type="run",
                object_id=str(run_id),
                details={"item": item, "to_follow": to_follow},
            )
            return breach_view(row, run_id)

    def mark_authority_notified(
        self, run_id: int, notified_at: datetime | None = None, delay_reasons: str = ""
    ) -> BreachView:
        """Record that the supervisory authority was notified (PrivDesk sends nothing)."""
        with self.authorized(Permission.DRILLS_RUN, action="drills.breach.notified") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = breach_row(s, run_id)
            view = breach_view(row, run_id)
            aware = parse_ts(view.aware_at)
            if aware is None:
                raise DrillError("decide awareness first: the Art. 33 clock starts there")
            if view.missing:
                names = ", ".join(REQUIRED_ITEMS[m][0].lower() for m in view.missing)
                raise DrillError(
                    f"cannot record the notification: fill in or mark 'to follow': {names}"
                )
            now = self.ctx.clock.now()
            when = notified_at or now
            if when > now:
                raise DrillError("the notification time cannot be in the future")
            status = art33_status(aware, when)
            if status.late and not delay_reasons.strip():
                raise DrillError(
                    f"notified {status.hours_late:.1f} h after the 72 hours: Art. 33(1) needs "
                    "the reasons for the delay"
                )
            row.authority_notified_at = utc_iso(when)
            row.delay_reasons = delay_reasons.strip()
            where = " (exercise — recorded only, nothing sent)" if run.kind == "drill" else ""
            late = (
                f" — {status.hours_late:.1f} h late: {delay_reasons.strip()}" if status.late else ""
            )
            timeline(
                s,
                run,
                now,
                a.username,
                "notice.authority",
                f"Supervisory authority notified at {row.authority_notified_at}{where}{late}",
            )
            self.audit(
                s,
                "drills.breach.notified",
                object_type="run",
                object_id=str(run_id),
                details={"late": status.late, "to_follow": len(view.to_follow), "kind": run.kind},
            )
            return breach_view(row, run_id)

    def close_task(
        self, run_id: int, task_id: int, resolution: str, justification: str = ""
    ) -> None:
        """Close a follow-up (`provided`) or the Art. 34 task (a notice or an exception)."""
        with self.authorized(Permission.DRILLS_RUN, action="drills.task.close") as (s, a):
            run = self._open(s, a.principal, run_id)
            task = s.get(RunTask, task_id)
            if task is None or task.run_id != run_id:
                raise DrillError(f"run #{run_id} has no task #{task_id}")
            if task.status != "open":
                raise DrillError("this task is already closed")
            if task.kind == "art34":
                if resolution not in ART34_RESOLUTIONS:
                    raise DrillError(
                        f"close the Art. 34 task with one of: {', '.join(ART34_RESOLUTIONS)}"
                    )
                if resolution.startswith("exception") and not justification.strip():
                    raise DrillError("an Art. 34(3) exception needs a justification")
            else:
                if resolution != "provided":
                    raise DrillError("a follow-up is closed when the information is provided")
                row = breach_row(s, run_id)
                if getattr(row, task.item) in (None, ""):
                    raise DrillError("fill in the item in the breach record first")
                items = set(json.loads(row.to_follow_json or "[]")) - {task.item}
                row.to_follow_json = json.dumps(sorted(items))
            now = self.ctx.clock.now()
            task.status, task.closed_at, task.closed_by = "closed", utc_iso(now), a.username
            task.resolution, task.justification = resolution, justification.strip()
            label = ART34_RESOLUTIONS.get(resolution, "information provided")
            drill = " (exercise — nothing sent)" if run.kind == "drill" else ""
            timeline(s, run, now, a.username, f"task.{task.kind}", f"Task closed: {label}{drill}")
            self.audit(
                s,
                "drills.task.close",
                object_type="run",
                object_id=str(run_id),
                details={"task": task_id, "resolution": resolution},
            )


def _instant(value: object, what: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    try:
        return parse_instant(str(value), zone_hint="a time zone")
    except ClockError as exc:
        raise DrillError(f"{what}: {exc}") from None
