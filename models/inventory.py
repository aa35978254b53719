"""Data inventory, records of processing and retention (prefix ``inv_`` / ``rt_``; migration
1001, branch ``inventory``).

Systems, data categories and processing activities are the Art. 30 record the privacy
officer keeps; list-valued fields are JSON arrays of short labels (category keys, system
keys, subject kinds). A scan stores counts only (field × entity type × month), never text.
Retention policies select tickets or end users; a run keeps its frozen plan (ids only) and a
checkpoint so it resumes after a crash. Hold reasons and simulation samples are personal
text (`PersonalText`): never filtered or sorted on in SQL.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import PersonalText


class InventorySystem(Base):
    """Where data lives: the help desk, its integrations, PrivDesk, backups, exports."""

    __tablename__ = "inv_systems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # helpdesk | integration | backup | …
    owner: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")  # region / country
    vendor: Mapped[str] = mapped_column(String(200), default="")  # hosting vendor
    measures: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))


class InventoryCategory(Base):
    """A category of data, its sensitivity, the engine types that reveal it, and the
    help-desk fields where it is expected (found elsewhere, it is a finding)."""

    __tablename__ = "inv_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    sensitivity: Mapped[str] = mapped_column(String(32))
    entity_types_json: Mapped[str] = mapped_column(Text, default="[]")
    fields_json: Mapped[str] = mapped_column(Text, default="[]")  # where it is expected
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))


class InventoryActivity(Base):
    """A processing activity (one row of the record of processing, GDPR Art. 30(1))."""

    __tablename__ = "inv_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))  # business function
    purpose: Mapped[str] = mapped_column(Text)
    lawful_basis: Mapped[str] = mapped_column(String(40))  # Art. 6(1) point
    special_condition: Mapped[str] = mapped_column(String(40), default="")  # Art. 9(2) point
    legitimate_interest: Mapped[str] = mapped_column(Text, default="")
    subjects_json: Mapped[str] = mapped_column(Text, default="[]")
    categories_json: Mapped[str] = mapped_column(Text, default="[]")  # category keys
    recipients_json: Mapped[str] = mapped_column(Text, default="[]")
    systems_json: Mapped[str] = mapped_column(Text, default="[]")  # system keys
    transfers: Mapped[str] = mapped_column(Text, default="")  # third countries
    safeguard: Mapped[str] = mapped_column(Text, default="")
    retention: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    joint_controller: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[str] = mapped_column(String(40))
    updated_by: Mapped[str] = mapped_column(String(64))


class InventoryScan(Base):
    """One discovery scan: counts per field × entity type (and per month), findings."""

    __tablename__ = "inv_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # done | cancelled
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer, default=0)
    result_json: Mapped[str] = mapped_column(Text, default="{}")  # counts only


class RetentionPolicy(Base):
    __tablename__ = "rt_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    target: Mapped[str] = mapped_column(String(16))  # tickets | users | attachments
    status: Mapped[str | None] = mapped_column(String(32))
    older_than_days: Mapped[int | None] = mapped_column(Integer)
    inactive_days: Mapped[int | None] = mapped_column(Integer)
    tag: Mapped[str | None] = mapped_column(String(120))
    group_ref: Mapped[str | None] = mapped_column(String(120))  # group id or name
    action: Mapped[str] = mapped_column(String(16))  # delete | anonymise | review
    style: Mapped[str] = mapped_column(String(16), default="token")  # anonymise mask style
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))


class RetentionHold(Base):
    """A legal hold by tag (holds on one ticket or person are the DSAR holds, ``ds_holds``)."""

    __tablename__ = "rt_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(PersonalText)
    created_at: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[str | None] = mapped_column(String(40))


class RetentionRun(Base):
    """A run of a policy: the frozen plan (ids), how far it got, and its certificate."""

    __tablename__ = "rt_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("rt_policies.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))  # running | cancelled | done
    started_at: Mapped[str] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    plan_json: Mapped[str] = mapped_column(Text)  # {"ids": [...], "held": [...]}
    done: Mapped[int] = mapped_column(Integer, default=0)  # ids processed so far
    counts_json: Mapped[str] = mapped_column(Text, default="{}")
    certificate_json: Mapped[str] = mapped_column(Text, default="{}")
    certificate_path: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_rt_runs_status", "status"),)
