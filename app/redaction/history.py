"""History redaction: rewrite stored tickets and comments so the values are gone.

A run is created (step-up, audited) with its rule set frozen, then processed in batches
of tickets in id order. Each batch is one transaction that rewrites the changed fields
*and* advances the run's checkpoint, so after a crash or kill every ticket is either
fully redacted or untouched, and :meth:`HistoryService.resume` continues from the
checkpoint. The FTS5 triggers re-index every updated comment/ticket (secure-delete
purges the old tokens); at the end the WAL is checkpointed with TRUNCATE so no old page
image survives in ``privdesk.db-wal``. `row_hash` is left as it was, so re-importing the
same export does not bring the values back (the rows compare as unchanged).

`export_plan` writes the same change for the help desk: one line per comment for
Zendesk's comment-redaction endpoint, the ``html_body`` with ``<redact>`` tags around the
values. That file necessarily contains the values: write it before applying, push it,
then delete it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.jobs import Cancelled, JobControl
from app.redaction import store
from app.redaction.rules import rule_from_dict
from app.redaction.service import RedactionError, RedactionService
from app.redaction.ticket_text import BATCH_TICKETS, ticket_batches, ticket_rows
from app.redaction.types import MaskStyle
from app.security.guard import Service
from app.security.permissions import Permission
from models.helpdesk import Comment, Ticket
from models.redaction import RedactionRun

RULE_STYLE = "rule"  # each rule's own mask style
ACTIVE = ("running",)
RESUMABLE = ("running", "cancelled")


@dataclass(frozen=True)
class RunInfo:
    id: int
    status: str
    created_at: str
    created_by: str
    finished_at: str | None
    rule_ids: tuple[str, ...]
    style: str
    total_tickets: int
    done_tickets: int
    tickets_changed: int
    comments_changed: int
    findings: int

    @property
    def resumable(self) -> bool:
        return self.status in RESUMABLE

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["rule_ids"] = list(self.rule_ids)
        return data


@dataclass(frozen=True)
class PlanResult:
    path: Path
    comments: int
    findings: int


def _info(run: RedactionRun) -> RunInfo:
    return RunInfo(
        run.id,
        run.status,
        run.created_at,
        run.created_by,
        run.finished_at,
        tuple(json.loads(run.rule_ids_json)),
        run.style,
        run.total_tickets,
        run.done_tickets,
        run.tickets_changed,
        run.comments_changed,
        run.findings,
    )


def checkpoint_wal(engine: Any, attempts: int = 3) -> bool:
    """Copy the WAL into the database and truncate it (outside any transaction), so no
    old page image survives; False if readers kept blocking it."""
    for _ in range(attempts):
        raw = engine.raw_connection()
        try:
            row = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if row is not None and int(row[0]) == 0:
            return True
    return False


class HistoryService(Service):
    """Start, resume and run history-redaction jobs; export the help-desk plan."""

    def runs(self) -> list[RunInfo]:
        with self.authorized(Permission.REDACTION_VIEW, action="redaction.history.runs") as (
            s,
            _,
        ):
            return [
                _info(r) for r in s.scalars(select(RedactionRun).order_by(RedactionRun.id.desc()))
            ]

    def start(self, rule_ids: Sequence[str] | None = None, style: str = RULE_STYLE) -> RunInfo:
        """A new run over every stored ticket (needs a step-up). Refused while another
        run is unfinished: resume or cancel that one first."""
        if style != RULE_STYLE:
            try:
                MaskStyle(style)
            except ValueError:
                raise RedactionError(f"unknown mask style {style!r}") from None
        with self.authorized(
            Permission.REDACTION_MANAGE, action="redaction.history.start", step_up=True
        ) as (s, actor):
            open_run = s.scalars(
                select(RedactionRun).where(RedactionRun.status.in_(ACTIVE))
            ).first()
            if open_run is not None:
                raise RedactionError(f"history run #{open_run.id} is unfinished: resume it first")
            engine = RedactionService(self.ctx, self.principal)._engine_for(s, rule_ids)
            rules = [
                {k: v for k, v in store._definition(r).items() if not k.startswith("must_")}
                for r in engine.rules
                if r.id != "known_people"
            ]
            people = any(r.id == "known_people" and r.enabled for r in engine.rules)
            total = s.scalar(select(func.count()).select_from(Ticket)) or 0
            run = RedactionRun(
                status="running",
                created_at=utc_iso(self.ctx.clock.now()),
                created_by=actor.username,
                rule_ids_json=json.dumps(sorted(r.id for r in engine.rules if r.enabled)),
                ruleset_json=json.dumps({"rules": rules, "known_people": people}),
                style=style,
                total_tickets=total,
                done_tickets=0,
                last_ticket_id=0,
                tickets_changed=0,
                comments_changed=0,
                findings=0,
            )
            s.add(run)
            s.flush()
            self.audit(
                s,
                "redaction.history.start",
                object_type="redaction_run",
                object_id=str(run.id),
                details={"rules": json.loads(run.rule_ids_json), "tickets": total, "style": style},
            )
            return _info(run)

    def resume(self, run_id: int) -> RunInfo:
        with self.authorized(
            Permission.REDACTION_MANAGE, action="redaction.history.resume", step_up=True
        ) as (s, _):
            run = s.get(RedactionRun, run_id)
            if run is None or run.status not in RESUMABLE:
                raise RedactionError(f"history run #{run_id} cannot be resumed")
            run.status = "running"
            self.audit(
                s,
                "redaction.history.resume",
                object_type="redaction_run",
                object_id=str(run_id),
                details={"done_tickets": run.done_tickets},
            )
            return _info(run)

    def run(self, run_id: int, control: JobControl | None = None) -> RunInfo:
        """Process a started run to the end, one committed batch at a time."""
        control = control or JobControl()
        engine = None
        style: MaskStyle | None = None
        while True:
            with self.authorized(Permission.REDACTION_MANAGE, action="redaction.history.batch") as (
                s,
                _,
            ):
                run = s.get(RedactionRun, run_id)
                if run is None or run.status != "running":
                    raise RedactionError(f"history run #{run_id} is not running")
                if engine is None:
                    engine, style = self._frozen_engine(s, run)
                batch = next(ticket_batches(s, run.last_ticket_id, BATCH_TICKETS), None)
                if batch is None:
                    run.status = "done"
                    run.finished_at = utc_iso(self.ctx.clock.now())
                    self.audit(
                        s,
                        "redaction.history.done",
                        object_type="redaction_run",
                        object_id=str(run_id),
                        details={
                            "tickets": run.done_tickets,
                            "tickets_changed": run.tickets_changed,
                            "comments_changed": run.comments_changed,
                            "findings": run.findings,
                        },
                    )
                    info = _info(run)
                    break
                self._redact_batch(s, run, engine, style, batch)
                done, total = run.done_tickets, run.total_tickets
            try:
                control.report(done, max(total, done), "redacting stored tickets")
            except Cancelled:
                self._cancelled(run_id)
                raise
        checkpoint_wal(self.ctx.workspace.engine)
        return info

    def _frozen_engine(self, s: Session, run: RedactionRun) -> tuple[Any, MaskStyle | None]:
        frozen = json.loads(run.ruleset_json)
        rules = [
            rule_from_dict({k: v for k, v in d.items()}, where=f"run #{run.id}", builtin=False)
            for d in frozen["rules"]
        ]
        if frozen.get("known_people"):
            rules.append(store._people_placeholder(True))
        engine = store.build_engine(s, rules, utc_iso(self.ctx.clock.now()))
        style = None if run.style == RULE_STYLE else MaskStyle(run.style)
        return engine, style

    def _redact_batch(
        self,
        s: Session,
        run: RedactionRun,
        engine: Any,
        style: MaskStyle | None,
        batch: list[int],
    ) -> None:
        rows = ticket_rows(s, batch)
        found = engine.scan_many([r[3] for r in rows])
        ticket_changes: dict[int, dict[str, str]] = {}
        comment_changes: dict[int, dict[str, str]] = {}
        findings = 0
        for (ticket_id, comment_id, column, value), fs in zip(rows, found, strict=True):
            if not fs:
                continue
            findings += len(fs)
            new = engine.apply(value, fs, style)
            if comment_id is None:
                ticket_changes.setdefault(ticket_id, {})[column] = new
            else:
                comment_changes.setdefault(comment_id, {})[column] = new
        for ticket_id, values in ticket_changes.items():
            s.execute(update(Ticket).where(Ticket.id == ticket_id).values(**values))
        for comment_id, values in comment_changes.items():
            s.execute(update(Comment).where(Comment.id == comment_id).values(**values))
        touched = set(ticket_changes) | {
            t for t, c, _, _ in rows if c is not None and c in comment_changes
        }
        run.last_ticket_id = batch[-1]
        run.done_tickets += len(batch)
        run.tickets_changed += len(touched)
        run.comments_changed += len(comment_changes)
        run.findings += findings
        self.audit(
            s,
            "redaction.history.batch",
            object_type="redaction_run",
            object_id=str(run.id),
            details={
                "first_ticket": batch[0],
                "last_ticket": batch[-1],
                "tickets_changed": len(touched),
                "comments_changed": len(comment_changes),
                "findings": findings,
            },
        )

    def _cancelled(self, run_id: int) -> None:
        with self.authorized(Permission.REDACTION_MANAGE, action="redaction.history.cancel") as (
            s,
            _,
        ):
            run = s.get(RedactionRun, run_id)
            if run is not None and run.status == "running":
                run.status = "cancelled"
                self.audit(
                    s,
                    "redaction.history.cancel",
                    object_type="redaction_run",
                    object_id=str(run_id),
                    details={"done_tickets": run.done_tickets},
                )

    # -- the help-desk plan ---------------------------------------------------------

    def export_plan(
        self,
        path: Path,
        rule_ids: Sequence[str] | None = None,
        control: JobControl | None = None,
    ) -> PlanResult:
        """JSON Lines for Zendesk's ``PUT /api/v2/comment_redactions/{id}``: per comment,
        its ``html_body`` with ``<redact>`` around each value. Contains the values (the
        endpoint needs them): needs a step-up, and the file is created owner-only."""
        with self.authorized(
            Permission.REDACTION_MANAGE, action="redaction.history.plan", step_up=True
        ) as (s, _):
            engine = RedactionService(self.ctx, self.principal)._engine_for(s, rule_ids)
            # Written beside the target under a dot-name and renamed into place when
            # complete: a failed, cancelled or killed run never leaves a file at `path`
            # that looks like a whole plan (and a failure removes the partial one).
            partial = path.with_name(f".{path.name}.partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                    comments, findings = _write_plan(s, engine, out, control)
                os.replace(partial, path)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            self.audit(
                s,
                "redaction.history.plan",
                details={"file": path.name, "comments": comments, "findings": findings},
            )
            return PlanResult(path, comments, findings)


def _write_plan(s: Session, engine: Any, out: Any, control: JobControl | None) -> tuple[int, int]:
    """The plan's JSON lines, one per comment with findings: (comments, findings)."""
    total = s.scalar(select(func.count()).select_from(Ticket)) or 0
    comments = findings = done = 0
    for batch in ticket_batches(s):
        rows = [
            (t, c, col, v)
            for t, c, col, v in ticket_rows(s, batch)
            if c is not None and col in ("html_body", "body")
        ]
        by_comment: dict[int, tuple[int, str, str]] = {}
        for t, c, col, v in rows:
            assert c is not None
            if col == "html_body" or c not in by_comment:
                by_comment[c] = (t, col, v)
        items = sorted(by_comment.items())
        found = engine.scan_many([v for _, (_, _, v) in items])
        for (cid, (tid, col, value)), fs in zip(items, found, strict=True):
            if not fs:
                continue
            tagged = engine.tag(value, fs, "<redact>", "</redact>")
            if col == "body":
                tagged = f"<p>{tagged}</p>"
            record = {
                "method": "PUT",
                "endpoint": f"/api/v2/comment_redactions/{cid}",
                "body": {"ticket_id": tid, "html_body": tagged},
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            comments += 1
            findings += len(fs)
        done += len(batch)
        if control is not None:
            control.report(done, total, "writing the redaction plan")
    return comments, findings


def fts_count(s: Session, table: str, phrase: str) -> int:
    """Rows of an FTS table matching `phrase` (tests and checks)."""
    quoted = '"' + phrase.replace('"', '""') + '"'
    return int(
        s.scalar(text(f"SELECT count(*) FROM {table} WHERE {table} MATCH :q"), {"q": quoted})
    )
