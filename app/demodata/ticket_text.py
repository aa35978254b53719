"""The ticket text of the demo: topics, conversation templates and the sentences that carry
planted PII or decoys, read from ``resources/demodata/tickets.toml``.

Placeholders: entity slots (labelled, valid PII) and decoy slots (labelled, must not be
detected) are listed below; everything else is plain context filled from the ticket.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from app.demodata import pii

ENTITY_SLOTS = {
    "card": pii.CREDIT_CARD,
    "ssn": pii.US_SSN,
    "iban": pii.IBAN_CODE,
    "email": pii.EMAIL_ADDRESS,
    "req_email": pii.EMAIL_ADDRESS,
    "support_email": pii.EMAIL_ADDRESS,
    "phone": pii.PHONE_NUMBER,
    "support_phone": pii.PHONE_NUMBER,
}
DECOY_SLOTS = {
    "order": pii.ORDER_NUMBER,
    "tracking": pii.TRACKING_NUMBER,
    "ms": pii.MS_TIMESTAMP,
    "iso": pii.ISO_TIMESTAMP,
    "uuid": pii.UUID_DECOY,
    "badcard": pii.INVALID_LUHN,
    "ssnlike": pii.SSN_LIKE,
    "badiban": pii.INVALID_IBAN,
}


@dataclass(frozen=True)
class Variant:
    """One kind of conversation: subject, opening message, fitting replies and a closer."""

    subjects: tuple[str, ...]
    opener: str
    replies: tuple[str, ...]
    followups: tuple[str, ...]
    closer: str


@dataclass(frozen=True)
class Topic:
    key: str
    weight: int  # how often tickets are about this topic, relative to the others
    group: str
    type: str | None
    tags: tuple[str, ...]
    variants: tuple[Variant, ...]
    notes: tuple[str, ...]
    pii_weights: dict[str, int]
    decoy_weights: dict[str, int]


@dataclass(frozen=True)
class TicketText:
    """Everything `tickets.toml` holds; the sentence tables are keyed by slot name."""

    topics: tuple[Topic, ...]
    customer_pii: dict[str, tuple[str, ...]]
    note_pii: dict[str, tuple[str, ...]]
    customer_decoys: dict[str, tuple[str, ...]]
    agent_followups: tuple[str, ...]
    agent_decoys: dict[str, tuple[str, ...]]


def _sentences(table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {slot: tuple(lines) for slot, lines in table.items()}


def _topic(data: dict[str, Any]) -> Topic:
    return Topic(
        key=data["key"],
        weight=data["weight"],
        group=data["group"],
        type=data.get("type"),
        tags=tuple(data["tags"]),
        variants=tuple(
            Variant(
                subjects=tuple(v["subjects"]),
                opener=v["opener"],
                replies=tuple(v["replies"]),
                followups=tuple(v["followups"]),
                closer=v["closer"],
            )
            for v in data["variant"]
        ),
        notes=tuple(data["notes"]),
        pii_weights=dict(data["pii_weights"]),
        decoy_weights=dict(data["decoy_weights"]),
    )


@functools.cache
def ticket_text() -> TicketText:
    """The packaged ticket text, parsed once per process."""
    raw = resources.files("resources.demodata").joinpath("tickets.toml").read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    return TicketText(
        topics=tuple(_topic(t) for t in data["topic"]),
        customer_pii=_sentences(data["customer_pii"]),
        note_pii=_sentences(data["note_pii"]),
        customer_decoys=_sentences(data["customer_decoys"]),
        agent_followups=tuple(data["agent"]["followups"]),
        agent_decoys=_sentences(data["agent_decoys"]),
    )


SLOT = re.compile(r"\{(\w+)\}")
_SPLIT_CACHE: dict[str, list[str]] = {}


def split_template(template: str) -> list[str]:
    """Even indexes are literal text, odd indexes slot names (re.split with one group)."""
    cached = _SPLIT_CACHE.get(template)
    if cached is None:
        cached = _SPLIT_CACHE[template] = SLOT.split(template)
    return cached
