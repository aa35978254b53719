"""Campaign progress: decided/total by reviewer, completion over time, due-date reminders."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.review.queries import operator_names
from app.review.records import Progress
from models.review import CAMPAIGN_OPEN, ReviewCampaign, ReviewDecision, ReviewItem

REMIND_DAYS = 7  # reminders start this many days before the due date


def campaign_progress(s: Session, c: ReviewCampaign, today: date) -> Progress:
    """Decided/total by reviewer, completion over time, reminders near the due date."""
    names = operator_names(s)
    by: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    types: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    rows = s.execute(
        select(ReviewItem.reviewer_id, ReviewItem.decision, ReviewItem.finding_types).where(
            ReviewItem.campaign_id == c.id
        )
    ).all()
    for reviewer_id, decision, ftypes in rows:
        who = names.get(reviewer_id, "(unassigned)") if reviewer_id else "(unassigned)"
        by[who][1] += 1
        if decision:
            by[who][0] += 1
            decisions[decision] += 1
        types.update(t for t in (ftypes or "").split(",") if t)
    first_decided: dict[int, str] = {}
    for item_id, at in s.execute(
        select(ReviewDecision.item_id, ReviewDecision.at)
        .where(ReviewDecision.campaign_id == c.id)
        .order_by(ReviewDecision.at)
    ):
        first_decided.setdefault(item_id, at)
    per_day = Counter(at[:10] for at in first_decided.values())
    running, timeline = 0, []
    for day in sorted(per_day):
        running += per_day[day]
        timeline.append((day, running))
    total = len(rows)
    decided = sum(d for d, _t in by.values())
    days_left = (date.fromisoformat(c.due_date) - today).days if c.due_date else None
    is_open = c.status == CAMPAIGN_OPEN
    overdue = is_open and days_left is not None and days_left < 0 and decided < total
    reminders: list[str] = []
    if is_open and days_left is not None and days_left <= REMIND_DAYS:
        if days_left < 0:
            when = f"overdue by {-days_left} days"
        else:
            when = f"due in {days_left} days" if days_left else "due today"
        for who, (d, t) in sorted(by.items()):
            if t - d:
                reminders.append(f"{who}: {t - d} open items, {when}")
    return Progress(
        total=total,
        decided=decided,
        by_reviewer={k: (v[0], v[1]) for k, v in sorted(by.items())},
        due_date=c.due_date,
        days_left=days_left,
        overdue=overdue,
        reminders=tuple(reminders),
        timeline=tuple(timeline),
        findings_by_type=dict(types.most_common()),
        decisions=dict(decisions),
    )
