"""Named columns for the Redaction pane's tables (RowTableModel + proxy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from views.common.table_model import Column

if TYPE_CHECKING:
    from app.redaction.examples import ExampleResult, Miss
    from app.redaction.history import RunInfo
    from app.redaction.service import Sample
    from app.redaction.store import RuleInfo, RuleVersionInfo

# One colour per entity type: highlights, chart bars and the legend agree.
ENTITY_COLOURS = {
    "CREDIT_CARD": "#f4a261",
    "US_SSN": "#e76f51",
    "US_ITIN": "#d62828",
    "IBAN_CODE": "#2a9d8f",
    "EMAIL_ADDRESS": "#8ecae6",
    "PHONE_NUMBER": "#90be6d",
    "IP_ADDRESS": "#b5838d",
    "API_KEY": "#9d4edd",
    "PASSWORD": "#c77dff",
    "PERSON": "#ffd166",
}
OTHER_COLOUR = "#bdbdbd"


def colour_for(entity_type: str) -> str:
    return ENTITY_COLOURS.get(entity_type, OTHER_COLOUR)


def rule_columns() -> list[Column[RuleInfo]]:
    return [
        Column("On", lambda r: "✓" if r.rule.enabled else "—", lambda r: r.rule.enabled),
        Column("Rule", lambda r: r.rule.title, tooltip=lambda r: r.rule.description or r.rule.id),
        Column("Type", lambda r: r.rule.entity_type),
        Column("Score", lambda r: f"{r.rule.score:.2f}", lambda r: r.rule.score, align_right=True),
        Column("Mask", lambda r: str(r.rule.style)),
        Column(
            "Origin",
            lambda r: (
                ("built-in, edited" if r.modified else "built-in") if r.rule.builtin else "custom"
            ),
        ),
        Column("Version", lambda r: str(r.version), lambda r: r.version, align_right=True),
    ]


def version_columns() -> list[Column[RuleVersionInfo]]:
    return [
        Column("Version", lambda v: str(v.version), lambda v: v.version, align_right=True),
        Column("Change", lambda v: v.change),
        Column("When (UTC)", lambda v: v.created_at[:19].replace("T", " ")),
        Column("By", lambda v: v.created_by),
    ]


def example_columns() -> list[Column[ExampleResult]]:
    return [
        Column("", lambda e: "pass" if e.passed else "FAIL", alert=lambda e: not e.passed),
        Column("Rule", lambda e: e.rule_id),
        Column("Kind", lambda e: "must match" if e.kind == "must_match" else "must not match"),
        Column("Example", lambda e: e.text, tooltip=lambda e: e.text),
    ]


def miss_columns() -> list[Column[Miss]]:
    return [
        Column(
            "Kind",
            lambda m: "false positive" if m.kind == "fp" else "false negative",
            alert=lambda m: True,
        ),
        Column("Type", lambda m: m.entity_type),
        Column("Rule", lambda m: m.rule_id or "—"),
        Column("Case", lambda m: str(m.case_id), lambda m: m.case_id, align_right=True),
        Column("Where", lambda m: f"{m.start}–{m.end}", lambda m: m.start),
    ]


def sample_columns() -> list[Column[Sample]]:
    return [
        Column("Ticket", lambda s: f"#{s.ticket_id}", lambda s: s.ticket_id, align_right=True),
        Column("Field", lambda s: s.field),
        Column("Rule", lambda s: s.rule_id),
        Column("Masked excerpt", lambda s: s.excerpt, tooltip=lambda s: s.excerpt),
    ]


def run_columns() -> list[Column[RunInfo]]:
    return [
        Column("Run", lambda r: f"#{r.id}", lambda r: r.id, align_right=True),
        Column("Status", lambda r: r.status, alert=lambda r: r.status in ("running", "cancelled")),
        Column("Started (UTC)", lambda r: r.created_at[:19].replace("T", " ")),
        Column("By", lambda r: r.created_by),
        Column(
            "Progress",
            lambda r: f"{r.done_tickets}/{r.total_tickets}",
            lambda r: r.done_tickets / max(r.total_tickets, 1),
        ),
        Column(
            "Rewritten", lambda r: f"{r.tickets_changed} tickets, {r.comments_changed} comments"
        ),
        Column("Values", lambda r: str(r.findings), lambda r: r.findings, align_right=True),
    ]
