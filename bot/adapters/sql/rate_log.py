"""Timestamps of throttled events (verification failures, code resends, ...) by key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import rate_events


class SqlRateLog:
    """Counts events per (kind, subject key) in the app database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, kind: str, key: str, at: datetime) -> None:
        """Remember one event."""
        with self._engine.begin() as conn:
            conn.execute(insert(rate_events).values(kind=kind, subject_key=key, created_at=at))

    def count(self, kind: str, key: str, since: datetime) -> int:
        """Events of this kind for this key since `since`."""
        with self._engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(rate_events)
                .where(rate_events.c.kind == kind)
                .where(rate_events.c.subject_key == key)
                .where(rate_events.c.created_at >= since)
            ).scalar_one()

    def last(self, kind: str, key: str) -> datetime | None:
        """When the latest event of this kind for this key happened."""
        with self._engine.connect() as conn:
            value = conn.execute(
                select(func.max(rate_events.c.created_at))
                .where(rate_events.c.kind == kind)
                .where(rate_events.c.subject_key == key)
            ).scalar_one()
        return as_utc(value)
