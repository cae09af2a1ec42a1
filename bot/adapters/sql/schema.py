"""Bringing the app database to the current schema with Alembic (`python -m bot db upgrade`).

- an empty database gets every table at once and is stamped with the newest revision;
- a database from the release before migrations (tables, no `alembic_version`) is stamped
  with the baseline revision `0001`, then upgraded;
- any other database is upgraded from the revision it is at.
Every server runs this at start-up; `make run` runs it before starting them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from bot.adapters.sql.tables import metadata

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the migrations shipped in this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: not under migrations)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_schema(engine: Engine, revision: str = "head") -> str:
    """Create or upgrade the app database; returns what was done (for the command line)."""
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        config = alembic_config(conn)
        if "alembic_version" not in tables:
            if "accounts" not in tables and revision == "head":
                metadata.create_all(conn)
                command.stamp(config, "head")
                return f"created the schema at revision {head_revision()}"
            if "accounts" in tables:
                command.stamp(config, BASELINE)
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(config, revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if before == after:
        return f"already at revision {after}"
    log.info("app database upgraded from %s to %s", before, after)
    return f"upgraded from revision {before or 'none'} to {after}"
