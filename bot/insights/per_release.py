"""Live-traffic metrics per model release, so a retrain can be judged on real conversations.

Rasa writes the id of the model that handled each event into the event's metadata
(`metadata.model_id`); every release card records its archive's `model_id`, so each user
message is counted for the release that understood it. A conversation (for containment
and handoff) counts for the release that answered its first user message. Messages
without a `model_id` (tracker stores older than this) count as "unknown".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.insights.metrics import (
    FALLBACK_INTENT,
    event_time,
    is_button_click,
    predicted_intent,
    summarise_conversation,
    user_intent,
)
from bot.insights.reader import Conversation

DEFAULT_LOW_CONFIDENCE = 0.6
UNKNOWN = "unknown"

DEFINITIONS: dict[str, str] = {
    "release (live traffic)": (
        "The model release whose model_id is in a user message's metadata.model_id (the "
        "release cards say which model_id each release has); 'model <id>' when no card "
        f"names it, '{UNKNOWN}' for messages without one. A conversation counts for the "
        "release that answered its first user message."
    ),
    "low_confidence_rate": (
        "Typed user messages (not button clicks) whose predicted intent's confidence is "
        "below the review bar (0.6 unless set otherwise) ÷ typed user messages."
    ),
}


@dataclass(frozen=True)
class ReleaseInfo:
    """A release as the report needs it (built from the release cards by the caller)."""

    release: str
    model_id: str | None
    promoted_at: datetime | None = None  # first promotion
    served_from: tuple[datetime, ...] = ()  # every promotion or rollback to it


def event_model_id(event: dict[str, Any]) -> str | None:
    """The model id Rasa stored in the event's metadata."""
    metadata = event.get("metadata") or {}
    value = metadata.get("model_id") if isinstance(metadata, dict) else None
    return str(value) if value else None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class ReleaseStats:
    """Counts for one release."""

    label: str
    conversations: int = 0
    contained: int = 0
    handoffs: int = 0
    user_messages: int = 0
    fallback_messages: int = 0
    typed_messages: int = 0
    low_confidence_messages: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def fallback_rate(self) -> float | None:
        return _rate(self.fallback_messages, self.user_messages)

    @property
    def low_confidence_rate(self) -> float | None:
        return _rate(self.low_confidence_messages, self.typed_messages)

    @property
    def containment_rate(self) -> float | None:
        return _rate(self.contained, self.conversations)

    @property
    def handoff_rate(self) -> float | None:
        return _rate(self.handoffs, self.conversations)


@dataclass
class PerRelease:
    """The per-release counts over a stream of conversations (one pass, like `Insights`)."""

    releases: list[ReleaseInfo] = field(default_factory=list)
    low_confidence: float = DEFAULT_LOW_CONFIDENCE
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    stats: dict[str, ReleaseStats] = field(default_factory=dict)
    # (label, UTC hour) -> [user messages, fallback messages]
    hourly: dict[tuple[str, datetime], list[int]] = field(default_factory=lambda: defaultdict(
        lambda: [0, 0]))  # fmt: skip

    def label(self, model_id: str | None) -> str:
        """The release id for a model id (or a stand-in when no card names it)."""
        if not model_id:
            return UNKNOWN
        for info in self.releases:
            if info.model_id == model_id:
                return info.release
        return f"model {model_id[:12]}"

    def _stats(self, label: str) -> ReleaseStats:
        return self.stats.setdefault(label, ReleaseStats(label))

    def add(self, conversation: Conversation) -> None:
        """Count one conversation in."""
        first_label: str | None = None
        for event in conversation.events:
            if event.get("event") != "user":
                continue
            label = self.label(event_model_id(event))
            first_label = first_label or label
            stats = self._stats(label)
            stats.user_messages += 1
            fallback = user_intent(event) == FALLBACK_INTENT
            stats.fallback_messages += fallback
            moment = event_time(event)
            if moment is not None:
                stats.first_seen = min(stats.first_seen or moment, moment)
                stats.last_seen = max(stats.last_seen or moment, moment)
                hour = moment.replace(minute=0, second=0, microsecond=0)
                counts = self.hourly[(label, hour)]
                counts[0] += 1
                counts[1] += fallback
            if not is_button_click(event):
                stats.typed_messages += 1
                _intent, confidence = predicted_intent(event)
                if confidence is None or confidence < self.low_confidence:
                    stats.low_confidence_messages += 1
        if first_label is None:
            return
        outcome = summarise_conversation(conversation, self.now)
        stats = self._stats(first_label)
        stats.conversations += 1
        stats.contained += outcome.contained
        stats.handoffs += outcome.handed_off

    def ordered(self) -> list[ReleaseStats]:
        """Releases in the order they were promoted, then the others by first use."""
        order = {info.release: i for i, info in enumerate(self.releases)}
        far = datetime.max.replace(tzinfo=timezone.utc)
        return sorted(
            self.stats.values(),
            key=lambda s: (order.get(s.label, len(order)), s.first_seen or far, s.label),
        )

    def fallback_series(self, hourly: bool = False) -> dict[str, list[tuple[datetime, float]]]:
        """Fallback rate per UTC day (or hour), for each release, oldest first."""
        sums: dict[tuple[str, datetime], list[int]] = defaultdict(lambda: [0, 0])
        for (label, hour), (users, fallbacks) in self.hourly.items():
            bucket = hour if hourly else hour.replace(hour=0)
            sums[(label, bucket)][0] += users
            sums[(label, bucket)][1] += fallbacks
        series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
        for (label, bucket), (users, fallbacks) in sorted(sums.items(), key=lambda kv: kv[0][1]):
            series[label].append((bucket, fallbacks / users))
        return dict(series)

    def span(self) -> tuple[datetime, datetime] | None:
        """First and last hour with a user message."""
        hours = [hour for _label, hour in self.hourly]
        return (min(hours), max(hours)) if hours else None


def compute_per_release(
    conversations: Iterable[Conversation],
    releases: list[ReleaseInfo],
    low_confidence: float = DEFAULT_LOW_CONFIDENCE,
) -> PerRelease:
    """`PerRelease` over every conversation."""
    result = PerRelease(releases=releases, low_confidence=low_confidence)
    for conversation in conversations:
        result.add(conversation)
    return result
