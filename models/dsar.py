"""DSAR queue tables (prefix ``ds_``; migration 0301, branch ``dsar``).

A request carries the requester's identifiers as they gave them (the record of handling
the request outlives an erasure of their help-desk data); its timeline is `ds_events`
(every status change, verification, letter, locate, export and erasure, with the
operator). Dates that decide deadlines are the controller's local dates (``YYYY-MM-DD``);
instants are UTC strings ``YYYY-MM-DDTHH:MM:SSZ``. Legal holds live here too, so the
help-desk (``hd_``) tables are never altered.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.helpdesk import ZendeskId


class DsarRequest(Base):
    __tablename__ = "ds_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    requester_name: Mapped[str] = mapped_column(String(255))
    emails_json: Mapped[str] = mapped_column(Text, default="[]")
    phones_json: Mapped[str] = mapped_column(Text, default="[]")
    ids_json: Mapped[str] = mapped_column(Text, default="[]")  # customer / external ids
    request_type: Mapped[str] = mapped_column(String(32))
    regime: Mapped[str] = mapped_column(String(16))
    calendar: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[str] = mapped_column(String(40))  # UTC
    received_date: Mapped[str] = mapped_column(String(10))  # controller's local date
    channel: Mapped[str] = mapped_column(String(32))
    agent: Mapped[str | None] = mapped_column(String(255))  # authorised agent
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32), index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_notice_date: Mapped[str | None] = mapped_column(String(10))
    extension_reasons: Mapped[str | None] = mapped_column(Text)
    identity_date: Mapped[str | None] = mapped_column(String(10))
    fee_date: Mapped[str | None] = mapped_column(String(10))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("ds_requests.id", ondelete="SET NULL")
    )
    closed_date: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    # Optimistic concurrency (migration 0304): every step on the request bumps `version` in
    # an UPDATE … WHERE version = old; `changed_by`/`changed_at` (operator username, UTC)
    # say who made the current version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[str | None] = mapped_column(String(40))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it once)


def _request_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("ds_requests.id", ondelete="CASCADE"), index=True)


class DsarEvent(Base):
    """One line of a request's timeline."""

    __tablename__ = "ds_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # status | verify | letter | locate | …
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str | None] = mapped_column(Text)  # a letter's text
    details_json: Mapped[str] = mapped_column(Text, default="{}")


class DsarPause(Base):
    """Clarification asked (start) and received (end, None while waiting)."""

    __tablename__ = "ds_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    start_date: Mapped[str] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))


class DsarVerification(Base):
    """How identity was verified; an evidence note, never a copy of an ID document."""

    __tablename__ = "ds_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    method: Mapped[str] = mapped_column(String(64))
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[str] = mapped_column(String(40))


class DsarItem(Base):
    """A located record and whether the officer includes it in the response."""

    __tablename__ = "ds_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    source: Mapped[str] = mapped_column(String(32))  # person | requested | cc | authored | mention
    kind: Mapped[str] = mapped_column(String(16))  # person | ticket | comment
    ref: Mapped[int] = mapped_column(ZendeskId)  # hd_people.zendesk_id / ticket id / comment id
    ticket_id: Mapped[int | None] = mapped_column(ZendeskId)
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    included: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("request_id", "kind", "ref", name="uq_ds_items_request_kind_ref"),
    )


class DsarHold(Base):
    """Keeps a ticket or person out of any erasure: legal hold, retention rule, dispute."""

    __tablename__ = "ds_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16))  # ticket | person
    object_ref: Mapped[int] = mapped_column(ZendeskId)  # ticket id / Zendesk user id
    basis: Mapped[str] = mapped_column(String(32))  # legal-hold | retention-rule | open-dispute
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_ds_holds_object", "object_type", "object_ref"),)


class DsarErasure(Base):
    """The certificate and help-desk plan of one erasure (ids and counts only)."""

    __tablename__ = "ds_erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = _request_fk()
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    certificate_json: Mapped[str] = mapped_column(Text)
    plan_json: Mapped[str] = mapped_column(Text)


class DsarTombstone(Base):
    """An erased subject's Zendesk id or identifier, as a keyed hash only (migration 0303).

    `digest` is HMAC-SHA256 under the workspace's tombstone key of ``kind NUL value``
    (value normalised: see ``app.dsar.tombstones``); no clear value is ever stored. Imports
    skip records that match, so an erased person stays erased after a re-import.
    """

    __tablename__ = "ds_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # user_id | email | phone | external_id
    digest: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("ds_requests.id", ondelete="SET NULL")
    )
    created_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("kind", "digest", name="uq_ds_tombstones_kind_digest"),)
