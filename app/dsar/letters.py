"""Letters to the requester, from templates in ``resources/dsar/`` (``$name`` fields)."""

from __future__ import annotations

from datetime import date
from importlib.resources import files
from string import Template

from app.dsar.errors import DsarError
from app.dsar.records import DeadlineView
from models.dsar import DsarRequest

TITLES = {
    "acknowledgement": "Acknowledgement",
    "identity_request": "Identity request",
    "clarification_request": "Clarification request",
    "extension_notice": "Extension notice",
    "completion": "Completion",
    "refusal": "Refusal",
}
KINDS = tuple(TITLES)
REGIME_TITLES = {
    "uk-gdpr": "the UK GDPR",
    "eu-gdpr": "the GDPR",
    "ccpa": "the California Consumer Privacy Act",
    "vcdpa": "the Virginia Consumer Data Protection Act",
    "lgpd": "the LGPD (Brazil)",
}
REQUEST_TITLES = {
    "access": "access",
    "erasure": "erasure",
    "rectification": "rectification",
    "portability": "data portability",
    "restriction": "restriction",
    "objection": "objection",
    "opt-out-sale": "opt-out of sale/sharing",
    "limit-sensitive": "limit the use of sensitive personal information",
}
_NEEDS_REASONS = ("extension_notice", "refusal", "clarification_request")


def render(kind: str, req: DsarRequest, deadline: DeadlineView, today: date, reasons: str) -> str:
    if kind not in TITLES:
        raise DsarError(f"letter kind must be one of {', '.join(KINDS)}")
    if kind == "extension_notice" and deadline.extended_due is None:
        raise DsarError(f"{req.regime} allows no extension for this request")
    text = (files("resources.dsar") / f"{kind}.txt").read_text(encoding="utf-8")
    gdpr = req.regime in ("uk-gdpr", "eu-gdpr")
    fields = {
        "requester_name": req.requester_name,
        "reference": req.reference,
        "received_date": req.received_date,
        "request_title": REQUEST_TITLES.get(req.request_type, req.request_type),
        "regime_title": REGIME_TITLES.get(req.regime, req.regime),
        "due": deadline.due.isoformat(),
        "original_due": deadline.original_due.isoformat(),
        "extended_due": (deadline.extended_due or deadline.due).isoformat(),
        "today": today.isoformat(),
        "reasons": reasons.strip()
        or ("[Reasons: edit before sending]" if kind in _NEEDS_REASONS else ""),
        "clock_note": "The time limit starts when we receive this information." if gdpr else "",
    }
    body = Template(text).safe_substitute(fields)
    return f"{today.isoformat()}\n\n{body}"
