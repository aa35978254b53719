"""The summary paragraph of a request: who, what, under which regime, and when it is due."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from app.dsar.vocabulary import STATUS_TITLES
from views.dsar.tables import STATE_TITLES

if TYPE_CHECKING:
    from app.dsar.records import RequestDetail


def detail_html(d: RequestDetail) -> str:
    e = html.escape
    s, dl = d.summary, d.summary.deadline
    ids = ", ".join(e(x) for x in (*d.emails, *d.phones, *d.ids))
    due = f"<b>{dl.due}</b> ({STATE_TITLES[dl.state].lower()}"
    due += f", {dl.days_left:+d} days)" if dl.state != "closed" else ")"
    extra = []
    if dl.acknowledge_by:
        extra.append(f"acknowledge by {dl.acknowledge_by}")
    if dl.extended_due and not s.extended:
        extra.append(f"extendable to {dl.extended_due}")
    if dl.paused_days or dl.paused_now:
        extra.append(f"{dl.paused_days} paused days" + (" (paused now)" if dl.paused_now else ""))
    verified = (
        f"verified by {e(d.verifications[-1].verified_by)} ({e(d.verifications[-1].method)})"
        if d.verifications
        else "identity not verified yet"
    )
    return (
        f"<b>{e(s.reference)}</b> · {e(s.requester_name)} · {e(s.request_type)} under "
        f"{e(s.regime)} · <i>{e(STATUS_TITLES[s.status])}</i><br>"
        f"Identifiers: {ids or '—'}"
        + (" <i>(masked)</i>" if d.masked and ids else "")
        + f" · via {e(d.channel)}"
        + (f" · agent {e(d.agent)}" if d.agent else "")
        + f"<br>Received {s.received_date} · clock from {dl.clock_start} · legal due {due}"
        f" · 28-day target {dl.internal_target}"
        + (f" · {', '.join(extra)}" if extra else "")
        + f"<br>Calendar {e(d.calendar or 'weekends only')} · {verified}"
        + (f"<br>Outcome: {e(d.outcome_reason)}" if d.outcome_reason else "")
    )
