"""Help-desk data: directory snapshots, tickets, comments, logs, roster; FTS5 indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Zendesk ids exceed 2**31; on SQLite INTEGER is 64-bit and stays a rowid alias.
ZID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TOKENIZE = "unicode61 remove_diacritics 2"

SNAPSHOT_SCOPED = (
    "hd_people",
    "hd_identities",
    "hd_custom_roles",
    "hd_groups",
    "hd_group_memberships",
    "hd_organizations",
    "hd_roster",
)


def _ts(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(40), nullable=True)


def _json(name: str, default: str) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=False, server_default=default)


def _snapshot(table: str) -> list[Any]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["hd_snapshots.id"],
            ondelete="CASCADE",
            name=f"fk_{table}_snapshot_id_hd_snapshots",
        ),
    ]


def _zendesk_unique(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint("snapshot_id", "zendesk_id", name=f"uq_{table}_snapshot_zendesk")


def upgrade() -> None:
    op.create_table(
        "hd_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        _json("counts_json", "{}"),
        sa.PrimaryKeyConstraint("id", name="pk_hd_snapshots"),
    )
    op.create_index("ix_hd_snapshots_kind_id", "hd_snapshots", ["kind", "id"])
    op.create_table(
        "hd_people",
        *_snapshot("hd_people"),
        sa.Column("zendesk_id", ZID, nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("role_type", sa.Integer(), nullable=True),
        sa.Column("custom_role_id", ZID, nullable=True),
        sa.Column("restricted_agent", sa.Boolean(), nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("two_factor_auth_enabled", sa.Boolean(), nullable=True),
        _ts("last_login_at"),
        _ts("created_at"),
        _ts("updated_at"),
        sa.Column("organization_id", ZID, nullable=True),
        sa.Column("default_group_id", ZID, nullable=True),
        sa.Column("shared_agent", sa.Boolean(), nullable=True),
        sa.Column("report_csv", sa.Boolean(), nullable=True),
        sa.Column("only_private_comments", sa.Boolean(), nullable=True),
        sa.Column("ticket_restriction", sa.String(32), nullable=True),
        _json("tags_json", "[]"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_people"),
    )
    op.create_index("ix_hd_people_snapshot_role", "hd_people", ["snapshot_id", "role"])
    op.create_table(
        "hd_identities",
        *_snapshot("hd_identities"),
        sa.Column("zendesk_id", ZID, nullable=False),
        sa.Column("user_id", ZID, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(320), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("primary", sa.Boolean(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_identities"),
    )
    op.create_index("ix_hd_identities_snapshot_user", "hd_identities", ["snapshot_id", "user_id"])
    op.create_table(
        "hd_custom_roles",
        *_snapshot("hd_custom_roles"),
        sa.Column("zendesk_id", ZID, nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("role_type", sa.Integer(), nullable=True),
        sa.Column("team_member_count", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _json("configuration_json", "{}"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_custom_roles"),
    )
    op.create_table(
        "hd_groups",
        *_snapshot("hd_groups"),
        sa.Column("zendesk_id", ZID, nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_groups"),
    )
    op.create_table(
        "hd_group_memberships",
        *_snapshot("hd_group_memberships"),
        sa.Column("zendesk_id", ZID, nullable=False),
        sa.Column("user_id", ZID, nullable=False),
        sa.Column("group_id", ZID, nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_group_memberships"),
    )
    op.create_table(
        "hd_organizations",
        *_snapshot("hd_organizations"),
        sa.Column("zendesk_id", ZID, nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        _json("domain_names_json", "[]"),
        _json("tags_json", "[]"),
        _ts("created_at"),
        _ts("updated_at"),
        _json("extra_json", "{}"),
        _zendesk_unique("hd_organizations"),
    )
    op.create_table(
        "hd_auth_settings",
        *_snapshot("hd_auth_settings"),
        sa.Column("sso_enabled", sa.Boolean(), nullable=True),
        _json("methods_json", "[]"),
        _json("settings_json", "{}"),
        sa.UniqueConstraint("snapshot_id", name="uq_hd_auth_settings_snapshot_id"),
    )
    op.create_table(
        "hd_roster",
        *_snapshot("hd_roster"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("employee_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("department", sa.String(255), nullable=True),
        sa.Column("manager", sa.String(320), nullable=True),
        sa.Column("end_date", sa.String(10), nullable=True),
        _json("extra_json", "{}"),
        sa.UniqueConstraint("snapshot_id", "email", name="uq_hd_roster_snapshot_email"),
    )
    op.create_table(
        "hd_tickets",
        sa.Column("id", ZID, nullable=False, autoincrement=False),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("priority", sa.String(32), nullable=True),
        sa.Column("type", sa.String(32), nullable=True),
        sa.Column("requester_id", ZID, nullable=True),
        sa.Column("submitter_id", ZID, nullable=True),
        sa.Column("assignee_id", ZID, nullable=True),
        sa.Column("organization_id", ZID, nullable=True),
        sa.Column("group_id", ZID, nullable=True),
        _json("collaborator_ids_json", "[]"),
        _json("follower_ids_json", "[]"),
        _json("email_cc_ids_json", "[]"),
        _json("tags_json", "[]"),
        _json("custom_fields_json", "[]"),
        _ts("created_at"),
        _ts("updated_at"),
        _json("extra_json", "{}"),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hd_tickets"),
    )
    op.create_index("ix_hd_tickets_requester_id", "hd_tickets", ["requester_id"])
    op.create_index("ix_hd_tickets_assignee_id", "hd_tickets", ["assignee_id"])
    op.create_table(
        "hd_comments",
        sa.Column("id", ZID, nullable=False, autoincrement=False),
        sa.Column("ticket_id", ZID, nullable=False),
        sa.Column("author_id", ZID, nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("plain_body", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=True),
        _ts("created_at"),
        _json("extra_json", "{}"),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hd_comments"),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["hd_tickets.id"],
            ondelete="CASCADE",
            name="fk_hd_comments_ticket_id_hd_tickets",
        ),
    )
    op.create_index("ix_hd_comments_ticket_id", "hd_comments", ["ticket_id"])
    op.create_index("ix_hd_comments_author_id", "hd_comments", ["author_id"])
    op.create_table(
        "hd_audit_logs",
        sa.Column("id", ZID, nullable=False, autoincrement=False),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("action_label", sa.String(255), nullable=True),
        sa.Column("actor_id", ZID, nullable=True),
        sa.Column("actor_name", sa.String(255), nullable=True),
        sa.Column("source_type", sa.String(64), nullable=True),
        sa.Column("source_id", ZID, nullable=True),
        sa.Column("source_label", sa.Text(), nullable=True),
        sa.Column("change_description", sa.Text(), nullable=True),
        sa.Column("ip_address", sa.String(64), nullable=True),
        _ts("created_at"),
        _json("extra_json", "{}"),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hd_audit_logs"),
    )
    op.create_index("ix_hd_audit_logs_actor_id", "hd_audit_logs", ["actor_id"])
    op.create_index("ix_hd_audit_logs_created_at", "hd_audit_logs", ["created_at"])
    op.create_table(
        "hd_access_logs",
        sa.Column("id", sa.String(64), nullable=False),
        _ts("timestamp"),
        sa.Column("user_id", ZID, nullable=True),
        sa.Column("ip_address", sa.String(64), nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("authorization_type", sa.String(64), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        _json("extra_json", "{}"),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hd_access_logs"),
    )
    op.create_index("ix_hd_access_logs_timestamp", "hd_access_logs", ["timestamp"])
    op.create_index("ix_hd_access_logs_user_id", "hd_access_logs", ["user_id"])
    if op.get_bind().dialect.name == "sqlite":
        _create_fts()


# ---------------------------------------------------------------- FTS5 (SQLite only)

# People: emails and phones gathered from the person row and their identities.
_PERSON_DOC = """
INSERT INTO fts_people(rowid, name, emails, phones)
SELECT p.id, p.name,
       trim(coalesce(p.email, '') || ' ' || coalesce((
           SELECT group_concat(i.value, ' ') FROM hd_identities i
           WHERE i.snapshot_id = p.snapshot_id AND i.user_id = p.zendesk_id
             AND i.type = 'email'), '')),
       trim(coalesce(p.phone, '') || ' ' || coalesce((
           SELECT group_concat(i.value, ' ') FROM hd_identities i
           WHERE i.snapshot_id = p.snapshot_id AND i.user_id = p.zendesk_id
             AND i.type = 'phone_number'), ''))
FROM hd_people p WHERE {where};
"""


def _reindex_person(where: str) -> str:
    target = f"(SELECT p.id FROM hd_people p WHERE {where})"
    return f"DELETE FROM fts_people WHERE rowid IN {target};" + _PERSON_DOC.format(where=where)


_FTS_SQL = [
    f"CREATE VIRTUAL TABLE fts_tickets USING fts5(subject, description, "
    f"content='hd_tickets', content_rowid='id', tokenize='{TOKENIZE}')",
    f"CREATE VIRTUAL TABLE fts_comments USING fts5(body, "
    f"content='hd_comments', content_rowid='id', tokenize='{TOKENIZE}')",
    f"CREATE VIRTUAL TABLE fts_people USING fts5(name, emails, phones, tokenize='{TOKENIZE}')",
    # Deleted rows' tokens are purged from the index b-tree, not merely shadowed.
    "INSERT INTO fts_tickets(fts_tickets, rank) VALUES ('secure-delete', 1)",
    "INSERT INTO fts_comments(fts_comments, rank) VALUES ('secure-delete', 1)",
    "INSERT INTO fts_people(fts_people, rank) VALUES ('secure-delete', 1)",
    """CREATE TRIGGER hd_tickets_fts_ai AFTER INSERT ON hd_tickets BEGIN
        INSERT INTO fts_tickets(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    """CREATE TRIGGER hd_tickets_fts_ad AFTER DELETE ON hd_tickets BEGIN
        INSERT INTO fts_tickets(fts_tickets, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
    END""",
    """CREATE TRIGGER hd_tickets_fts_au AFTER UPDATE OF id, subject, description
    ON hd_tickets BEGIN
        INSERT INTO fts_tickets(fts_tickets, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
        INSERT INTO fts_tickets(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    """CREATE TRIGGER hd_comments_fts_ai AFTER INSERT ON hd_comments BEGIN
        INSERT INTO fts_comments(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER hd_comments_fts_ad AFTER DELETE ON hd_comments BEGIN
        INSERT INTO fts_comments(fts_comments, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
    """CREATE TRIGGER hd_comments_fts_au AFTER UPDATE OF id, body ON hd_comments BEGIN
        INSERT INTO fts_comments(fts_comments, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO fts_comments(rowid, body) VALUES (new.id, new.body);
    END""",
    f"""CREATE TRIGGER hd_people_fts_ai AFTER INSERT ON hd_people BEGIN
        {_reindex_person("p.id = new.id")}
    END""",
    f"""CREATE TRIGGER hd_people_fts_au AFTER UPDATE ON hd_people BEGIN
        DELETE FROM fts_people WHERE rowid = old.id;
        {_reindex_person("p.id = new.id")}
    END""",
    """CREATE TRIGGER hd_people_fts_ad AFTER DELETE ON hd_people BEGIN
        DELETE FROM fts_people WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER hd_identities_fts_ai AFTER INSERT ON hd_identities BEGIN
        {_reindex_person("p.snapshot_id = new.snapshot_id AND p.zendesk_id = new.user_id")}
    END""",
    f"""CREATE TRIGGER hd_identities_fts_au AFTER UPDATE ON hd_identities BEGIN
        {_reindex_person("p.snapshot_id = old.snapshot_id AND p.zendesk_id = old.user_id")}
        {_reindex_person("p.snapshot_id = new.snapshot_id AND p.zendesk_id = new.user_id")}
    END""",
    f"""CREATE TRIGGER hd_identities_fts_ad AFTER DELETE ON hd_identities BEGIN
        {_reindex_person("p.snapshot_id = old.snapshot_id AND p.zendesk_id = old.user_id")}
    END""",
]

_FTS_OBJECTS = [
    ("TRIGGER", f"{table}_fts_{verb}")
    for table in ("hd_identities", "hd_people", "hd_comments", "hd_tickets")
    for verb in ("ai", "au", "ad")
] + [("TABLE", name) for name in ("fts_people", "fts_comments", "fts_tickets")]


def _create_fts() -> None:
    for statement in _FTS_SQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for kind, name in _FTS_OBJECTS:
            op.execute(f"DROP {kind} IF EXISTS {name}")
    for index, table in (
        ("ix_hd_access_logs_user_id", "hd_access_logs"),
        ("ix_hd_access_logs_timestamp", "hd_access_logs"),
        ("ix_hd_audit_logs_created_at", "hd_audit_logs"),
        ("ix_hd_audit_logs_actor_id", "hd_audit_logs"),
        ("ix_hd_comments_author_id", "hd_comments"),
        ("ix_hd_comments_ticket_id", "hd_comments"),
        ("ix_hd_tickets_assignee_id", "hd_tickets"),
        ("ix_hd_tickets_requester_id", "hd_tickets"),
        ("ix_hd_identities_snapshot_user", "hd_identities"),
        ("ix_hd_people_snapshot_role", "hd_people"),
        ("ix_hd_snapshots_kind_id", "hd_snapshots"),
    ):
        op.drop_index(index, table)
    for table in (
        "hd_access_logs",
        "hd_audit_logs",
        "hd_comments",
        "hd_tickets",
        "hd_auth_settings",
        *reversed(SNAPSHOT_SCOPED),
    ):
        op.drop_table(table)
    op.drop_table("hd_snapshots")
