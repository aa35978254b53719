"""The detection engine: rules over events, pure (no database, no clock of its own).

`evaluate(rule, events, new_from, tz)` gets every event of the rule's source in the look
back the rule needs (`lookback(rule)`) plus the new ones, in time order; `new_from` is the
index of the first new event. A finding is reported only when one of its events is new,
so re-reading history never raises an old finding again, and its `key` (rule, actor id,
an event id or a local date — never a name or an address) makes it idempotent.
"""

from __future__ import annotations

import ipaddress
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.monitoring.rules import Rule

ALL_ACTORS = "*"


@dataclass(frozen=True)
class Event:
    """One source record, normalised: who (an id), when, from where, what (rule fields)."""

    source: str
    id: str
    at: datetime
    actor: str  # Zendesk user id, operator username, or a hash for an unknown account
    ip: str | None
    fields: Mapping[str, str]
    line: str  # the evidence line: "GET /api/v2/users/12.json (200)"
    actor_name: str = ""  # as the source names the actor (personal data; display only)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    key: str
    actor: str
    events: tuple[Event, ...]
    ip: str | None = None
    note: str = ""  # what made it fire: "45 reads in 10 min", "new range 203.0.113.0/24"
    extra: dict[str, str] = field(default_factory=dict)


def lookback(rule: Rule) -> timedelta:
    """How much history before the first new event the rule needs."""
    if rule.kind == "threshold":
        return timedelta(minutes=rule.param("window_minutes"))
    if rule.kind in ("baseline", "new_ip"):
        return timedelta(days=rule.param("baseline_days") + 1)
    return timedelta(0)


def _group(rule: Rule, event: Event) -> str:
    return ALL_ACTORS if rule.params.get("group_by") == "all" else event.actor


def evaluate(rule: Rule, events: Sequence[Event], new_from: int, tz: ZoneInfo) -> list[Finding]:
    """Findings of `rule`; `events[new_from:]` are the new ones (all in time order)."""
    if not rule.enabled:
        return []
    matching = [(n >= new_from, e) for n, e in enumerate(events) if rule.matches(e.fields)]
    if not any(new for new, _ in matching):
        return []
    if rule.kind == "event":
        return [Finding(rule, f"{rule.id}|{e.id}", e.actor, (e,)) for new, e in matching if new]
    groups: dict[str, list[tuple[bool, Event]]] = defaultdict(list)
    for new, e in matching:
        groups[_group(rule, e)].append((new, e))
    out: list[Finding] = []
    for actor, items in groups.items():
        if rule.kind == "threshold":
            out += _threshold(rule, actor, items)
        elif rule.kind == "baseline":
            out += _baseline(rule, actor, items, tz)
        elif rule.kind == "off_hours":
            out += _off_hours(rule, actor, items, tz)
        else:
            out += _new_ip(rule, actor, items)
    return sorted(out, key=lambda f: (f.events[0].at, f.key))


def _threshold(rule: Rule, actor: str, items: list[tuple[bool, Event]]) -> list[Finding]:
    """Bursts: runs of events during which `count` of them fall within the window."""
    count, window = rule.param("count"), timedelta(minutes=rule.param("window_minutes"))
    out: list[Finding] = []
    burst: dict[int, tuple[bool, Event]] = {}
    start = 0
    for end, (_, e) in enumerate(items):
        while e.at - items[start][1].at >= window:
            start += 1
        if burst and start > max(burst):
            out += _burst(rule, actor, burst, count, window)
            burst = {}
        if end - start + 1 >= count:
            burst.update((n, items[n]) for n in range(start, end + 1))
    if burst:
        out += _burst(rule, actor, burst, count, window)
    return out


def _burst(
    rule: Rule, actor: str, burst: Mapping[int, tuple[bool, Event]], count: int, window: timedelta
) -> list[Finding]:
    ordered = [burst[n] for n in sorted(burst)]
    if not any(new for new, _ in ordered):
        return []
    events = tuple(e for _, e in ordered)
    minutes = int(window.total_seconds() // 60)
    note = f"{len(events)} matching events; {count} or more within {minutes} min"
    return [Finding(rule, f"{rule.id}|{actor}|{events[0].id}", actor, events, note=note)]


def _local_day(e: Event, tz: ZoneInfo) -> str:
    return e.at.astimezone(tz).date().isoformat()


def _baseline(
    rule: Rule, actor: str, items: list[tuple[bool, Event]], tz: ZoneInfo
) -> list[Finding]:
    days: dict[str, list[tuple[bool, Event]]] = defaultdict(list)
    for item in items:
        days[_local_day(item[1], tz)].append(item)
    span, factor = rule.param("baseline_days"), float(rule.param("factor"))
    out: list[Finding] = []
    for day, today in sorted(days.items()):
        if not any(new for new, _ in today):
            continue
        first = datetime.fromisoformat(day).date()
        before = sum(
            len(v)
            for d, v in days.items()
            if first - timedelta(days=span) <= datetime.fromisoformat(d).date() < first
        )
        # The actor's own history: the look back, or less for an actor newer than it.
        known = min(span, (first - min(datetime.fromisoformat(d).date() for d in days)).days)
        average = before / known if known > 0 else 0.0
        if before == 0 or len(today) < rule.param("min_count") or len(today) <= factor * average:
            continue
        events = tuple(e for _, e in today)
        note = f"{len(events)} matching events on {day}; own {known}-day average {average:.1f}/day"
        out.append(Finding(rule, f"{rule.id}|{actor}|{day}", actor, events, note=note))
    return out


def _off_hours(
    rule: Rule, actor: str, items: list[tuple[bool, Event]], tz: ZoneInfo
) -> list[Finding]:
    start, end = rule.param("start_hour"), rule.param("end_hour")
    weekends = rule.param("weekends")
    days: dict[str, list[Event]] = defaultdict(list)
    for new, e in items:
        local = e.at.astimezone(tz)
        outside = not start <= local.hour < end or (weekends and local.weekday() >= 5)
        if new and outside:
            days[local.date().isoformat()].append(e)
    note = f"outside {start:02d}:00–{end:02d}:00{' and weekends' if weekends else ''} ({tz.key})"
    return [
        Finding(rule, f"{rule.id}|{actor}|{day}", actor, tuple(evs), note=note)
        for day, evs in sorted(days.items())
    ]


def network(ip: str | None, v4: int, v6: int) -> str | None:
    """The address range an IP falls in (/v4 or /v6); None for a missing or bad address."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    bits = v4 if address.version == 4 else v6
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _new_ip(rule: Rule, actor: str, items: list[tuple[bool, Event]]) -> list[Finding]:
    span = timedelta(days=rule.param("baseline_days"))
    v4, v6, needed = rule.param("prefix_v4"), rule.param("prefix_v6"), rule.param("min_history")
    seen: deque[tuple[datetime, str | None]] = deque()
    counts: Counter[str | None] = Counter()
    open_findings: dict[str, list[Event]] = {}
    out_order: list[str] = []
    for new, e in items:
        while seen and e.at - seen[0][0] > span:
            _, old = seen.popleft()
            counts[old] -= 1
        net = network(e.ip, v4, v6)
        if new and net is not None:
            if net in open_findings:
                open_findings[net].append(e)
            elif len(seen) >= needed and counts[net] <= 0:
                open_findings[net] = [e]
                out_order.append(net)
        seen.append((e.at, net))
        counts[net] += 1
    return [
        Finding(
            rule,
            f"{rule.id}|{actor}|{open_findings[net][0].id}",
            actor,
            tuple(open_findings[net]),
            ip=open_findings[net][0].ip,
            note=f"first use of {net} in {span.days} days",
        )
        for net in out_order
    ]


def evaluate_all(
    rules: Iterable[Rule], by_source: Mapping[str, tuple[Sequence[Event], int]], tz: ZoneInfo
) -> list[Finding]:
    """Every rule over its source's (events, first new index)."""
    out: list[Finding] = []
    for rule in rules:
        events, new_from = by_source.get(rule.source, ((), 0))
        out += evaluate(rule, events, new_from, tz)
    return out
