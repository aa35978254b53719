"""Evidence-pack provider for training (kind "training_status", app/evidence_types.py).

Files: ``training-status.csv`` — every agent's status in every programme that applies to
them at the period's end (the latest completion on or before that day); and
``phishing-results.csv`` — GoPhish results of emails sent within the period. Agents are
named, emails masked. Gaps: no programme defined; a programme with privileged agents
(admin, CSV export, … as the access review counts them) overdue or never trained; no
phishing simulation sent in the period.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from app.evidence_types import Evidence, EvidenceFile, Period
from app.reports import csv_safe
from app.training.service import TrainingService

if TYPE_CHECKING:
    from app.context import AppContext
    from app.security.auth import Principal

KIND = "training_status"
STATUS_COLUMNS = (
    "programme",
    "agent",
    "email",
    "privileged",
    "status",
    "completed_at",
    "due_at",
    "score",
)
PHISHING_COLUMNS = (
    "campaign",
    "recipient",
    "result",
    "sent_at",
    "opened_at",
    "clicked_at",
    "submitted_at",
    "reported_at",
)


def _csv(header: tuple[str, ...], rows: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    w = csv_safe.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return buf.getvalue().encode("utf-8")


def training_evidence(ctx: AppContext, principal: Principal, period: Period) -> Evidence:
    start = datetime.combine(period.start, time.min, UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, UTC) - timedelta(seconds=1)
    data = TrainingService(ctx, principal).evidence(start, end)
    gaps: list[str] = []
    if not data.programmes:
        gaps.append("no training programme is defined, so no agent is required to train")
    status_rows = [
        [
            r.programme,
            r.agent,
            r.email,
            "yes" if (r.programme, r.agent) in data.privileged else "no",
            r.state_text,
            r.completed_at or "",
            r.due_at or "",
            "" if r.score is None else f"{r.score:g}",
        ]
        for r in data.status
    ]
    for prog in data.programmes:
        lapsed = [
            r
            for r in data.status
            if r.programme == prog.name
            and r.state in ("overdue", "never")
            and (r.programme, r.agent) in data.privileged
        ]
        if lapsed:
            overdue = sum(r.state == "overdue" for r in lapsed)
            never = len(lapsed) - overdue
            gaps.append(
                f"{prog.name}: {len(lapsed)} privileged agent(s) not trained on "
                f"{period.end.isoformat()} ({overdue} overdue, {never} never completed)"
            )
    if not data.phishing:
        gaps.append(
            f"no phishing simulation was sent between {period.label().replace(' to ', ' and ')}"
        )
    files: list[EvidenceFile] = []
    if status_rows:
        files.append(
            EvidenceFile(
                "training-status.csv",
                _csv(STATUS_COLUMNS, status_rows),
                f"training status per agent and programme on {period.end.isoformat()}",
            )
        )
    elif data.programmes:
        gaps.append("no agent in the latest help-desk directory falls in a programme's audience")
    if data.phishing:
        files.append(
            EvidenceFile(
                "phishing-results.csv",
                _csv(
                    PHISHING_COLUMNS,
                    [
                        [
                            p.campaign,
                            p.email,
                            p.status,
                            p.sent_at or "",
                            p.opened_at or "",
                            p.clicked_at or "",
                            p.submitted_at or "",
                            p.reported_at or "",
                        ]
                        for p in data.phishing
                    ],
                ),
                f"phishing-simulation results sent {period.label()}",
            )
        )
    return Evidence(KIND, "Training and awareness", tuple(files), tuple(gaps))
