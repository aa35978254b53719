"""Findings over the vendor register and the discovered integrations (pure functions).

    token_unused         a token or OAuth client not used for `vendors.unused_after_days`
    excessive_scope      any `impersonate` scope, or a write scope on an integration whose
                         vendor record says it needs read-only access
    app_without_vendor   an app installation, OAuth client or webhook linked to no vendor
    review_overdue       a vendor whose next review date has passed, or never reviewed
    certificate_expired  a vendor certification past its expiry date
    activity_spike       an OAuth token whose user's OAuth requests in the imported access
                         logs grew sharply: at least SPIKE_MIN in the last RECENT_DAYS and
                         SPIKE_RATIO times the weekly average of the BASELINE_DAYS before
                         (Zendesk's access logs name the user and the authorization type,
                         not the token, so the detail says exactly that)

A subject is the integration's or vendor's name; a detail holds dates, counts and scopes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from app.vendors.records import Finding, IntegrationRow, VendorRow

APP_KINDS = ("app_installation", "oauth_client", "webhook")
RECENT_DAYS = 7
BASELINE_DAYS = 28
SPIKE_MIN = 50
SPIKE_RATIO = 3
# access-log authorization types of a request made with an OAuth access token
OAUTH_AUTHORIZATION = ("bearer", "oauth", "oauth_token", "oauth2")
USAGE_KINDS = ("oauth_token", "oauth_client", "api_token")
KIND_WORDS = {
    "app_installation": "app",
    "oauth_client": "OAuth client",
    "oauth_token": "OAuth token",
    "api_token": "API token",
    "webhook": "webhook",
}


def _day(stamp: str | None) -> date | None:
    return None if not stamp else datetime.fromisoformat(stamp.replace("Z", "+00:00")).date()


def is_write(scope: str) -> bool:
    """`write`, or a resource write scope such as `tickets:write`."""
    return scope == "write" or scope.endswith(":write")


def compute(
    vendors: Sequence[VendorRow],
    integrations: Sequence[IntegrationRow],
    *,
    today: date,
    unused_after_days: int,
    activity: Mapping[str, tuple[int, int]] | None = None,
) -> list[Finding]:
    """`activity`: a token user's id -> (OAuth requests in the last RECENT_DAYS, in the
    BASELINE_DAYS before them), from the access logs."""
    by_key = {v.key: v for v in vendors}
    clients = {i.zendesk_id: i for i in integrations if i.kind == "oauth_client"}
    tokens_of: dict[str, list[IntegrationRow]] = {}
    for i in integrations:
        if i.kind == "oauth_token" and i.parent_id:
            tokens_of.setdefault(i.parent_id, []).append(i)
    out: list[Finding] = []

    def vendor_of(i: IntegrationRow) -> VendorRow | None:
        key = i.vendor
        if key is None and i.kind == "oauth_token" and i.parent_id in clients:
            key = clients[i.parent_id].vendor
        return by_key.get(key) if key else None

    def subject(i: IntegrationRow) -> str:
        if i.kind == "oauth_token" and i.parent_id in clients:
            return f"{i.name} ({clients[i.parent_id].name})"
        return i.name

    limit = today - timedelta(days=unused_after_days)
    for i in integrations:
        word = KIND_WORDS[i.kind]
        if i.kind in USAGE_KINDS:
            used = _day(i.used_at)
            if i.kind == "oauth_client":
                uses = [d for t in tokens_of.get(i.zendesk_id, []) if (d := _day(t.used_at))]
                used = max(uses) if uses else None
            created = _day(i.created_at)
            if used is not None and used < limit:
                out.append(
                    Finding(
                        "token_unused",
                        subject(i),
                        f"{word} {i.zendesk_id} not used since {used.isoformat()} "
                        f"({(today - used).days} days; the limit is {unused_after_days})",
                    )
                )
            elif used is None and created is not None and created < limit:
                out.append(
                    Finding(
                        "token_unused",
                        subject(i),
                        f"{word} {i.zendesk_id} never used since it was created on "
                        f"{created.isoformat()} ({(today - created).days} days)",
                    )
                )
        scopes = set(i.scopes)
        if i.kind == "oauth_client":
            for t in tokens_of.get(i.zendesk_id, []):
                scopes.update(t.scopes)
        vendor = vendor_of(i)
        if i.kind != "oauth_client":  # a client's tokens are reported themselves
            if "impersonate" in scopes:
                out.append(
                    Finding(
                        "excessive_scope",
                        subject(i),
                        f"{word} {i.zendesk_id} has the impersonate scope (it can act as any user)",
                    )
                )
            writes = sorted(s for s in scopes if is_write(s))
            if writes and vendor is not None and vendor.access == "read":
                out.append(
                    Finding(
                        "excessive_scope",
                        subject(i),
                        f"{word} {i.zendesk_id} has {', '.join(writes)} but vendor "
                        f"{vendor.key} needs read-only access",
                    )
                )
        if i.kind == "oauth_token" and i.user_id and activity and i.user_id in activity:
            spike = _spike(*activity[i.user_id])
            if spike:
                out.append(
                    Finding(
                        "activity_spike",
                        subject(i),
                        f"{word} {i.zendesk_id}: OAuth requests by its user {i.user_id} "
                        f"in the access logs: {spike}",
                    )
                )
        if i.kind in APP_KINDS and vendor is None:
            out.append(
                Finding(
                    "app_without_vendor",
                    subject(i),
                    f"{word} {i.zendesk_id} is linked to no vendor record "
                    f"(link it: privdesk vendors link {i.ref} VENDOR)",
                )
            )
    for v in vendors:
        due = _day(v.next_review) if v.next_review else None
        if due is None and v.last_review:
            due = (_day(v.last_review) or today) + timedelta(days=365)
        if due is None:
            out.append(Finding("review_overdue", v.name, f"vendor {v.key} was never reviewed"))
        elif due < today:
            out.append(
                Finding(
                    "review_overdue",
                    v.name,
                    f"vendor {v.key}: review was due on {due.isoformat()} "
                    f"({(today - due).days} days ago)",
                )
            )
        for c in v.certifications:
            expiry = _day(c.expires_on) if c.expires_on else None
            if expiry is not None and expiry < today:
                out.append(
                    Finding(
                        "certificate_expired",
                        v.name,
                        f"vendor {v.key}: certificate {c.kind} expired on {expiry.isoformat()}",
                    )
                )
    return out


def _spike(recent: int, before: int) -> str:
    """The detail of a sharp growth, or "" when the activity is ordinary."""
    weekly = before * RECENT_DAYS / BASELINE_DAYS
    if recent < SPIKE_MIN or recent < SPIKE_RATIO * weekly:
        return ""
    if before == 0:
        return f"{recent} in the last {RECENT_DAYS} days, none in the {BASELINE_DAYS} before"
    return (
        f"{recent} in the last {RECENT_DAYS} days against a weekly average of {weekly:.0f} "
        f"over the {BASELINE_DAYS} before ({recent / weekly:.1f}x)"
    )
