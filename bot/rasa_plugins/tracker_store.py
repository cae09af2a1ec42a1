"""Rasa's SQL tracker store, with secrets removed before anything is written or streamed.

Use it in endpoints.yml as `type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore`.
Passwords, one-time codes, card numbers and verification answers that customers type never
reach the database or the event broker: see `bot.domain.redaction.redact_events`.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerEventDiffEngine
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot.domain.redaction import redact_events
from bot.rasa_plugins import action_client

log = logging.getLogger(__name__)

# Every endpoints file of this project names this store, so `rasa run` imports this module:
# the cheaper action calls are installed here (see bot/rasa_plugins/action_client.py).
action_client.install()


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores and streams redacted copies of events."""

    KNOWN_COUNTS = 10_000  # conversations whose stored event count this process remembers

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Events of the current session this process last read per conversation: `save`
        # runs under the conversation's lock right after `retrieve`, so it needs no COUNT.
        self._known_counts: OrderedDict[str, int] = OrderedDict()
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); keep them.
            # Several Rasa processes share the file: WAL lets readers work while one writes,
            # the busy timeout makes a writer wait instead of failing, and synchronous=NORMAL
            # (safe with WAL: a crash of the server loses nothing; a power cut at most the
            # last turns) takes the fsync off every turn.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, pool_size=2, max_overflow=8,
                connect_args={"check_same_thread": False},
            )  # fmt: skip
            event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if not fetch_events_from_all_sessions:
            self._known_counts[sender_id] = len(tracker.events) if tracker else 0
            self._known_counts.move_to_end(sender_id)
            if len(self._known_counts) > self.KNOWN_COUNTS:
                self._known_counts.popitem(last=False)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, redacted (mirrors SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        all_events = [event.as_dict() for event in tracker.events]
        safe = redact_events(all_events)
        known = self._known_counts.pop(tracker.sender_id, None)
        with self.session_scope() as session:
            stored = known if known is not None else self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()  # fmt: skip
            for event, data in zip(list(tracker.events)[stored:], safe[stored:], strict=True):
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish redacted copies of the new events to the event broker."""
        if self.event_broker is None:
            return
        old = await self.retrieve(tracker.sender_id)
        new_events = TrackerEventDiffEngine.event_difference(old, tracker)
        if not new_events:
            return
        safe = redact_events([event.as_dict() for event in tracker.events])
        for body in safe[len(safe) - len(new_events) :]:
            self.event_broker.publish({"sender_id": tracker.sender_id, **body})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
