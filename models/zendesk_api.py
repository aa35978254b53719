"""The Zendesk API connection and the state of its syncs (issue 18).

- ``zd_connection``: at most one row (id 1): where the help desk is, who the token belongs
  to, and the token itself (``PersonalText``: sealed on PostgreSQL; on SQLCipher the whole
  file is encrypted). The token is never written anywhere else.
- ``zd_sync_state``: one row per object type: the cursor of the page to fetch next (or,
  for an incremental export, the cursor the next sync starts from), whether a sync of it
  is under way, its page and object counts, and when it last completed.
- ``zd_staged``: the pages of a directory sync under way, one row per page, written in
  the same transaction as the cursor that follows it; the finished sync turns them into
  one snapshot and deletes them in that snapshot's transaction.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import PersonalString, PersonalText


class ZendeskConnection(Base):
    __tablename__ = "zd_connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subdomain: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(PersonalString(255), nullable=True)
    auth: Mapped[str] = mapped_column(String(8))  # token | oauth
    token: Mapped[str] = mapped_column(PersonalText)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_name: Mapped[str | None] = mapped_column(PersonalString(255), nullable=True)
    owner_role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    connected_at: Mapped[str] = mapped_column(String(40))
    connected_by: Mapped[str] = mapped_column(String(64))
    budget_json: Mapped[str] = mapped_column(Text, default="{}")  # last rate-limit headers


class ZendeskSyncState(Base):
    __tablename__ = "zd_sync_state"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    running: Mapped[bool] = mapped_column(Boolean, default=False)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    objects: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_sync_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_objects: Mapped[int] = mapped_column(Integer, default=0)


class ZendeskStaged(Base):
    __tablename__ = "zd_staged"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    page: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(PersonalText)  # the page's records, JSON

    __table_args__ = (Index("ix_zd_staged_kind_page", "kind", "page"),)
