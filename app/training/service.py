"""Training service (issue 21, part 2): programmes, LMS completions, phishing results and
each agent's status per programme.

    svc = TrainingService(ctx, principal)
    svc.add_programme("Annual privacy training", recurrence_months=12, roles=("agent",))
    svc.import_completions(Path("completion-privacy.csv"), programme="Annual privacy training")
    svc.import_phishing(Path("results.json"))          # GoPhish API JSON, or its CSV export
    svc.status()                                       # current / due soon / overdue / never

TRAINING_VIEW reads, TRAINING_MANAGE writes. A bad file is refused as a whole (nothing is
written), naming the file, the line and the field. Audit details carry ids, counts and a
file-hash prefix only.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.clock import utc_iso
from app.helpdesk import mask_email
from app.importers.fields import parse_timestamp
from app.importers.loader import latest_snapshot
from app.security.guard import Service
from app.security.permissions import Permission
from app.training import quizzes
from app.training.identity import email_index
from app.training.imports import (
    TrainingError,
    load_lms_mapping,
    parse_gophish_csv,
    parse_gophish_json,
    parse_lms_csv,
)
from app.training.status import Audience, StatusRow, load_agents, status_rows
from models.helpdesk import SNAPSHOT_DIRECTORY
from models.training import Completion, PhishingResult, Programme, QuizExport, QuizResult

__all__ = ["TrainingError", "TrainingService"]


@dataclass(frozen=True)
class ProgrammeInfo:
    id: int
    name: str
    description: str
    recurrence_months: int
    audience: Audience

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "recurrence_months": self.recurrence_months,
            "roles": list(self.audience.roles),
            "groups": list(self.audience.groups),
            "custom_roles": list(self.audience.custom_roles),
        }


@dataclass(frozen=True)
class ImportResult:
    kind: str  # completions | phishing
    file_hash: str
    added: int
    updated: int
    skipped: int  # completions: rows not complete; phishing: recipients not yet emailed
    campaign: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file_sha256": self.file_hash,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "campaign": self.campaign,
        }


@dataclass(frozen=True)
class AgentStatus:
    """A status row as shown: the agent's name and masked email, never the full address."""

    programme: str
    agent: str
    email: str
    state: str
    state_text: str
    completed_at: str | None
    due_at: str | None
    score: float | None
    person_id: int = 0  # the agent in the latest directory snapshot (to export a quiz)

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "agent": self.agent,
            "email": self.email,
            "state": self.state,
            "completed_at": self.completed_at,
            "due_at": self.due_at,
            "score": self.score,
        }


@dataclass(frozen=True)
class PhishingRow:
    campaign: str
    email: str  # masked
    status: str
    sent_at: str | None
    opened_at: str | None
    clicked_at: str | None
    submitted_at: str | None
    reported_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class QuizInfo:
    name: str
    title: str
    programme: str | None
    pass_mark: float
    questions: int

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class QuizExportInfo:
    export_id: str
    quiz: str
    path: Path

    def to_json(self) -> dict[str, Any]:
        return {"export_id": self.export_id, "quiz": self.quiz, "path": str(self.path)}


@dataclass(frozen=True)
class QuizOutcome:
    export_id: str
    quiz: str
    score: float
    passed: bool
    pass_mark: float
    completion_recorded: bool

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class EvidenceData:
    """Training status at the period's end and the phishing results sent within it."""

    at: str
    programmes: list[ProgrammeInfo]
    status: list[AgentStatus]
    privileged: frozenset[tuple[str, str]]  # (programme, agent) pairs: agent is privileged
    phishing: list[PhishingRow]


def _info(p: Programme) -> ProgrammeInfo:
    return ProgrammeInfo(
        p.id, p.name, p.description, p.recurrence_months, Audience.from_json(p.audience_json)
    )


def _phishing_row(r: PhishingResult) -> PhishingRow:
    return PhishingRow(
        r.campaign,
        mask_email(r.email) or "",
        r.status,
        r.sent_at,
        r.opened_at,
        r.clicked_at,
        r.submitted_at,
        r.reported_at,
    )


def shown(row: StatusRow) -> AgentStatus:
    return AgentStatus(
        row.programme,
        row.agent,
        mask_email(row.email) or "",
        row.state,
        row.state_text,
        row.completed_at,
        row.due_at,
        row.score,
        row.person_id,
    )


def _clean(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


class TrainingService(Service):
    """Training programmes, completions, phishing-simulation results and status."""

    def programmes(self) -> list[ProgrammeInfo]:
        with self.authorized(Permission.TRAINING_VIEW, action="training.list") as (s, _a):
            rows = s.scalars(select(Programme).order_by(Programme.name)).all()
            self.audit(s, "training.list", details={"programmes": len(rows)})
            return [_info(p) for p in rows]

    def add_programme(
        self,
        name: str,
        *,
        description: str = "",
        recurrence_months: int = 12,
        roles: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        custom_roles: tuple[str, ...] = (),
    ) -> ProgrammeInfo:
        name = name.strip()
        if not name or len(name) > 120:
            raise TrainingError("programme name: give 1 to 120 characters")
        if not 1 <= recurrence_months <= 120:
            raise TrainingError("recurrence: give 1 to 120 months")
        audience = Audience(_clean(roles), _clean(groups), _clean(custom_roles))
        bad = [r for r in audience.roles if r not in ("agent", "admin")]
        if bad:
            raise TrainingError("audience roles: the help-desk roles are agent and admin")
        if not (audience.roles or audience.groups or audience.custom_roles):
            raise TrainingError("audience: give at least one role, group or custom role")
        action = "training.programme.add"
        with self.authorized(Permission.TRAINING_MANAGE, action=action) as (s, _a):
            if s.scalar(select(Programme.id).where(Programme.name == name)) is not None:
                raise TrainingError(f"programme {name!r} already exists")
            p = Programme(
                name=name,
                description=description.strip(),
                audience_json=audience.to_json(),
                recurrence_months=recurrence_months,
                created_at=utc_iso(self.ctx.clock.now()),
            )
            s.add(p)
            s.flush()
            self.audit(s, action, object_type="programme", object_id=str(p.id))
            return _info(p)

    def import_completions(
        self, path: Path, *, programme: str, mapping: Path | None = None
    ) -> ImportResult:
        """Store an LMS completion export's completed rows for `programme` (a re-import of
        the same completion is counted as updated, never stored twice)."""
        lms = load_lms_mapping(mapping)
        digest, rows, incomplete = parse_lms_csv(path, lms)  # before any write
        action = "training.import.completions"
        with self.authorized(Permission.TRAINING_MANAGE, action=action) as (s, _a):
            prog = s.scalar(select(Programme).where(Programme.name == programme.strip()))
            if prog is None:
                raise TrainingError(f"programme {programme.strip()!r} does not exist")
            now = utc_iso(self.ctx.clock.now())
            added = updated = 0
            seen: set[tuple[str, str]] = set()
            for row in rows:
                idx = email_index(s, row.email)
                if (idx, row.completed_at) in seen:
                    continue
                seen.add((idx, row.completed_at))
                existing = s.scalar(
                    select(Completion).where(
                        Completion.programme_id == prog.id,
                        Completion.email_index == idx,
                        Completion.completed_at == row.completed_at,
                    )
                )
                c = existing or Completion(
                    programme_id=prog.id, email_index=idx, completed_at=row.completed_at
                )
                c.email = row.email
                c.score = row.score
                c.source = f"lms:{lms.name}"[:32]
                c.source_hash = digest
                c.imported_at = now
                if existing is None:
                    s.add(c)
                    added += 1
                else:
                    updated += 1
            self.audit(
                s,
                action,
                object_type="programme",
                object_id=str(prog.id),
                details={
                    "added": added,
                    "updated": updated,
                    "incomplete": incomplete,
                    "file_hash": digest[:16],
                },
            )
            return ImportResult("completions", digest, added, updated, incomplete)

    def import_phishing(self, path: Path, *, campaign: str | None = None) -> ImportResult:
        """Store a GoPhish campaign's results: its CSV export (give `campaign`) or the JSON
        of ``/api/campaigns/:id/results`` (its ``name`` unless `campaign` is given). A
        re-import updates each recipient's row by GoPhish result id."""
        if path.suffix.lower() == ".json":
            digest, named, rows, not_sent = parse_gophish_json(path)
        else:
            digest, rows, not_sent = parse_gophish_csv(path)
            named = None
        name = (campaign or named or "").strip()
        if not name or len(name) > 200:
            raise TrainingError(f"{path.name}: give the campaign's name (1 to 200 characters)")
        action = "training.import.phishing"
        with self.authorized(Permission.TRAINING_MANAGE, action=action) as (s, _a):
            now = utc_iso(self.ctx.clock.now())
            added = updated = 0
            for row in rows:
                existing = s.scalar(
                    select(PhishingResult).where(
                        PhishingResult.campaign == name,
                        PhishingResult.result_id == row.result_id,
                    )
                )
                r = existing or PhishingResult(campaign=name, result_id=row.result_id)
                r.email = row.email
                r.email_index = email_index(s, row.email)
                r.status = row.status
                r.sent_at = row.sent_at
                r.opened_at = row.opened_at
                r.clicked_at = row.clicked_at
                r.submitted_at = row.submitted_at
                r.reported_at = row.reported_at
                r.modified_at = row.modified_at
                r.source_hash = digest
                r.imported_at = now
                if existing is None:
                    s.add(r)
                    added += 1
                else:
                    updated += 1
            self.audit(
                s,
                action,
                details={
                    "added": added,
                    "updated": updated,
                    "not_sent": not_sent,
                    "file_hash": digest[:16],
                },
            )
            return ImportResult("phishing", digest, added, updated, not_sent, name)

    def status(self, at: datetime | None = None) -> list[AgentStatus]:
        """Every agent's standing in every programme that applies to them, at `at` (now)."""
        when = at or self.ctx.clock.now()
        with self.authorized(Permission.TRAINING_VIEW, action="training.status") as (s, _a):
            rows = status_rows(s, when)
            counts = {st: sum(r.state == st for r in rows) for st in ("overdue", "never")}
            self.audit(s, "training.status", details={"rows": len(rows), **counts})
            return [shown(r) for r in rows]

    def phishing_results(self, campaign: str | None = None) -> list[PhishingRow]:
        with self.authorized(Permission.TRAINING_VIEW, action="training.phishing") as (s, _a):
            q = select(PhishingResult).order_by(
                PhishingResult.campaign, PhishingResult.sent_at, PhishingResult.id
            )
            if campaign:
                q = q.where(PhishingResult.campaign == campaign)
            rows = s.scalars(q).all()
            self.audit(s, "training.phishing", details={"results": len(rows)})
            return [_phishing_row(r) for r in rows]

    def evidence(self, start: datetime, end: datetime) -> EvidenceData:
        """For an evidence pack: status at `end`, which lapsed agents hold privileged
        rights (app.review.permissions.PRIVILEGED), phishing results sent in [start, end]."""
        from app.review.permissions import PRIVILEGED
        from app.review.snapshot import load_agents as review_agents

        with self.authorized(Permission.TRAINING_VIEW, action="training.evidence") as (s, _a):
            rows = status_rows(s, end)
            snap = latest_snapshot(s, SNAPSHOT_DIRECTORY)
            strong = set()
            if snap is not None:
                for a in review_agents(s, snap.id):
                    if a.email and any(g.key in PRIVILEGED for g in a.grants):
                        strong.add(a.email.strip().lower())
            privileged = frozenset(
                (r.programme, r.agent) for r in rows if r.email.strip().lower() in strong
            )
            lo, hi = utc_iso(start), utc_iso(end)
            phish = s.scalars(
                select(PhishingResult)
                .where(PhishingResult.sent_at >= lo, PhishingResult.sent_at <= hi)
                .order_by(PhishingResult.campaign, PhishingResult.sent_at, PhishingResult.id)
            ).all()
            progs = s.scalars(select(Programme).order_by(Programme.name)).all()
            self.audit(
                s,
                "training.evidence",
                details={"rows": len(rows), "phishing": len(phish), "programmes": len(progs)},
            )
            return EvidenceData(
                hi,
                [_info(p) for p in progs],
                [shown(r) for r in rows],
                privileged,
                [_phishing_row(r) for r in phish],
            )

    # ------------------------------------------------------------------ quizzes

    def quizzes(self) -> list[QuizInfo]:
        """The quizzes shipped in resources/training/quizzes/ (checked as they load)."""
        with self.authorized(Permission.TRAINING_VIEW, action="training.quizzes") as (s, _a):
            out = []
            for name in quizzes.quiz_names():
                q = quizzes.load_quiz(name)
                out.append(QuizInfo(q.name, q.title, q.programme, q.pass_mark, len(q.questions)))
            self.audit(s, "training.quizzes", details={"quizzes": len(out)})
            return out

    def export_quiz(self, name: str, agent: str | int, out: Path) -> QuizExportInfo:
        """Write quiz `name` for `agent` (an agent's email, or their person id, in the latest
        directory) as one self-contained HTML file at `out`; its key stays in the workspace."""
        from app.reports.templates import render

        quiz = quizzes.load_quiz(name)
        action = "training.quiz.export"
        with self.authorized(Permission.TRAINING_MANAGE, action=action) as (s, _a):
            agents = load_agents(s)
            if isinstance(agent, int):
                match = next((a for a in agents if a.person_id == agent), None)
            else:
                wanted = agent.strip().lower()
                match = next((a for a in agents if a.email.strip().lower() == wanted), None)
            if match is None:
                raise TrainingError(
                    "agent: not an active agent's email in the latest help-desk directory"
                )
            prog_id = None
            if quiz.programme:
                prog_id = s.scalar(select(Programme.id).where(Programme.name == quiz.programme))
            export_id = secrets.token_hex(8)
            key = secrets.token_bytes(32)
            s.add(
                QuizExport(
                    export_id=export_id,
                    quiz=quiz.name,
                    programme_id=prog_id,
                    email=match.email,
                    email_index=email_index(s, match.email),
                    key_hex=key.hex(),
                    created_at=utc_iso(self.ctx.clock.now()),
                )
            )
            html = render(
                "training_quiz.html",
                quiz=quiz.public(),
                agent=match.email,
                export_id=export_id,
                key_hex=quizzes.derived_key(key, export_id).hex(),
            )
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(html, encoding="utf-8")
            self.audit(s, action, object_type="quiz_export", object_id=export_id)
            return QuizExportInfo(export_id, quiz.name, out)

    def import_quiz_results(self, path: Path) -> QuizOutcome:
        """Verify a quiz page's results file against its export and score it from the stored
        answer key; a pass records a completion of the quiz's programme."""
        action = "training.quiz.import"
        with self.authorized(Permission.TRAINING_MANAGE, action=action) as (s, _a):
            results = quizzes.read_results(path)
            export = s.scalar(select(QuizExport).where(QuizExport.export_id == results.export_id))
            if export is None:
                raise TrainingError(f"{path.name}, field 'export_id': no such quiz export")
            quizzes.verify(bytes.fromhex(export.key_hex), results, path.name)
            if results.quiz != export.quiz:
                raise TrainingError(f"{path.name}, field 'quiz': not the quiz exported")
            if email_index(s, results.agent) != export.email_index:
                raise TrainingError(f"{path.name}, field 'agent': not the agent exported for")
            if s.scalar(select(QuizResult.id).where(QuizResult.export_id == export.export_id)):
                raise TrainingError(f"{path.name}: this export's results are already imported")
            quiz = quizzes.load_quiz(export.quiz)
            known = {q.id for q in quiz.questions}
            if not set(results.answers) <= known:
                raise TrainingError(f"{path.name}, field 'answers': a question not in the quiz")
            score = quiz.score(results.answers)
            passed = score >= quiz.pass_mark
            try:
                when = parse_timestamp(results.completed_at)
            except ValueError:
                raise TrainingError(f"{path.name}, field 'completed_at': not a time") from None
            now = utc_iso(self.ctx.clock.now())
            s.add(
                QuizResult(
                    export_id=export.export_id,
                    score=score,
                    passed=int(passed),
                    answers_json=json.dumps(results.answers, sort_keys=True),
                    completed_at=when,
                    imported_at=now,
                )
            )
            recorded = False
            if passed and export.programme_id is not None:
                dup = s.scalar(
                    select(Completion.id).where(
                        Completion.programme_id == export.programme_id,
                        Completion.email_index == export.email_index,
                        Completion.completed_at == when,
                    )
                )
                if dup is None:
                    s.add(
                        Completion(
                            programme_id=export.programme_id,
                            email=export.email,
                            email_index=export.email_index,
                            completed_at=when,
                            score=score,
                            source="quiz",
                            source_hash=export.export_id,
                            imported_at=now,
                        )
                    )
                    recorded = True
            self.audit(
                s,
                action,
                object_type="quiz_export",
                object_id=export.export_id,
                details={"score_pct": round(score), "passed": passed, "completion": recorded},
            )
            return QuizOutcome(export.export_id, quiz.name, score, passed, quiz.pass_mark, recorded)
