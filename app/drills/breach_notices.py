"""A run's notices (templates filled from the breach record, edited, approved, exported)
and the one rule for who may change a run's breach record, shared by `BreachService`.

A drill's notice always carries the exercise banner, even after editing; exporting one
is audited with the run, the template and where it went — ids only, never the text.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.notices import fill, load_templates
from app.drills.records import EXERCISE_BANNER, DrillError, NoticeView
from app.drills.store import breach_row, breach_view, first_event, run_row, summary, timeline
from app.security.auth import Principal
from app.security.guard import Service
from app.security.permissions import Permission, needs_role
from models.drills import Notice, Run

# What can be done to a run's breach record and notices (the breach form's controls).
BREACH_ACTIONS = ("update", "aware", "risk", "to_follow", "notified", "close_task", "notice")


def breach_refusal(principal: Principal, action: str, run: Run) -> str | None:
    """None if `principal` may change this run's breach record now, else why not: the one
    rule for the guarded methods and `allowed_actions`."""
    if not principal.can(Permission.DRILLS_RUN):
        return f"Changing the breach record needs {needs_role(Permission.DRILLS_RUN)}"
    if run.status != "active":
        return f"run #{run.id} is closed; its record can no longer change"
    return None


class BreachNotices(Service):
    """The notices half of the breach service (`BreachService` adds the record itself)."""

    def _open(self, s: Session, principal: Principal, run_id: int) -> Run:
        run = run_row(s, run_id)
        why = breach_refusal(principal, "update", run)
        if why is not None:
            raise DrillError(why)
        return run

    # ------------------------------------------------------------ notices

    def notices(self, run_id: int) -> list[NoticeView]:
        templates = load_templates()
        with self.authorized(Permission.DRILLS_VIEW, action="drills.notice.view") as (s, _):
            run = run_row(s, run_id)
            info = summary(s, run)
            breach = breach_view(breach_row(s, run_id), run_id)
            saved = {
                n.template_key: n for n in s.scalars(select(Notice).where(Notice.run_id == run_id))
            }
            out = []
            for key, t in templates.items():
                n = saved.get(key)
                out.append(
                    NoticeView(
                        key,
                        t.title,
                        t.audience,
                        n.body if n else fill(t, breach, info),
                        n is not None,
                        n.updated_at if n else None,
                        n.updated_by if n else None,
                        n.approved_at if n else None,
                        n.approved_by if n else None,
                    )
                )
            return out

    def save_notice(self, run_id: int, key: str, body: str) -> None:
        """Keep an edited draft; an edit after approval needs approving again."""
        if key not in load_templates():
            raise DrillError(f"no template {key!r}")
        if not body.strip():
            raise DrillError("the notice is empty")
        with self.authorized(Permission.DRILLS_RUN, action="drills.notice.save") as (s, a):
            run = self._open(s, a.principal, run_id)
            body = _with_banner(run, body)
            now = utc_iso(self.ctx.clock.now())
            row = s.scalar(
                select(Notice).where(Notice.run_id == run_id, Notice.template_key == key)
            )
            if row is None:
                row = Notice(
                    run_id=run_id,
                    template_key=key,
                    body=body,
                    updated_at=now,
                    updated_by=a.username,
                )
                s.add(row)
            elif row.body != body:
                row.body, row.updated_at, row.updated_by = body, now, a.username
                row.approved_at = row.approved_by = None
            if key == "sa_notice" and first_event(s, run_id, "notice.draft_ready") is None:
                timeline(
                    s,
                    run,
                    self.ctx.clock.now(),
                    a.username,
                    "notice.draft_ready",
                    "Draft supervisory-authority notice ready",
                )
            self.audit(
                s,
                "drills.notice.save",
                object_type="run",
                object_id=str(run_id),
                details={"template": key},
            )

    def approve_notice(self, run_id: int, key: str) -> None:
        with self.authorized(Permission.DRILLS_RUN, action="drills.notice.approve") as (s, a):
            run = self._open(s, a.principal, run_id)
            row = s.scalar(
                select(Notice).where(Notice.run_id == run_id, Notice.template_key == key)
            )
            if row is None:
                raise DrillError("save the draft before approving it")
            now = self.ctx.clock.now()
            row.approved_at, row.approved_by = utc_iso(now), a.username
            timeline(s, run, now, a.username, "notice.approved", f"Notice approved: {key}")
            self.audit(
                s,
                "drills.notice.approve",
                object_type="run",
                object_id=str(run_id),
                details={"template": key},
            )

    def export_notice(
        self, run_id: int, key: str, body: str, *, to: str = "file", path: Path | None = None
    ) -> str:
        """A notice as it leaves the workspace (exported to a file, copied): the text that
        goes out — a drill's always with the exercise banner — and an audit entry with the
        run, the template and where it went (ids only, never the text). `path`: write there;
        if that fails nothing is audited."""
        if key not in load_templates():
            raise DrillError(f"no template {key!r}")
        if not body.strip():
            raise DrillError("the notice is empty")
        with self.authorized(Permission.DRILLS_VIEW, action="drills.notice.export") as (s, _a):
            run = run_row(s, run_id)
            body = _with_banner(run, body)
            if path is not None:
                path.write_text(body, encoding="utf-8")
            row = s.scalar(
                select(Notice).where(Notice.run_id == run_id, Notice.template_key == key)
            )
            self.audit(
                s,
                "drills.notice.export",
                object_type="run",
                object_id=str(run_id),
                details={
                    "template": key,
                    "to": to,
                    "kind": run.kind,
                    "saved": row is not None and row.body == body,
                    "approved": row is not None and row.body == body and bool(row.approved_at),
                },
            )
            return body


def _with_banner(run: Run, body: str) -> str:
    """A drill's notice always starts with the exercise banner, even after editing."""
    if run.kind == "drill" and EXERCISE_BANNER not in body:
        return f"{EXERCISE_BANNER}\n\n{body}"
    return body
