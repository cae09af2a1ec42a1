"""Retention: delete conversation logs older than the retention period (privacy laws).

`python -m bot insights purge` deletes, in batches, every row of Rasa's `events` table
whose timestamp is older than the cut-off, on SQLite and PostgreSQL alike, and every file
under the export folders (`results/insights` by default) last written before it. Newer
events and files are never touched. The cut-off is `now - SIGNIN_RETENTION_DAYS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine

from bot.insights.reader import TrackerEventReader, events_table

BATCH = 5000


@dataclass(frozen=True)
class PurgeResult:
    """What was deleted, and the cut-off."""

    cutoff: datetime
    events: int
    files: int


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    """The oldest moment that is kept."""
    return (now or datetime.now(timezone.utc)) - timedelta(days=days)


def purge_events(engine: Engine, cutoff: datetime, batch: int = BATCH) -> int:
    """Delete the tracker events older than `cutoff`; returns how many.

    Deleted by id in batches (one short transaction each), so a busy tracker store is
    never locked for long."""
    TrackerEventReader(engine).require_table()  # a clear error when there is no store
    stamp = cutoff.timestamp()
    deleted = 0
    while True:
        with engine.begin() as conn:
            ids = [row[0] for row in conn.execute(
                select(events_table.c.id).where(events_table.c.timestamp < stamp)
                .order_by(events_table.c.id).limit(batch)
            )]  # fmt: skip
            if not ids:
                return deleted
            conn.execute(delete(events_table).where(events_table.c.id.in_(ids)))
            deleted += len(ids)


def count_older(engine: Engine, cutoff: datetime) -> int:
    """How many events are older than `cutoff` (for --dry-run)."""
    TrackerEventReader(engine).require_table()
    with engine.connect() as conn:
        query = select(func.count()).select_from(events_table)
        return int(conn.execute(query.where(events_table.c.timestamp < cutoff.timestamp()))
                   .scalar_one())  # fmt: skip


def old_files(folders: Iterable[Path], cutoff: datetime) -> list[Path]:
    """Files under `folders` last written before `cutoff`."""
    stamp = cutoff.timestamp()
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [p for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime < stamp]
    return sorted(found)


def purge(
    engine: Engine,
    days: int,
    export_folders: Iterable[Path],
    now: datetime | None = None,
    dry_run: bool = False,
) -> PurgeResult:
    """Delete events and export files older than `days` days."""
    cutoff = cutoff_for(days, now)
    files = old_files(export_folders, cutoff)
    if dry_run:
        return PurgeResult(cutoff, count_older(engine, cutoff), len(files))
    events = purge_events(engine, cutoff)
    for path in files:
        path.unlink(missing_ok=True)
    return PurgeResult(cutoff, events, len(files))
