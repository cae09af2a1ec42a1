"""Live handoff: what an agent's presence in a customer's web chat looks like.

While an agent holds a case "live", the assistant is paused for that conversation (Rasa's
`ConversationPaused` / `ConversationResumed` events), the agent's replies go to the
customer's chat and into the tracker as bot-side events carrying the agent's name, and the
customer is told when the agent joins, hands back to the assistant or closes the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

# Channels that can receive a message the customer did not ask for (a pushed reply). REST
# is request/response only: its customers get the email follow-up instead.
LIVE_CHANNELS = frozenset({"socketio"})
MAX_REPLY_CHARS = 2000
MAX_DISPLAY_NAME_CHARS = 60
AGENT_MESSAGE_KEY = "agent"  # the bot event's metadata key that names the human author


class NotLiveError(RuntimeError):
    """The conversation cannot take a live reply (another channel, or the agent is not in it)."""


class NotYourCaseError(RuntimeError):
    """The case is held by another agent (or by nobody)."""


@dataclass(frozen=True)
class ChatDelivery:
    """A message waiting to be pushed to the customer's open chat sockets."""

    id: int
    conversation_id: str
    kind: str  # agent | joined | left
    author: str  # the agent's display name ("" for notices from the assistant)
    text: str
    created_at: datetime


def display_name_from_email(email: str) -> str:
    """A first name to show customers when an agent set none: "ana.lopez@x" -> "Ana"."""
    local = email.split("@", 1)[0]
    first = local.replace("_", ".").replace("-", ".").split(".")[0]
    return (first[:1].upper() + first[1:].lower()) or "Support"


def clean_display_name(name: str) -> str:
    """One line of plain text, at most `MAX_DISPLAY_NAME_CHARS`."""
    return " ".join(name.split())[:MAX_DISPLAY_NAME_CHARS]


def joined_notice(name: str) -> str:
    return f"You are now chatting with {name} from our support team."


def released_notice(name: str) -> str:
    return (
        f"{name} has handed the chat back to the assistant. "
        "If you need anything else, just type it here."
    )


def resolved_notice(name: str) -> str:
    return (
        f"{name} has closed this case. Thank you for your patience. "
        "If you need anything else, the assistant is here."
    )


def usable_reply(text: str) -> str:
    """The reply as it will be sent; raises ValueError when empty or too long."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("write a reply first")
    if len(cleaned) > MAX_REPLY_CHARS:
        raise ValueError(f"keep replies under {MAX_REPLY_CHARS} characters")
    return cleaned


@dataclass(frozen=True)
class ChatLine:
    """One message of a conversation as the agent's live view shows it."""

    id: int  # the tracker event's row id (the live view continues after it)
    at: datetime
    speaker: str  # customer | assistant | agent | notice
    name: str  # the agent's display name for agent and notice lines
    text: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "at": self.at.isoformat(), "speaker": self.speaker,
                "name": self.name, "text": self.text}  # fmt: skip


def chat_line(event_id: int, event: dict[str, object]) -> ChatLine | None:
    """The line a tracker event shows as, or None for events that are not messages."""
    text = event.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    stamp = event.get("timestamp")
    at = datetime.fromtimestamp(float(stamp), tz=timezone.utc) if isinstance(
        stamp, (int, float)) else datetime.now(timezone.utc)  # fmt: skip
    if event.get("event") == "user":
        return ChatLine(event_id, at, "customer", "", text)
    if event.get("event") != "bot":
        return None
    metadata = event.get("metadata")
    author = metadata.get(AGENT_MESSAGE_KEY) if isinstance(metadata, dict) else None
    if not isinstance(author, str) or not isinstance(metadata, dict):
        return ChatLine(event_id, at, "assistant", "", text)
    speaker = "notice" if metadata.get("kind") in ("joined", "left") else "agent"
    return ChatLine(event_id, at, speaker, author, text)
