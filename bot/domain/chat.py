"""Rules for what a chat message may be, shared by every channel."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_METADATA_BYTES = 4096  # what a channel passes on of the client's message metadata


def problem_with(text: object, limit: int) -> str | None:
    """Why a message cannot be processed: "not_text", "too_long", or None when it can."""
    if not isinstance(text, str):
        return "not_text"
    if len(text) > limit:
        return "too_long"
    return None


def metadata_too_big(metadata: Any) -> bool:
    """Client metadata over MAX_METADATA_BYTES once serialised (or not serialisable)."""
    if metadata is None:
        return False
    try:
        return len(json.dumps(metadata)) > MAX_METADATA_BYTES
    except (TypeError, ValueError):
        return True


# Payloads ("/intent{...}") a customer may not send: Rasa's own control intents (a
# `/restart` or `/session_start` would wipe the conversation, also away from an agent who is
# answering it, and `/back` would rewind it) and the intents only the server triggers
# (`EXTERNAL_...`, e.g. "nobody could take your chat"). Buttons never send them.
RESERVED_INTENTS = frozenset({"restart", "session_start", "back", "nlu_fallback"})
SERVER_ONLY_PREFIX = "EXTERNAL_"
_PAYLOAD_INTENT = re.compile(r"/([^{@\s]*)")


def customer_text(text: str) -> str:
    """The text to process for what a customer typed: a payload naming a reserved or
    server-only intent loses its leading slash, so it is read as words, not as a command."""
    stripped = text.strip()
    match = _PAYLOAD_INTENT.match(stripped)
    if match is None:
        return text
    intent = match.group(1)
    if intent in RESERVED_INTENTS or intent.startswith(SERVER_ONLY_PREFIX):
        return stripped[1:]
    return text


# The wall-clock second a message reached the server, written by our channels into the
# message metadata (overwriting anything a client sent under that name) before the message
# waits for its conversation's lock and the NLU: reply floors count from it.
RECEIVED_AT = "signin_received_at"


def stamped(metadata: Any, now: float) -> dict[str, Any]:
    """The client's metadata (a dict, else nothing) with the server's arrival time added."""
    kept = dict(metadata) if isinstance(metadata, dict) else {}
    kept[RECEIVED_AT] = now
    return kept


def too_long_reply(limit: int) -> str:
    """The polite answer to an over-long message."""
    return (
        f"That message is longer than I can take ({limit:,} characters at most), so I haven't "
        "read it. Could you send a shorter version? The problem in a sentence or two is plenty."
    )


NOT_TEXT_REPLY = "I can only read text messages. Could you type your question?"
