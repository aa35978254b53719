"""SQLAlchemy 2.x typed ORM tables and Alembic migrations. Knows nothing above it."""

from models.base import Base
from models.workspace import Setting, WorkspaceInfo

__all__ = ["Base", "Setting", "WorkspaceInfo"]
