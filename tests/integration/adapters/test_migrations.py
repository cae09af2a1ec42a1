"""Schema migrations: a database created by the release before migrations is upgraded in
place, keeping its data; the migrations and the table definitions describe the same schema.
Run on SQLite, and on PostgreSQL when it is up."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from bot.adapters.sql.engine import create_engine as app_engine
from bot.adapters.sql.schema import current_revision, head_revision, upgrade_schema
from bot.adapters.sql.tables import metadata

PG = "postgresql://postgres@127.0.0.1:5432"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def _pg_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not _pg_up():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)")
    name = f"signin_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _previous_release_database(url: str) -> None:
    """What the release before migrations left behind: its tables and rows, no version."""
    engine = app_engine(url)
    upgrade_schema(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text("INSERT INTO accounts (email, name, status, lock_reason, phone_last4, created_at)"
                 " VALUES ('ann@example.com', 'Ann', 'locked', 'admin', '', :now)"),
            {"now": NOW},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO email_changes (account_id, new_email, token_hash, created_at,"
                 " expires_at) VALUES ('1', 'new@example.org', :h, :now, :now)"),
            {"h": "a" * 64, "now": NOW},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO one_time_codes (subject_key, conversation_id, code_hash,"
                 " created_at, expires_at) VALUES ('k', 'c', 'h', :now, :now)"),
            {"now": NOW},
        )  # fmt: skip
    engine.dispose()


def test_a_database_of_the_previous_release_is_upgraded_with_its_data(url: str) -> None:
    _previous_release_database(url)
    engine = app_engine(url)
    assert current_revision(engine) is None
    assert "upgraded from revision 0001 to" in upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert "verifications" in tables and "one_time_codes" not in tables
    with engine.connect() as conn:
        account = conn.execute(text("SELECT email, status, password_hash FROM accounts")).one()
        change = conn.execute(text("SELECT new_email, cancel_token_hash FROM email_changes")).one()
    assert tuple(account) == ("ann@example.com", "locked", None)
    assert tuple(change) == ("new@example.org", None)
    assert upgrade_schema(engine).startswith("already at revision")
    engine.dispose()


def test_migrations_build_exactly_the_tables_the_code_defines(url: str) -> None:
    engine = app_engine(url)
    upgrade_schema(engine, "0001")
    upgrade_schema(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_a_new_database_is_created_at_the_newest_revision(tmp_path: Path) -> None:
    engine = app_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert upgrade_schema(engine).startswith("created the schema")
    assert current_revision(engine) == head_revision()
    engine.dispose()
