"""Training tables (issue 21, part 2): migration 1401 creates them; a re-imported
completion (same programme, agent and date) cannot be stored twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

import app.training  # noqa: F401  (registers the trn_ tables)
from models.training import Completion, PhishingResult, Programme

TABLES = {
    "trn_programmes",
    "trn_completions",
    "trn_phishing_results",
    "trn_quiz_exports",
    "trn_quiz_results",
}


def _programme(ctx: Any) -> int:
    with ctx.session() as s:
        p = Programme(
            name="Annual privacy training",
            description="Yearly privacy basics",
            audience_json='{"roles": ["agent", "admin"]}',
            recurrence_months=12,
            created_at="2026-01-01T00:00:00Z",
        )
        s.add(p)
        s.flush()
        return int(p.id)


def _completion(pid: int) -> Completion:
    return Completion(
        programme_id=pid,
        email="agent@example.com",
        email_index="ab" * 32,
        completed_at="2026-03-01T10:00:00Z",
        score=92.5,
        source="lms:moodle",
        source_hash="cd" * 32,
        imported_at="2026-03-02T00:00:00Z",
    )


def test_migration_creates_the_training_tables(admin: Any) -> None:
    with admin.ctx.session() as s:
        names = set(inspect(s.connection()).get_table_names())
    assert names >= TABLES


def test_completion_and_phishing_result_round_trip(admin: Any) -> None:
    pid = _programme(admin.ctx)
    with admin.ctx.session() as s:
        s.add(_completion(pid))
        s.add(
            PhishingResult(
                campaign="Q1 invoice lure",
                result_id="fFFZZZ1",
                email="agent@example.com",
                email_index="ab" * 32,
                status="Clicked Link",
                sent_at="2026-03-05T09:00:00Z",
                clicked_at="2026-03-05T09:12:00Z",
                source_hash="ef" * 32,
                imported_at="2026-03-06T00:00:00Z",
            )
        )
    with admin.ctx.session() as s:
        c = s.scalars(select(Completion)).one()
        r = s.scalars(select(PhishingResult)).one()
    assert (c.email, c.score, c.completed_at) == ("agent@example.com", 92.5, "2026-03-01T10:00:00Z")
    assert (r.status, r.clicked_at, r.opened_at) == ("Clicked Link", "2026-03-05T09:12:00Z", None)


def test_the_same_completion_cannot_be_stored_twice(admin: Any) -> None:
    pid = _programme(admin.ctx)
    with admin.ctx.session() as s:
        s.add(_completion(pid))
    with pytest.raises(IntegrityError), admin.ctx.session() as s:
        s.add(_completion(pid))
