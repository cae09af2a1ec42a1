"""Reading Rasa's SQL tracker store (the `events` table) without importing Rasa.

Rasa's `SQLTrackerStore` writes one row per event: `id`, `sender_id`, `type_name`,
`timestamp` (Unix seconds), `intent_name`, `action_name` and `data`, the event's JSON as
text. This adapter reads that table with plain SQLAlchemy Core, so the same code works on
SQLite and PostgreSQL, and streams it in batches: only one batch and one conversation are
held in memory at a time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

# The columns of Rasa's table that are read here (Rasa creates and owns the table).
events_table = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

DEFAULT_BATCH_SIZE = 1000


class TrackerStoreError(RuntimeError):
    """The tracker store cannot be read."""


class TrackerStoreMissingError(TrackerStoreError):
    """There is no tracker store: no SQLite file, or no `events` table in the database."""


@dataclass
class Conversation:
    """All events of one sender id (within the period read), oldest first.

    Attributes:
        sender_id: Rasa's conversation id (the channel's sender).
        events: The events as Rasa serialises them (`{"event": "user", ...}`), in order.
        started_at: Time of the first event read, UTC.
        ended_at: Time of the last event read, UTC.
    """

    sender_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    started_at: datetime | None = None
    ended_at: datetime | None = None


def tracker_engine(url: str) -> Engine:
    """An engine for reading the tracker store at `url` (TRACKER_STORE_URL).

    Unlike the app database's engine it changes nothing: no folder is made, no pragma is
    set, and a missing SQLite file is an error rather than a new empty database.

    Args:
        url: A SQLAlchemy URL, e.g. sqlite:////abs/var/tracker.db or postgresql://u@host/db.

    Returns:
        The engine.

    Raises:
        TrackerStoreMissingError: A SQLite URL names a file that does not exist.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            raise TrackerStoreMissingError(
                f"no tracker store file at {database or '(none)'}: has the assistant run with "
                "this TRACKER_STORE_URL?"
            )
        return sa_create_engine(url, future=True)
    return sa_create_engine(url, future=True, pool_pre_ping=True)


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _from_unix(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, tz=timezone.utc)


def _parse_event(row: Any) -> dict[str, Any]:
    """The event's JSON; a row whose JSON is damaged becomes a minimal dict from its columns."""
    try:
        event = json.loads(row.data) if row.data else None
    except ValueError:
        event = None
    if not isinstance(event, dict):
        log.warning("events row %s: data is not an event's JSON; using its columns", row.id)
        event = {"event": row.type_name, "timestamp": row.timestamp}
        if row.action_name:
            event["name"] = row.action_name
        if row.intent_name:
            event["parse_data"] = {"intent": {"name": row.intent_name}}
    return event


class TrackerEventReader:
    """Conversations from a Rasa SQL tracker store, read in batches."""

    def __init__(self, engine: Engine, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        """Keep the engine (created by the caller, e.g. from TRACKER_STORE_URL).

        Args:
            engine: An engine on the tracker store's database.
            batch_size: Rows fetched per query.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._engine = engine
        self._batch_size = batch_size

    def _check_table(self) -> None:
        url = self._engine.url.render_as_string(hide_password=True)
        try:
            exists = sa_inspect(self._engine).has_table(events_table.name)
        except OperationalError as exc:
            # A report cannot do without its data: fail, and say where it looked.
            raise TrackerStoreError(f"cannot read the tracker store at {url}: {exc.orig}") from exc
        if not exists:
            raise TrackerStoreMissingError(
                f"no '{events_table.name}' table at {url}: has the assistant had a conversation "
                "with this TRACKER_STORE_URL?"
            )

    def events_after(
        self, sender_id: str, after_id: int = 0, limit: int = 500
    ) -> list[tuple[int, dict[str, Any]]]:
        """One conversation's events with a row id above `after_id`, oldest first, as
        `(row id, event)`; empty while the tracker store has no events table yet. Live views
        poll this."""
        query = (
            select(events_table.c.id, events_table.c.type_name, events_table.c.timestamp,
                   events_table.c.intent_name, events_table.c.action_name, events_table.c.data)
            .where(events_table.c.sender_id == sender_id)
            .where(events_table.c.id > after_id)
            .order_by(events_table.c.id)
            .limit(limit)
        )  # fmt: skip
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(query).all()
        except OperationalError:
            if not sa_inspect(self._engine).has_table(events_table.name):
                return []
            raise
        return [(row.id, _parse_event(row)) for row in rows]

    @staticmethod
    def _since_clause(since: datetime | None) -> Any:
        if since is None:
            return None
        return events_table.c.timestamp >= _as_utc(since).timestamp()

    def count_events(self, since: datetime | None = None) -> int:
        """How many events `conversations(since)` will read (e.g. for a progress counter).

        Args:
            since: Only events at or after this moment (naive = UTC); None counts all.

        Returns:
            The number of rows.

        Raises:
            TrackerStoreMissingError: The database has no events table.
            TrackerStoreError: The database cannot be reached.
        """
        self._check_table()
        query = select(func.count()).select_from(events_table)
        clause = self._since_clause(since)
        if clause is not None:
            query = query.where(clause)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def require_table(self) -> None:
        """Raise `TrackerStoreMissingError` / `TrackerStoreError` unless the table is there."""
        self._check_table()

    def _rows(self, since: datetime | None, sender_id: str | None = None) -> Iterator[Any]:
        """Rows ordered by (sender_id, id), fetched with keyset pagination.

        Each batch is a short query that continues after the last row seen, so no transaction
        or server-side cursor stays open while the caller works, and every SQL database runs it.
        """
        columns = [
            events_table.c.id,
            events_table.c.sender_id,
            events_table.c.type_name,
            events_table.c.timestamp,
            events_table.c.intent_name,
            events_table.c.action_name,
            events_table.c.data,
        ]
        since_clause = self._since_clause(since)
        last: tuple[str, int] | None = None
        while True:
            conditions = [] if since_clause is None else [since_clause]
            if sender_id is not None:
                conditions.append(events_table.c.sender_id == sender_id)
            if last is not None:
                conditions.append(
                    or_(
                        events_table.c.sender_id > last[0],
                        and_(events_table.c.sender_id == last[0], events_table.c.id > last[1]),
                    )
                )
            query = (
                select(*columns)
                .where(*conditions)
                .order_by(events_table.c.sender_id, events_table.c.id)
                .limit(self._batch_size)
            )
            with self._engine.connect() as conn:
                batch = conn.execute(query).all()
            yield from batch
            if len(batch) < self._batch_size:
                return
            last = (batch[-1].sender_id, batch[-1].id)

    def conversations(self, since: datetime | None = None) -> Iterator[Conversation]:
        """Stream the conversations, one per sender id, each with its events in order.

        Conversations come in sender-id order. With `since`, only events at or after it are
        read, so a conversation that began earlier starts at its first event in the period.

        Args:
            since: Only events at or after this moment (naive = UTC); None reads everything.

        Yields:
            One `Conversation` per sender id with at least one event in the period.

        Raises:
            TrackerStoreMissingError: The database has no events table.
            TrackerStoreError: The database cannot be reached.
        """
        self._check_table()
        yield from self._group(self._rows(since))

    def conversation(self, sender_id: str) -> Conversation | None:
        """Every stored event of one conversation, or None when it has none.

        Raises:
            TrackerStoreMissingError: The database has no events table.
            TrackerStoreError: The database cannot be reached.
        """
        self._check_table()
        return next(self._group(self._rows(None, sender_id)), None)

    @staticmethod
    def _group(rows: Iterator[Any]) -> Iterator[Conversation]:
        current: Conversation | None = None
        for row in rows:
            if current is None or row.sender_id != current.sender_id:
                if current is not None:
                    yield current
                current = Conversation(row.sender_id)
            event = _parse_event(row)
            stamp = row.timestamp if row.timestamp is not None else event.get("timestamp")
            moment = _from_unix(stamp) if isinstance(stamp, (int, float)) else None
            if moment is not None:
                current.started_at = current.started_at or moment
                current.ended_at = moment
            current.events.append(event)
        if current is not None:
            yield current
