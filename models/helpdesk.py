"""Help-desk data imported from Zendesk (or CSV): the directory in dated snapshots, tickets.

Directory side — people, identities, custom roles, groups, memberships, organizations and
account auth settings — belongs to a `Snapshot` (kind ``directory``) so quarters can be
compared; HR roster entries belong to a snapshot of kind ``roster``. Tickets, comments and
Zendesk audit/access-log records are not snapshot-scoped: they are upserted by the help
desk's own id (their primary key), with `row_hash` telling whether a re-import changed them.

Every Zendesk field without a column of its own is kept verbatim in `extra_json`; a custom
role's `configuration` is kept verbatim (unknown permission keys included).
Timestamps are UTC strings ``YYYY-MM-DDTHH:MM:SSZ`` (microseconds kept when present).

Full-text search (SQLite FTS5, created by migration 0003; SQLite only):

- ``fts_tickets(subject, description)`` — external content ``hd_tickets``, rowid = ticket id
- ``fts_comments(body)`` — external content ``hd_comments``, rowid = comment id
- ``fts_people(name, emails, phones)`` — own content, rowid = ``hd_people.id`` (the row id,
  not the Zendesk id; join ``hd_people`` for ``zendesk_id`` and ``snapshot_id`` — every
  snapshot's people are indexed, filter on the snapshot you want). ``emails`` holds the
  primary email plus every email identity, ``phones`` the phone and every
  ``phone_number`` identity, space-separated.

Triggers keep all three in step with inserts, updates and deletes (a single deleted
comment leaves the index at once; ``secure-delete`` is on so its tokens are purged, not
just marked). Tokenizer: ``unicode61 remove_diacritics 2`` with the default separators:
``john.doe@example.com`` indexes as ``john doe example com`` and ``+1 (555) 123-4567`` as
``1 555 123 4567``. Query identifiers as FTS5 *phrases* (``"john.doe@example.com"``),
which the same tokenizer splits identically, so trailing punctuation in the text
("…write to john.doe@example.com.") never hides a match; phones written without
separators form one token, so a phone query should OR its common groupings and confirm
candidates on the stored text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# Zendesk ids exceed 2**31; SQLite's INTEGER is 64-bit (and stays a rowid alias as a key).
ZendeskId = BigInteger().with_variant(Integer(), "sqlite")

FTS_TOKENIZE = "unicode61 remove_diacritics 2"
FTS_TABLES = {
    "fts_tickets": ("subject", "description"),
    "fts_comments": ("body",),
    "fts_people": ("name", "emails", "phones"),
}

SNAPSHOT_DIRECTORY = "directory"
SNAPSHOT_ROSTER = "roster"
STAFF_ROLES = ("agent", "admin")


class Snapshot(Base):
    """One import of the directory (or of the HR roster), as it was on that date."""

    __tablename__ = "hd_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # directory | roster
    source: Mapped[str] = mapped_column(String(32))  # zendesk | csv:agents | csv:people | …
    created_at: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))  # content digest, for idempotent re-import
    counts_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_hd_snapshots_kind_id", "kind", "id"),)


def _snapshot_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("hd_snapshots.id", ondelete="CASCADE"))


class Person(Base):
    """A help-desk user: end user, agent or admin (`zendesk_id` is None only from CSV)."""

    __tablename__ = "hd_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int | None] = mapped_column(ZendeskId)
    external_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # end-user | agent | admin
    role_type: Mapped[int | None] = mapped_column(Integer)
    custom_role_id: Mapped[int | None] = mapped_column(ZendeskId)
    restricted_agent: Mapped[bool | None] = mapped_column(Boolean)
    suspended: Mapped[bool | None] = mapped_column(Boolean)
    active: Mapped[bool | None] = mapped_column(Boolean)
    two_factor_auth_enabled: Mapped[bool | None] = mapped_column(Boolean)
    last_login_at: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    organization_id: Mapped[int | None] = mapped_column(ZendeskId)
    default_group_id: Mapped[int | None] = mapped_column(ZendeskId)
    shared_agent: Mapped[bool | None] = mapped_column(Boolean)
    report_csv: Mapped[bool | None] = mapped_column(Boolean)
    only_private_comments: Mapped[bool | None] = mapped_column(Boolean)
    ticket_restriction: Mapped[str | None] = mapped_column(String(32))
    tags_json: Mapped[str] = mapped_column(Text, default="[]")
    # Group names from a CSV import (Zendesk groups are hd_groups + hd_group_memberships).
    groups_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint("snapshot_id", "zendesk_id", name="uq_hd_people_snapshot_zendesk"),
        Index("ix_hd_people_snapshot_role", "snapshot_id", "role"),
    )


class Identity(Base):
    """An email address, phone number, … of a person (`user_id` is the Zendesk user id)."""

    __tablename__ = "hd_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int] = mapped_column(ZendeskId)
    user_id: Mapped[int] = mapped_column(ZendeskId)
    type: Mapped[str] = mapped_column(String(32))  # email | phone_number | twitter | …
    value: Mapped[str | None] = mapped_column(String(320))
    verified: Mapped[bool | None] = mapped_column(Boolean)
    primary: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint("snapshot_id", "zendesk_id", name="uq_hd_identities_snapshot_zendesk"),
        Index("ix_hd_identities_snapshot_user", "snapshot_id", "user_id"),
    )


class CustomRole(Base):
    __tablename__ = "hd_custom_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int] = mapped_column(ZendeskId)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    role_type: Mapped[int | None] = mapped_column(Integer)
    team_member_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    configuration_json: Mapped[str] = mapped_column(Text, default="{}")  # verbatim
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint("snapshot_id", "zendesk_id", name="uq_hd_custom_roles_snapshot_zendesk"),
    )


class HelpdeskGroup(Base):
    __tablename__ = "hd_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int] = mapped_column(ZendeskId)
    name: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool | None] = mapped_column(Boolean)
    deleted: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint("snapshot_id", "zendesk_id", name="uq_hd_groups_snapshot_zendesk"),
    )


class GroupMembership(Base):
    __tablename__ = "hd_group_memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int] = mapped_column(ZendeskId)
    user_id: Mapped[int] = mapped_column(ZendeskId)
    group_id: Mapped[int] = mapped_column(ZendeskId)
    is_default: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint(
            "snapshot_id", "zendesk_id", name="uq_hd_group_memberships_snapshot_zendesk"
        ),
    )


class Organization(Base):
    __tablename__ = "hd_organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    zendesk_id: Mapped[int] = mapped_column(ZendeskId)
    name: Mapped[str | None] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    domain_names_json: Mapped[str] = mapped_column(Text, default="[]")
    tags_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        UniqueConstraint("snapshot_id", "zendesk_id", name="uq_hd_organizations_snapshot_zendesk"),
    )


class AuthSettings(Base):
    """Account sign-in settings: Zendesk 2FA does not apply to SSO sign-ins."""

    __tablename__ = "hd_auth_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("hd_snapshots.id", ondelete="CASCADE"), unique=True
    )
    sso_enabled: Mapped[bool | None] = mapped_column(Boolean)  # None: not in the export
    methods_json: Mapped[str] = mapped_column(Text, default="[]")  # enabled sign-in methods
    settings_json: Mapped[str] = mapped_column(Text, default="{}")  # verbatim


class Ticket(Base):
    __tablename__ = "hd_tickets"

    id: Mapped[int] = mapped_column(ZendeskId, primary_key=True, autoincrement=False)
    external_id: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(32))
    type: Mapped[str | None] = mapped_column(String(32))
    requester_id: Mapped[int | None] = mapped_column(ZendeskId, index=True)
    submitter_id: Mapped[int | None] = mapped_column(ZendeskId)
    assignee_id: Mapped[int | None] = mapped_column(ZendeskId, index=True)
    organization_id: Mapped[int | None] = mapped_column(ZendeskId)
    group_id: Mapped[int | None] = mapped_column(ZendeskId)
    collaborator_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    follower_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    email_cc_ids_json: Mapped[str] = mapped_column(Text, default="[]")
    tags_json: Mapped[str] = mapped_column(Text, default="[]")
    custom_fields_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    row_hash: Mapped[str] = mapped_column(String(64))


class Comment(Base):
    __tablename__ = "hd_comments"

    id: Mapped[int] = mapped_column(ZendeskId, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(
        ZendeskId, ForeignKey("hd_tickets.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ZendeskId, index=True)
    body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    plain_body: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[str | None] = mapped_column(String(40))
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    row_hash: Mapped[str] = mapped_column(String(64))


class ZendeskAuditLog(Base):
    """A record of Zendesk's own audit log (account changes, logins, exports)."""

    __tablename__ = "hd_audit_logs"

    id: Mapped[int] = mapped_column(ZendeskId, primary_key=True, autoincrement=False)
    action: Mapped[str | None] = mapped_column(String(32))
    action_label: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ZendeskId, index=True)
    actor_name: Mapped[str | None] = mapped_column(String(255))
    source_type: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[int | None] = mapped_column(ZendeskId)
    source_label: Mapped[str | None] = mapped_column(Text)
    change_description: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[str | None] = mapped_column(String(40), index=True)
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    row_hash: Mapped[str] = mapped_column(String(64))


class AccessLog(Base):
    """A Zendesk access-log record (who read what, ADPP); ids kept as text."""

    __tablename__ = "hd_access_logs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    timestamp: Mapped[str | None] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ZendeskId, index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    authorization_type: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str | None] = mapped_column(Text)
    extra_json: Mapped[str] = mapped_column(Text, default="{}")
    row_hash: Mapped[str] = mapped_column(String(64))


class RosterEntry(Base):
    """One employee from an HR roster import (snapshot kind ``roster``)."""

    __tablename__ = "hd_roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = _snapshot_fk()
    email: Mapped[str] = mapped_column(String(320))  # lower-cased
    employee_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str | None] = mapped_column(String(32))  # lower-cased: active, terminated…
    department: Mapped[str | None] = mapped_column(String(255))
    manager: Mapped[str | None] = mapped_column(String(320))
    end_date: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD
    extra_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (UniqueConstraint("snapshot_id", "email", name="uq_hd_roster_snapshot_email"),)
