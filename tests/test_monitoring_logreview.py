"""Log review attestation end to end (issue 20): status and overdue, start, sign-off with a
fresh code (AUTH-10) only once every alert of the period is triaged, the summary frozen
with its SHA-256, evidence export (HTML, CSV through csv_safe, JSON, manifest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.helpdesk import HelpdeskService
from app.monitoring.logreview import LogReviewService
from app.monitoring.records import MonitoringError
from app.monitoring.service import AlertService
from app.review.evidence import verify_pack
from app.security import totp
from app.security.auth import AuthService, StepUpRequired
from app.security.guard import PermissionDenied
from tests.conftest import SignedIn
from tests.drills_helpers import long_sessions
from tests.helpers_auth import events
from tests.monitoring_helpers import PLANTED, LogWriter, history, planted_day


@pytest.fixture
def review_world(admin: SignedIn, tmp_path: Path) -> Any:
    long_sessions(admin)
    officer, secret = admin.add_operator("olivia", ["privacy_officer"])
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    with admin.ctx.session() as s:
        admin.ctx.settings.set(s, "monitoring.review_period", "weekly")
    w = LogWriter()
    history(w, days=8)
    planted_day(w)
    HelpdeskService(admin.ctx, officer).import_zendesk(w.write(tmp_path / "logs"))
    AlertService(admin.ctx, officer).run()

    def step_up() -> Any:
        admin.clock.advance(30)
        code = totp.current_code(secret, admin.clock.now())
        return AuthService(admin.ctx).step_up(officer, code)

    return admin, officer, auditor, step_up


def test_log_review_start_signoff_export_end_to_end(review_world: Any, tmp_path: Path) -> None:
    admin, officer, auditor, step_up = review_world
    admin.clock.set_wall(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # Tuesday
    reviews = LogReviewService(admin.ctx, officer)

    st = reviews.status()
    assert (st.period.start.isoformat(), st.period.end.isoformat()) == ("2026-11-23", "2026-11-30")
    assert st.review_id is None and not st.overdue

    review = reviews.start()
    assert review.status == "open"
    assert {a.rule for a in review.alerts} == {rule for rule, _ in PLANTED}
    assert review.summary["events"]["access_log"] > 0
    assert review.summary["alerts_by_status"] == {"new": len(PLANTED)}
    with pytest.raises(MonitoringError, match="already started"):
        reviews.start()

    with pytest.raises(StepUpRequired):
        reviews.signoff(review.id)
    with pytest.raises(MonitoringError, match=r"7 alert\(s\) of the period are still new"):
        LogReviewService(admin.ctx, step_up()).signoff(review.id)
    alerts = AlertService(admin.ctx, officer)
    for a in review.alerts:
        alerts.ack(a.id)
    with pytest.raises(PermissionDenied):
        LogReviewService(admin.ctx, auditor).signoff(review.id)
    signed = LogReviewService(admin.ctx, step_up()).signoff(review.id, "all triaged")
    assert signed.status == "signed" and signed.signed_by == "olivia"
    assert len(signed.digest) == 64
    assert events(admin.ctx, "monitoring.review.signoff")[-1].details == {
        "digest": signed.digest,
        "alerts": len(PLANTED),
    }
    with pytest.raises(MonitoringError, match="already signed off"):
        LogReviewService(admin.ctx, step_up()).signoff(review.id)

    # The signed summary is frozen: a later change of an alert does not alter it.
    alerts.escalate(review.alerts[0].id)
    assert LogReviewService(admin.ctx, auditor).show(review.id).summary == signed.summary

    out = tmp_path / "evidence"
    names = LogReviewService(admin.ctx, auditor).export(review.id, out)
    assert set(names) == {
        f"log-review-{review.id}.html",
        f"log-review-{review.id}-alerts.csv",
        f"log-review-{review.id}-summary.json",
        "manifest.json",
        "manifest.sha256",
    }
    assert verify_pack(out).ok
    html = (out / f"log-review-{review.id}.html").read_text()
    assert "Signed off by <b>olivia</b>" in html and signed.digest in html
    csv_rows = (out / f"log-review-{review.id}-alerts.csv").read_text().splitlines()
    assert csv_rows[0] == "id,rule,severity,status,first_at,events,owner,incident"
    assert len(csv_rows) == 1 + len(PLANTED)
    assert json.loads((out / f"log-review-{review.id}-summary.json").read_text()) == signed.summary

    admin.clock.set_wall(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert not LogReviewService(admin.ctx, officer).status().overdue


def test_an_unsigned_period_is_overdue_after_its_grace_days(review_world: Any) -> None:
    admin, officer, _auditor, _step_up = review_world
    admin.clock.set_wall(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    assert not LogReviewService(admin.ctx, officer).status().overdue  # due 3 Dec
    admin.clock.set_wall(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    st = LogReviewService(admin.ctx, officer).status()
    assert st.overdue and st.review_status is None
    review = LogReviewService(admin.ctx, officer).start()
    assert review.overdue  # started is not signed


def test_a_period_not_over_yet_cannot_be_started(review_world: Any) -> None:
    admin, officer, _auditor, _step_up = review_world
    from datetime import date

    with pytest.raises(MonitoringError, match="is not over yet"):
        LogReviewService(admin.ctx, officer).start(date(2026, 11, 25))
