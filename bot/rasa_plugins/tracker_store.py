"""Rasa's SQL tracker store, with secrets removed before anything is written or streamed.

Use it in endpoints.yml as `type: bot.rasa_plugins.tracker_store.RedactingSQLTrackerStore`.
Passwords, one-time codes, card numbers and verification answers that customers type never
reach the database or the event broker: see `bot.domain.redaction.redact_events`.
"""

from __future__ import annotations

import json
import logging

from rasa.core.tracker_store import SQLTrackerStore, TrackerEventDiffEngine
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.domain.redaction import redact_events

log = logging.getLogger(__name__)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that stores and streams redacted copies of events."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, redacted (mirrors SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        all_events = [event.as_dict() for event in tracker.events]
        safe = redact_events(all_events)
        with self.session_scope() as session:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
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
