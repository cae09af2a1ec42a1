"""Retention purge on real SQLite and PostgreSQL tracker stores: old events and export files
go, newer ones stay (PostgreSQL at 127.0.0.1:5432, user postgres; skipped when it is not
running)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.insights.purge import purge
from bot.insights.reader import events_table

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _fill(engine: Engine) -> None:
    """120 events: one per day for 120 days before NOW, in 4 conversations."""
    events_table.metadata.create_all(engine)
    rows = []
    for day in range(120):
        at = (NOW - timedelta(days=day, hours=1)).timestamp()
        data = json.dumps({"event": "user", "timestamp": at, "text": "hi"})
        rows.append({"sender_id": f"c-{day % 4}", "type_name": "user", "timestamp": at,
                     "intent_name": "greet", "action_name": None, "data": data})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(events_table), rows)


def _sqlite(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'tracker.db'}"


def _postgres() -> Iterator[str]:
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(dbname="postgres", connect_timeout=3, **PG)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable ({str(exc).splitlines()[0]})")
    admin.autocommit = True
    name = f"signin_purge_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from (_sqlite(tmp_path) if request.param == "sqlite" else _postgres())


def _stamps(engine: Engine) -> list[float]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(select(events_table.c.timestamp)))


def test_purge_removes_old_events_and_files_and_keeps_newer(tracker_url: str,
                                                             tmp_path: Path) -> None:  # fmt: skip
    engine = create_engine(tracker_url, future=True)
    try:
        _fill(engine)
        exports = tmp_path / "exports"
        exports.mkdir()
        old_file, new_file = exports / "old.jsonl", exports / "new.jsonl"
        for path, age in ((old_file, 100), (new_file, 10)):
            path.write_text("{}")
            stamp = (NOW - timedelta(days=age)).timestamp()
            os.utime(path, (stamp, stamp))
        dry = purge(engine, 90, [exports], now=NOW, dry_run=True)
        assert (dry.events, dry.files) == (30, 1)
        assert len(_stamps(engine)) == 120  # a dry run deletes nothing
        result = purge(engine, 90, [exports], now=NOW)
        assert (result.events, result.files) == (30, 1)
        left = _stamps(engine)
        assert len(left) == 90
        assert min(left) >= (NOW - timedelta(days=90)).timestamp()
        assert not old_file.exists() and new_file.exists()
        assert purge(engine, 90, [exports], now=NOW).events == 0  # nothing more to do
    finally:
        engine.dispose()


def test_purge_command_uses_the_retention_setting(
    tracker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:  # fmt: skip
    engine = create_engine(tracker_url, future=True)
    try:
        _fill(engine)  # relative to NOW; the command uses the real clock
        with engine.connect() as conn:
            newest = conn.execute(select(func.max(events_table.c.timestamp))).scalar_one()
        age_days = (datetime.now(timezone.utc).timestamp() - newest) / 86400
        keep = int(age_days) + 31  # keep the newest 30-31 days of the fill
        monkeypatch.setenv("TRACKER_STORE_URL", tracker_url)
        monkeypatch.setenv("SIGNIN_RETENTION_DAYS", str(keep))
        assert main(["insights", "purge", "--exports", str(tmp_path / "none")]) == 0
        out = capsys.readouterr().out
        assert f"({keep} days)" in out
        left = len(_stamps(engine))
        assert 30 <= left <= 32 and f"deleted {120 - left} tracker event(s)" in out
    finally:
        engine.dispose()
