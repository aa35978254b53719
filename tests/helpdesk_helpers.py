"""Shared helpers for the help-desk import tests: fixtures on disk, table counts, audit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from app.helpdesk import HelpdeskService
from models.helpdesk import (
    AccessLog,
    AuthSettings,
    Comment,
    CustomRole,
    GroupMembership,
    HelpdeskGroup,
    Identity,
    Organization,
    Person,
    RosterEntry,
    Snapshot,
    Ticket,
    ZendeskAuditLog,
)
from models.security import AuditEntry

FIXTURES = Path(__file__).parent / "fixtures"
ZENDESK = FIXTURES / "zendesk"
CSV = FIXTURES / "csv"

TABLES = (
    Snapshot,
    Person,
    Identity,
    CustomRole,
    HelpdeskGroup,
    GroupMembership,
    Organization,
    AuthSettings,
    Ticket,
    Comment,
    ZendeskAuditLog,
    AccessLog,
    RosterEntry,
)
FTS = ("fts_tickets", "fts_comments", "fts_people")

EXPECTED = {
    "people": 5,
    "agents": 3,
    "tickets": 3,
    "comments": 4,
    "custom_roles": 2,
    "groups": 2,
    "organizations": 1,
    "roster": 0,
}


def service(signed: Any, principal: Any = None) -> HelpdeskService:
    return HelpdeskService(signed.ctx, principal or signed.principal)


def copy_shape(tmp_path: Path, shape: str) -> Path:
    target = tmp_path / shape
    shutil.copytree(ZENDESK / shape, target)
    return target


def table_counts(ctx: Any) -> dict[str, int]:
    with ctx.read_session() as s:
        counts = {
            m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES
        }
        for name in FTS:
            # For external-content tables this reads the index itself, not the content table.
            counts[name] = int(
                s.execute(text(f"SELECT count(*) FROM {name}_docsize")).scalar() or 0
            )
    return counts


def audit_events(ctx: Any, action: str) -> list[dict[str, Any]]:
    with ctx.read_session() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [
            {"outcome": r.outcome, "details": json.loads(r.details_json), "raw": r.details_json}
            for r in rows
        ]


def fts_match(ctx: Any, table: str, query: str) -> list[int]:
    with ctx.read_session() as s:
        rows = s.execute(
            text(f"SELECT rowid FROM {table} WHERE {table} MATCH :q ORDER BY rowid"), {"q": query}
        ).all()
    return [int(r[0]) for r in rows]


def read_api(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write_api(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_ndjson(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
