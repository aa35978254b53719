"""SQLAlchemy 2.x typed ORM tables and Alembic migrations. Knows nothing above it."""

from models.base import Base
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
from models.security import (
    AuditEntry,
    AuditState,
    LoginThrottle,
    Operator,
    OperatorRole,
    OperatorSession,
)
from models.workspace import Setting, WorkspaceInfo

__all__ = [
    "AccessLog",
    "AuditEntry",
    "AuditState",
    "AuthSettings",
    "Base",
    "Comment",
    "CustomRole",
    "GroupMembership",
    "HelpdeskGroup",
    "Identity",
    "LoginThrottle",
    "Operator",
    "OperatorRole",
    "OperatorSession",
    "Organization",
    "Person",
    "RosterEntry",
    "Setting",
    "Snapshot",
    "Ticket",
    "WorkspaceInfo",
    "ZendeskAuditLog",
]
