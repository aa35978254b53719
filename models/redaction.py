"""Redaction: the versioned rule store, the workspace pseudonym key, history-redaction runs
and labelled test cases (issue 5). Tables are prefixed ``rd_``.

- ``rd_rules`` — one row per rule that differs from the shipped defaults: every custom
  rule, and every built-in rule that was edited, disabled or removed. Built-in rules
  that were never touched live only in ``resources/redaction/builtin.toml``.
- ``rd_rule_versions`` — every saved state of a rule (``definition_json`` is the rule as
  in the TOML file); a change appends a row, nothing is overwritten.
- ``rd_keys`` — the HMAC key of keyed pseudonyms (random, inside the encrypted store, so
  it survives key rotation and the same value keeps its token).
- ``rd_runs`` — a history-redaction run: the rule set it applies (frozen, so a resumed
  run behaves exactly as it started), its checkpoint (``last_ticket_id``) and counts.
- ``rd_cases`` — labelled test texts for precision/recall (``labels_json``: a list of
  ``{"start", "end", "type"}`` in code points).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.helpdesk import ZendeskId


class RedactionRule(Base):
    __tablename__ = "rd_rules"

    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))


class RedactionRuleVersion(Base):
    __tablename__ = "rd_rule_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))  # create | edit | enable | disable | …
    definition_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("rule_id", "version", name="uq_rd_rule_versions_rule_version"),
    )


class RedactionKey(Base):
    __tablename__ = "rd_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(40))


class RedactionRun(Base):
    __tablename__ = "rd_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # running | cancelled | done
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    rule_ids_json: Mapped[str] = mapped_column(Text)
    ruleset_json: Mapped[str] = mapped_column(Text)  # the rules as applied (no values)
    style: Mapped[str] = mapped_column(String(16))
    total_tickets: Mapped[int] = mapped_column(Integer, default=0)
    done_tickets: Mapped[int] = mapped_column(Integer, default=0)
    last_ticket_id: Mapped[int] = mapped_column(ZendeskId, default=0)
    tickets_changed: Mapped[int] = mapped_column(Integer, default=0)
    comments_changed: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_rd_runs_status", "status"),)


class RedactionCase(Base):
    __tablename__ = "rd_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    labels_json: Mapped[str] = mapped_column(Text, default="[]")
    source: Mapped[str] = mapped_column(String(32))  # typed | import | demo
    created_at: Mapped[str] = mapped_column(String(40))
