"""Conversation insights for product teams, computed from Rasa's event dicts (no Rasa import).

Every metric is defined once, in `DEFINITIONS`, and the report prints those words. The metrics
are computed in one pass over a stream of conversations (`compute_insights`); memory grows
with the number of intents, days and handoff paths, not with the number of conversations.

`review_items` picks user messages worth a person's look (low confidence, fallback, the
message before "that didn't help" or a handoff) and `export_rows` flattens events for
spreadsheets. Customer text always goes through `scrub`: `redact` plus masked email
addresses, and answers to verification questions are never shown.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.domain.conversation import read_conversation
from bot.domain.redaction import SECRET_SLOTS, redact, redact_reply
from bot.insights.reader import Conversation

HANDOFF_UTTERANCES = frozenset({"utter_handoff_done", "utter_handoff_updated"})
HANDOFF_ACTION = "action_handoff_to_agent"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_fallback_suggest"
# Bot questions whose "no" means "that didn't help".
HELP_QUESTIONS = frozenset({"utter_did_that_help", "utter_browser_step_helped"})
# A question that closes a conversation: leaving after it is not abandonment.
CLOSING_QUESTIONS = frozenset({"utter_anything_else"})
# Answers and small talk: they say nothing about what the customer needed.
CONTROL_INTENTS = frozenset(
    {"affirm", "deny", "request_human", "greet", "goodbye", "thankyou", "bot_challenge"}
)
CSAT_INTENT = "csat"
CSAT_SCORE = "csat_score"
DEFAULT_SESSION_TIMEOUT = timedelta(minutes=60)  # domain.yml session_expiration_time
PATH_LENGTH = 3
MIN_MESSAGES_FOR_CONFIDENCE = 3
EMAIL_PLACEHOLDER = "name@example.com"

DEFINITIONS: dict[str, str] = {
    "conversation": (
        "All tracker events of one sender id in the period (events at or after the start "
        "date). A conversation that began before the period counts from its first event in it."
    ),
    "engaged_conversations": (
        "Conversations with at least one user message. Every rate below that is 'per "
        "conversation' uses this as its denominator, so opened-but-silent chat widgets do not "
        "count."
    ),
    "user_messages": (
        "User events: typed messages and button clicks (payloads such as '/affirm') alike."
    ),
    "handoff": (
        "A conversation is handed off when it has a bot message whose metadata.utter_action "
        f"is {' or '.join(sorted(HANDOFF_UTTERANCES))}, or an action event named "
        f"{HANDOFF_ACTION} (so an attempt whose case could not be created counts too)."
    ),
    "containment_rate": (
        "Engaged conversations without a handoff ÷ engaged conversations. It does not say the "
        "problem was solved, only that no person was needed."
    ),
    "handoff_rate": "Engaged conversations with a handoff ÷ engaged conversations.",
    "handoff_reasons": (
        "For each handed-off conversation, the reason the handoff itself records "
        "(bot.domain.conversation.read_conversation on the events up to the first handoff): "
        "customer_request, fallback, verification_failed, compromised, api_outage, unresolved."
    ),
    "fallback_message_rate": (
        f"User messages whose intent is {FALLBACK_INTENT} (NLU confidence under the "
        "FallbackClassifier threshold) ÷ user messages."
    ),
    "fallback_conversation_rate": (
        f"Engaged conversations in which {FALLBACK_ACTION} ran at least once ÷ engaged "
        "conversations."
    ),
    "abandonment_rate": (
        "Engaged conversations whose last message is the bot's and asks something (ends with "
        "'?', offers buttons, or is an utter_ask_* form question; "
        f"{', '.join(sorted(CLOSING_QUESTIONS))} excluded) and that had no user reply for "
        "longer than the session timeout before the report was made ÷ engaged conversations."
    ),
    "csat": (
        f"Average of the scores 1–5 given in user messages with intent '{CSAT_INTENT}' (entity "
        f"'{CSAT_SCORE}', or the slot '{CSAT_SCORE}' set before the next user message). "
        "'Not collected' when there is none."
    ),
    "top_intents": (
        "User messages counted by the intent NLU gave them (nlu_fallback included), overall "
        "and per day (UTC)."
    ),
    "lowest_confidence": (
        "Typed user messages (not button clicks) grouped by their predicted intent, the top "
        "intent of intent_ranking other than nlu_fallback; mean confidence of that intent, "
        f"lowest first, for intents with at least {MIN_MESSAGES_FOR_CONFIDENCE} messages."
    ),
    "handoff_paths": (
        f"For each handed-off conversation, the intents of the last {PATH_LENGTH} user "
        "messages before the first handoff, oldest first; the most common sequences."
    ),
    "daily": "Engaged conversations and handoffs counted on the UTC day the conversation began.",
}

_EMAIL = re.compile(r"(?i)(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'()"


# --- reading events -------------------------------------------------------------------


def mask_emails(text: str) -> str:
    """`text` with every email address replaced by name@example.com."""
    return _EMAIL.sub(EMAIL_PLACEHOLDER, text or "")


def scrub(text: str) -> str:
    """Customer text safe to show outside the conversation: `redact` plus masked emails."""
    return mask_emails(redact(text or ""))


def normalise_text(text: str) -> str:
    """Text for de-duplication: lower case, single spaces, no surrounding punctuation."""
    return " ".join(text.lower().split()).strip(_EDGE_PUNCTUATION)


def event_time(event: dict[str, Any]) -> datetime | None:
    """The event's timestamp as an aware UTC datetime, or None."""
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, tz=timezone.utc)
    return None


def user_intent(event: dict[str, Any]) -> str:
    """The intent NLU gave a user message ('' when there is none)."""
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""


def user_confidence(event: dict[str, Any]) -> float | None:
    """The confidence of the intent NLU gave a user message."""
    value = ((event.get("parse_data") or {}).get("intent") or {}).get("confidence")
    return float(value) if isinstance(value, (int, float)) else None


def predicted_intent(event: dict[str, Any]) -> tuple[str | None, float | None]:
    """The top intent of intent_ranking other than nlu_fallback, with its confidence.

    Without a ranking, the message's own intent unless it is nlu_fallback.
    """
    parse = event.get("parse_data") or {}
    for item in parse.get("intent_ranking") or []:
        name = item.get("name")
        if name and name != FALLBACK_INTENT:
            confidence = item.get("confidence")
            return name, float(confidence) if isinstance(confidence, (int, float)) else None
    name = user_intent(event)
    if name and name != FALLBACK_INTENT:
        return name, user_confidence(event)
    return None, None


def is_button_click(event: dict[str, Any]) -> bool:
    """A user message sent by a button (its text is a payload like '/affirm')."""
    return (event.get("text") or "").startswith("/")


def utter_action(event: dict[str, Any]) -> str:
    """The response name of a bot message ('' when it has none)."""
    return (event.get("metadata") or {}).get("utter_action") or ""


def is_handoff(event: dict[str, Any]) -> bool:
    """A handoff: the handoff action ran, or the bot confirmed a handoff."""
    kind = event.get("event")
    if kind == "action":
        return event.get("name") == HANDOFF_ACTION
    return kind == "bot" and utter_action(event) in HANDOFF_UTTERANCES


def asks_something(event: dict[str, Any]) -> bool:
    """A bot message that waits for an answer (a question, buttons or a form question)."""
    utter = utter_action(event)
    if utter in CLOSING_QUESTIONS:
        return False
    if utter.startswith("utter_ask_") or (event.get("data") or {}).get("buttons"):
        return True
    return (event.get("text") or "").rstrip().endswith("?")


def _csat_value(value: Any) -> int | None:
    try:
        score = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(score) if score.is_integer() and 1 <= score <= 5 else None


# --- one conversation -------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationOutcome:
    """What one conversation counts towards."""

    sender_id: str
    day: date | None
    user_messages: int
    handed_off: bool
    handoff_reason: str | None
    handoff_path: tuple[str, ...]
    fallback_suggested: bool
    abandoned: bool
    csat_scores: tuple[int, ...]

    @property
    def engaged(self) -> bool:
        """At least one user message."""
        return self.user_messages > 0

    @property
    def contained(self) -> bool:
        """Engaged and never handed off."""
        return self.engaged and not self.handed_off


def _csat_scores(events: list[dict[str, Any]]) -> tuple[int, ...]:
    scores: list[int] = []
    waiting = False  # a csat message without an entity score: a slot may follow
    for event in events:
        kind = event.get("event")
        if kind == "user":
            waiting = False
            if user_intent(event) != CSAT_INTENT:
                continue
            entity_scores = [
                _csat_value(e.get("value"))
                for e in (event.get("parse_data") or {}).get("entities") or []
                if e.get("entity") == CSAT_SCORE
            ]
            found = next((s for s in entity_scores if s is not None), None)
            if found is not None:
                scores.append(found)
            else:
                waiting = True
        elif kind == "slot" and waiting and event.get("name") == CSAT_SCORE:
            found = _csat_value(event.get("value"))
            if found is not None:
                scores.append(found)
                waiting = False
    return tuple(scores)


def summarise_conversation(
    conversation: Conversation,
    now: datetime,
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT,
) -> ConversationOutcome:
    """What one conversation counts towards (see `DEFINITIONS`).

    Args:
        conversation: The conversation's events, in order.
        now: When the report is made (abandonment is measured against it).
        session_timeout: How long without a reply makes an open question abandoned.

    Returns:
        The conversation's outcome.
    """
    now = now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)
    events = conversation.events
    first_handoff = next((i for i, e in enumerate(events) if is_handoff(e)), None)
    reason: str | None = None
    path: tuple[str, ...] = ()
    if first_handoff is not None:
        before = events[: first_handoff + 1]
        reason = read_conversation(before, conversation.sender_id).reason
        intents = [user_intent(e) for e in before if e.get("event") == "user"]
        path = tuple(intents[-PATH_LENGTH:])
    users = sum(1 for e in events if e.get("event") == "user")
    messages = [e for e in events if e.get("event") in ("user", "bot")]
    abandoned = False
    if users and messages and messages[-1].get("event") == "bot" and asks_something(messages[-1]):
        asked_at = event_time(messages[-1])
        abandoned = asked_at is not None and now - asked_at > session_timeout
    started = conversation.started_at or next(
        (t for t in map(event_time, events) if t is not None), None
    )
    return ConversationOutcome(
        sender_id=conversation.sender_id,
        day=started.date() if started else None,
        user_messages=users,
        handed_off=first_handoff is not None,
        handoff_reason=reason,
        handoff_path=path,
        fallback_suggested=any(
            e.get("event") == "action" and e.get("name") == FALLBACK_ACTION for e in events
        ),
        abandoned=abandoned,
        csat_scores=_csat_scores(events),
    )


# --- all conversations ----------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Insights:
    """The metrics over a set of conversations; see `DEFINITIONS` for each."""

    generated_at: datetime
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT
    first_event: datetime | None = None
    last_event: datetime | None = None
    conversations: int = 0
    engaged_conversations: int = 0
    user_messages: int = 0
    contained: int = 0
    handoffs: int = 0
    handoff_reasons: Counter[str] = field(default_factory=Counter)
    fallback_messages: int = 0
    fallback_conversations: int = 0
    abandoned: int = 0
    csat_scores: Counter[int] = field(default_factory=Counter)
    intent_counts: Counter[str] = field(default_factory=Counter)
    intents_per_day: dict[date, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    conversations_per_day: Counter[date] = field(default_factory=Counter)
    handoffs_per_day: Counter[date] = field(default_factory=Counter)
    confidence_sums: dict[str, list[float]] = field(default_factory=dict)
    handoff_paths: Counter[tuple[str, ...]] = field(default_factory=Counter)

    @property
    def containment_rate(self) -> float | None:
        """Engaged conversations without a handoff ÷ engaged conversations."""
        return _rate(self.contained, self.engaged_conversations)

    @property
    def handoff_rate(self) -> float | None:
        """Engaged conversations with a handoff ÷ engaged conversations."""
        return _rate(self.handoffs, self.engaged_conversations)

    @property
    def fallback_message_rate(self) -> float | None:
        """User messages with intent nlu_fallback ÷ user messages."""
        return _rate(self.fallback_messages, self.user_messages)

    @property
    def fallback_conversation_rate(self) -> float | None:
        """Engaged conversations where action_fallback_suggest ran ÷ engaged conversations."""
        return _rate(self.fallback_conversations, self.engaged_conversations)

    @property
    def abandonment_rate(self) -> float | None:
        """Engaged conversations left on an unanswered bot question ÷ engaged conversations."""
        return _rate(self.abandoned, self.engaged_conversations)

    @property
    def csat_responses(self) -> int:
        """How many valid scores (1–5) were given."""
        return sum(self.csat_scores.values())

    @property
    def csat_average(self) -> float | None:
        """Mean score 1–5, or None when no score was collected."""
        total = sum(score * n for score, n in self.csat_scores.items())
        return _rate(total, self.csat_responses)

    def top_intents(self, n: int = 10) -> list[tuple[str, int]]:
        """The `n` most frequent intents with their message counts."""
        return self.intent_counts.most_common(n)

    def lowest_confidence_intents(
        self, n: int = 10, min_messages: int = MIN_MESSAGES_FOR_CONFIDENCE
    ) -> list[tuple[str, float, int]]:
        """(intent, mean confidence, messages), lowest mean first, for well-enough-used intents."""
        rows = [
            (intent, total / count, int(count))
            for intent, (total, count) in self.confidence_sums.items()
            if count >= min_messages
        ]
        return sorted(rows, key=lambda row: (row[1], row[0]))[:n]

    def top_handoff_paths(self, n: int = 10) -> list[tuple[tuple[str, ...], int]]:
        """The `n` most common intent sequences before a handoff."""
        return self.handoff_paths.most_common(n)

    def days(self) -> list[date]:
        """Every UTC day with a conversation or a user message, in order."""
        return sorted(set(self.conversations_per_day) | set(self.intents_per_day))

    def add(self, conversation: Conversation) -> None:
        """Count one conversation in."""
        outcome = summarise_conversation(conversation, self.generated_at, self.session_timeout)
        self.conversations += 1
        for moment in (conversation.started_at, conversation.ended_at):
            if moment is not None:
                self.first_event = min(self.first_event or moment, moment)
                self.last_event = max(self.last_event or moment, moment)
        for event in conversation.events:
            if event.get("event") != "user":
                continue
            self.user_messages += 1
            intent = user_intent(event)
            self.intent_counts[intent] += 1
            moment = event_time(event)
            if moment is not None:
                self.intents_per_day[moment.date()][intent] += 1
            if intent == FALLBACK_INTENT:
                self.fallback_messages += 1
            predicted, confidence = predicted_intent(event)
            if predicted and confidence is not None and not is_button_click(event):
                sums = self.confidence_sums.setdefault(predicted, [0.0, 0])
                sums[0] += confidence
                sums[1] += 1
        self.csat_scores.update(outcome.csat_scores)
        if not outcome.engaged:
            return
        self.engaged_conversations += 1
        if outcome.day is not None:
            self.conversations_per_day[outcome.day] += 1
        if outcome.contained:
            self.contained += 1
        if outcome.handed_off:
            self.handoffs += 1
            self.handoff_reasons[outcome.handoff_reason or "unknown"] += 1
            self.handoff_paths[outcome.handoff_path] += 1
            if outcome.day is not None:
                self.handoffs_per_day[outcome.day] += 1
        if outcome.fallback_suggested:
            self.fallback_conversations += 1
        if outcome.abandoned:
            self.abandoned += 1


def compute_insights(
    conversations: Iterable[Conversation],
    now: datetime | None = None,
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT,
) -> Insights:
    """Every metric in `DEFINITIONS`, in one pass over the conversations.

    Args:
        conversations: Any iterable, e.g. `TrackerEventReader.conversations(since)`.
        now: When the report is made (default: the current UTC time).
        session_timeout: No user reply for longer than this makes an open question abandoned.

    Returns:
        The metrics.
    """
    insights = Insights(
        generated_at=now or datetime.now(timezone.utc), session_timeout=session_timeout
    )
    for conversation in conversations:
        insights.add(conversation)
    return insights


# --- messages to review ---------------------------------------------------------------


@dataclass
class ReviewItem:
    """A user message a person should look at (and perhaps label for training)."""

    text: str
    intent: str
    suggested_intent: str | None
    confidence: float | None
    conversation_id: str
    reasons: list[str]
    timestamp: datetime | None = None
    occurrences: int = 1
    # (entity, value) NLU found, values scrubbed like the text; secret slots never appear
    entities: tuple[tuple[str, str], ...] = ()


def review_items(conversations: Iterable[Conversation], below: float = 0.6) -> list[ReviewItem]:
    """User messages worth reviewing, de-duplicated by normalised (scrubbed) text.

    A typed message (not a button click, not an answer to a verification question) is picked
    when its predicted intent's confidence is below `below` ("low_confidence"), when its
    intent is nlu_fallback ("fallback"), or when it is the customer's latest topic message
    (intent not in `CONTROL_INTENTS`) before a "no" to utter_did_that_help /
    utter_browser_step_helped ("didnt_help") or before a handoff ("handoff"). The first
    occurrence of a text is kept; later ones add their reasons and raise `occurrences`.

    Args:
        conversations: The conversations to look through.
        below: The confidence threshold.

    Returns:
        The items, lowest confidence first (unknown confidence last).
    """
    found: dict[str, ReviewItem] = {}
    for conversation in conversations:
        for event, reasons in _flagged_messages(conversation.events, below):
            text = scrub(event.get("text") or "")
            key = normalise_text(text)
            if not key:
                continue
            if key in found:
                item = found[key]
                item.occurrences += 1
                item.reasons.extend(r for r in reasons if r not in item.reasons)
                continue
            suggested, confidence = predicted_intent(event)
            found[key] = ReviewItem(
                text=text,
                intent=user_intent(event),
                suggested_intent=suggested,
                confidence=confidence,
                conversation_id=conversation.sender_id,
                reasons=list(reasons),
                timestamp=event_time(event),
                entities=_entities(event),
            )
    return sorted(
        found.values(),
        key=lambda i: (i.confidence is None, i.confidence or 0.0, i.text),
    )


def _entities(event: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(entity, scrubbed value) of a user message, secret slots left out."""
    found = []
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name and isinstance(value, str) and name not in SECRET_SLOTS:
            found.append((str(name), scrub(value)))
    return tuple(dict.fromkeys(found))


def _flagged_messages(
    events: list[dict[str, Any]], below: float
) -> list[tuple[dict[str, Any], list[str]]]:
    flagged: dict[int, list[str]] = {}
    requested_slot: str | None = None
    last_utter = ""
    latest_topic: int | None = None  # index of the latest topic message

    def flag(index: int | None, reason: str) -> None:
        if index is not None and reason not in flagged.setdefault(index, []):
            flagged[index].append(reason)

    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        elif kind == "bot":
            last_utter = utter_action(event) or last_utter
        if is_handoff(event):
            # The action and its confirmation both count: the first one flags the message.
            flag(latest_topic, "handoff")
            latest_topic = None
        if kind != "user":
            continue
        intent = user_intent(event)
        if intent == "deny" and last_utter in HELP_QUESTIONS:
            flag(latest_topic, "didnt_help")
        last_utter = ""
        if is_button_click(event) or requested_slot in SECRET_SLOTS:
            continue
        if intent == FALLBACK_INTENT:
            flag(index, "fallback")
        _, confidence = predicted_intent(event)
        if confidence is not None and confidence < below:
            flag(index, "low_confidence")
        if intent not in CONTROL_INTENTS:
            latest_topic = index
    return [(events[i], reasons) for i, reasons in sorted(flagged.items())]


# --- export ---------------------------------------------------------------------------

EXPORT_COLUMNS = ("sender_id", "timestamp", "type", "intent", "confidence", "action", "text")


def export_rows(conversation: Conversation) -> Iterator[dict[str, Any]]:
    """One row per event: sender_id, timestamp (ISO 8601, UTC), type, intent, confidence,
    action (an action's name, or a bot message's response name), text (the customer's
    scrubbed, the bot's with emails masked).

    Args:
        conversation: The conversation to flatten.

    Yields:
        Dicts with exactly the keys of `EXPORT_COLUMNS` (None where a field does not apply).
    """
    requested_slot: str | None = None
    for event in conversation.events:
        kind = event.get("event") or ""
        moment = event_time(event)
        row: dict[str, Any] = dict.fromkeys(EXPORT_COLUMNS)
        row.update(sender_id=conversation.sender_id, type=kind)
        row["timestamp"] = moment.isoformat() if moment else None
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        if kind == "user":
            row["intent"] = user_intent(event) or None
            row["confidence"] = user_confidence(event)
            row["text"] = mask_emails(redact_reply(event.get("text") or "", requested_slot))
        elif kind == "bot":
            row["action"] = utter_action(event) or None
            # The bot's own words hold no secrets, only addresses it repeats back.
            row["text"] = mask_emails(event.get("text") or "")
        elif kind == "action":
            row["action"] = event.get("name")
        yield row
