"""The DSAR vocabulary: request types, channels, statuses and the status machine."""

from __future__ import annotations

from collections.abc import Mapping

REQUEST_TYPES = (
    "access",
    "erasure",
    "rectification",
    "portability",
    "restriction",
    "objection",
    "opt-out-sale",
    "limit-sensitive",
)
# Request types answered with an export package (right of access, data portability).
EXPORT_TYPES = frozenset({"access", "portability"})
CHANNELS = ("email", "web-form", "phone", "post", "in-person", "help-desk", "other")
STATUSES = (
    "new",
    "verifying",
    "in_progress",
    "awaiting_clarification",
    "extended",
    "completed",
    "rejected",
    "withdrawn",
    "duplicate",
)
CLOSED = frozenset({"completed", "rejected", "withdrawn", "duplicate"})
_ENDINGS = frozenset({"rejected", "withdrawn", "duplicate"})
# The explicit status machine: every transition not listed here is refused.
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"verifying", "in_progress"}) | _ENDINGS,
    "verifying": frozenset({"in_progress"}) | _ENDINGS,
    "in_progress": frozenset({"awaiting_clarification", "extended", "completed"}) | _ENDINGS,
    "awaiting_clarification": frozenset({"in_progress", "extended"}) | _ENDINGS,
    "extended": frozenset({"awaiting_clarification", "completed"}) | _ENDINGS,
    "completed": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
    "duplicate": frozenset(),
}
STATUS_TITLES = {
    "new": "New",
    "verifying": "Verifying identity",
    "in_progress": "In progress",
    "awaiting_clarification": "Awaiting clarification",
    "extended": "Extended",
    "completed": "Completed",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "duplicate": "Duplicate",
}
