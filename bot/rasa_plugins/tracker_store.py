"""Rasa's SQL tracker store, with secrets removed before anything is written or streamed,
and the trackers of recent conversations kept in memory between their turns.

Use it in endpoints.yml as `type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore`.
Passwords, one-time codes, card numbers and verification answers that customers type never
reach the database or the event broker: see `bot.domain.redaction.redact_events`.

**Trackers kept between turns.** Rasa 3.6 loads a conversation's whole session from SQL on
every message and replays every event into a new tracker. This store keeps, per process,
the tracker it has just saved, and hands the same object back on the conversation's next
message after one cheap query for the conversation's rows stored since (by id): usually
none; when another Rasa process took a turn of the conversation in between, its rows are
applied to the kept tracker, redacted as stored, as a load would read them. This is safe
with several processes because Rasa holds the conversation's lock (file locks or Redis) from
loading the tracker to saving it, so no other writer can slip in between the query and the
save. A tracker is kept only when it holds what a load from SQL would give:

- no event of it was changed by redaction (a typed password stays in memory for no longer
  than the turn, and the next turn, actions included, sees the redacted text as before);
- it was not changed after it was saved (its event count is checked);
- no new conversation session started on top of older events (a load returns the latest
  session only; rows from elsewhere that start a session also mean a load);
- the model's domain is the one the tracker was built with.

(One difference remains: a conversation's first tracker also holds the
`action_session_start` step that came before `SessionStarted`, which a load leaves out by
timestamp; Rasa's own tracker holds it too during that turn, and states and predictions
start at `SessionStarted` either way.)

At most `tracker_cache_size` conversations are kept per process (default 1000, least
recently used first out; `0` turns keeping off); `retrieve_full_tracker` always reads SQL.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot.domain.redaction import redact_events
from bot.rasa_plugins import speedups

log = logging.getLogger(__name__)

# Every endpoints file of this project names this store, so `rasa run` imports this module
# and the project's changes to Rasa are installed here (bot/rasa_plugins/speedups.py).
speedups.install()

DEFAULT_CACHE_SIZE = 1000


@dataclass
class _Stored:
    """What this process knows about a conversation's rows after its last load or save."""

    count: int  # events of the loaded tracker, or of `tracker`, that are stored
    last_id: int | None  # id of the conversation's newest row then (None: no rows)
    tracker: DialogueStateTracker | None = None  # saved and kept for the next turn
    domain: object = None  # the domain `tracker` was built with


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores and streams redacted copies of events and keeps recent
    trackers between turns."""

    def __init__(self, *args: Any, tracker_cache_size: int | str | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        size = DEFAULT_CACHE_SIZE if tracker_cache_size is None else int(tracker_cache_size)
        self.tracker_cache_size = max(0, size)
        # Per conversation, what the last load or save of this process saw: `save` runs
        # under the conversation's lock right after `retrieve`, so it needs no COUNT.
        self._stored: OrderedDict[str, _Stored] = OrderedDict()
        self.cache_hits = self.cache_misses = 0
        # statements built once (building them is a noticeable part of a turn's CPU)
        table = self.SQLEvent.__table__
        self._insert_rows = sa.insert(table)
        self._newest_id = sa.select(sa.func.max(table.c.id)).where(
            table.c.sender_id == sa.bindparam("sender")
        )
        self._newer_rows = (
            sa.select(table.c.id, table.c.type_name, table.c.data)
            .where(table.c.sender_id == sa.bindparam("sender"), table.c.id > sa.bindparam("after"))
            .order_by(table.c.id)
        )
        # A load of the latest session, as Rasa's `_event_query` selects it (events from the
        # newest SessionStarted's timestamp on, or all when there is none), built once.
        latest_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(
                table.c.sender_id == sa.bindparam("sender"),
                table.c.type_name == SessionStarted.type_name,
            )
            .scalar_subquery()
        )
        self._session_rows = (
            sa.select(table.c.id, table.c.data)
            .where(
                table.c.sender_id == sa.bindparam("sender"),
                sa.or_(table.c.timestamp >= latest_start, latest_start.is_(None)),
            )
            .order_by(table.c.id)
        )
        self._session_count = sa.select(sa.func.count()).select_from(self._session_rows.subquery())
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); keep them.
            # Several Rasa processes share the file: WAL lets readers work while one writes,
            # the busy timeout makes a writer wait instead of failing, and synchronous=NORMAL
            # (safe with WAL: a crash of the server loses nothing; a power cut at most the
            # last turns) takes the fsync off every turn.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={"check_same_thread": False},
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _remember(self, sender_id: str, stored: _Stored) -> None:
        self._stored[sender_id] = stored
        self._stored.move_to_end(sender_id)
        while len(self._stored) > (self.tracker_cache_size or DEFAULT_CACHE_SIZE):
            self._stored.popitem(last=False)

    def _kept(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker kept from this process's last save, brought up to date with the
        rows other processes stored since (usually none), or None: load it from SQL."""
        stored = self._stored.get(sender_id)
        if stored is None or stored.tracker is None:
            return None
        tracker = stored.tracker
        newer: list[Any] = []
        current = stored.domain is self.domain and len(tracker.events) == stored.count
        if current:
            with self.engine.connect() as connection:
                newer = connection.execute(
                    self._newer_rows, {"sender": sender_id, "after": stored.last_id or 0}
                ).all()
            # a new session stored elsewhere: a load returns that session only
            current = not any(row.type_name == SessionStarted.type_name for row in newer)
        if not current:
            del self._stored[sender_id]
            return None
        # Rows another process stored (redacted, as a load would read them), in order: the
        # conversation's lock keeps anyone from adding more until this turn is saved.
        for e in deserialise_events([json.loads(row.data) for row in newer]):
            tracker.update(e)
        if newer:
            stored.count, stored.last_id = len(tracker.events), newer[-1].id
        self._stored.move_to_end(sender_id)
        return tracker

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if not fetch_events_from_all_sessions:
            kept = self._kept(sender_id)
            if kept is not None:
                self.cache_hits += 1
                return kept
            self.cache_misses += 1
        if fetch_events_from_all_sessions:
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id, True).all()
        else:
            with self.engine.connect() as connection:
                rows = connection.execute(self._session_rows, {"sender": sender_id}).all()
        events = [json.loads(row.data) for row in rows]
        last_id = rows[-1].id if rows else None
        tracker = None
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            self._remember(sender_id, _Stored(len(events), last_id))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store (and stream) redacted copies of the events not stored yet."""
        sender_id = tracker.sender_id
        known = self._stored.pop(sender_id, None)
        if known is not None and known.tracker is not None and known.tracker is not tracker:
            known = None  # the count is that of another tracker object
        events = list(tracker.events)
        all_events = [e.as_dict() for e in events]
        safe = redact_events(all_events)
        if known is not None:
            stored = known.count
        else:
            with self.engine.connect() as connection:
                stored = connection.execute(self._session_count, {"sender": sender_id}).scalar()
        with self.engine.begin() as connection:  # commits at the end of the block
            if self.event_broker is not None:
                for body in safe[stored:]:
                    self.event_broker.publish({"sender_id": sender_id, **body})
            rows = [
                {
                    "sender_id": sender_id,
                    "type_name": e.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {})
                    .get("intent", {})
                    .get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
                for e, data in zip(events[stored:], safe[stored:], strict=True)
            ]
            last_id = known.last_id if known else None
            if rows:
                # one INSERT executed for all rows, in event order (the ORM adds each alone);
                # the conversation's lock makes the newest row this turn's last event
                connection.execute(self._insert_rows, rows)
                last_id = connection.execute(self._newest_id, {"sender": sender_id}).scalar()
        # Otherwise the next turn loads from SQL (and `known` is forgotten: its count is
        # that of this tracker object, which is not kept).
        new_session = stored > 0 and any(isinstance(e, SessionStarted) for e in events[stored:])
        if known is not None and self.tracker_cache_size and safe == all_events and not new_session:
            self._remember(sender_id, _Stored(len(events), last_id, tracker, self.domain))

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Streaming happens in `save`, from the same redacted copies that are stored."""
        return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
