"""SQLAlchemy 2.x typed ORM tables and Alembic migrations. Knows nothing above it."""

from models.base import Base
from models.security import AuditEntry, AuditState, Operator, OperatorRole, OperatorSession
from models.workspace import Setting, WorkspaceInfo

__all__ = [
    "AuditEntry",
    "AuditState",
    "Base",
    "Operator",
    "OperatorRole",
    "OperatorSession",
    "Setting",
    "WorkspaceInfo",
]
