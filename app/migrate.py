"""Alembic, driven with an already-keyed connection; the DB is copied before any upgrade."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from sqlalchemy import Engine


def _config(script_location: Path) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


def head_revisions() -> frozenset[str]:
    """Every head: panes add their tables on branches of their own from the shared base."""
    from alembic.script import ScriptDirectory

    with as_file(files("models") / "migrations") as location:
        script = ScriptDirectory.from_config(_config(location))  # type: ignore[arg-type]
        return frozenset(script.get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        revs = MigrationContext.configure(conn).get_current_heads()
        conn.rollback()
    return frozenset(revs)


def upgrade(engine: Engine, target: str = "heads") -> None:
    from alembic import command

    with as_file(files("models") / "migrations") as location, engine.connect() as conn:
        cfg = _config(location)
        cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
        command.upgrade(cfg, target)  # type: ignore[arg-type]
        conn.commit()


def downgrade(engine: Engine, target: str) -> None:
    """Used by tests to simulate a workspace written by an older PrivDesk."""
    from alembic import command

    with as_file(files("models") / "migrations") as location, engine.connect() as conn:
        cfg = _config(location)
        cfg.attributes["connection"] = conn  # type: ignore[attr-defined]
        command.downgrade(cfg, target)  # type: ignore[arg-type]
        conn.commit()
