"""One conversation by id, turn by turn, redacted: what `conversations show` and the inbox's
conversation page display.

A turn is one user message (text redacted: typed secrets and answers to verification
questions never appear, email addresses become name@example.com) with the intent NLU
gave it, its confidence, the entity names it found, the model release that understood it,
and then the actions the assistant ran and the replies it sent before the next message.
Events before the first user message (session start, greeting) form turn 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.redaction import redact_reply
from bot.insights.metrics import event_time, mask_emails, user_confidence, user_intent, utter_action
from bot.insights.per_release import event_model_id
from bot.insights.reader import Conversation

# Rasa's own bookkeeping actions: not what the assistant "did".
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start"})


@dataclass
class Turn:
    """One user message and what followed it."""

    number: int
    at: datetime | None
    text: str | None  # None for turn 0
    intent: str | None = None
    confidence: float | None = None
    entities: list[str] = field(default_factory=list)
    model_id: str | None = None
    actions: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


def conversation_turns(conversation: Conversation) -> list[Turn]:
    """The conversation as turns (see the module docstring)."""
    turns = [Turn(0, conversation.started_at, None)]
    requested_slot: str | None = None
    for event in conversation.events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested_slot = event.get("value")
        elif kind == "user":
            entities = [
                str(e.get("entity"))
                for e in (event.get("parse_data") or {}).get("entities") or []
                if e.get("entity")
            ]
            turns.append(
                Turn(
                    number=len(turns),
                    at=event_time(event),
                    text=mask_emails(redact_reply(event.get("text") or "", requested_slot)),
                    intent=user_intent(event) or None,
                    confidence=user_confidence(event),
                    entities=sorted(set(entities)),
                    model_id=event_model_id(event),
                )
            )
        elif kind == "action" and event.get("name") not in QUIET_ACTIONS:
            turns[-1].actions.append(str(event.get("name")))
        elif kind == "bot":
            # The bot's own words hold no secrets, only addresses it repeats back.
            text = mask_emails(event.get("text") or "")
            name = utter_action(event)
            turns[-1].replies.append(f"{text}" if text else f"({name or 'no text'})")
    if not turns[0].actions and not turns[0].replies:
        turns.pop(0)
    return turns


def turns_as_json(sender_id: str, turns: list[Turn], releases: dict[str, str]) -> dict[str, Any]:
    """A JSON-ready dict: the conversation id and each turn (with its release id)."""
    rows = []
    for turn in turns:
        row = asdict(turn)
        row["at"] = turn.at.isoformat() if turn.at else None
        row["release"] = releases.get(turn.model_id or "")
        rows.append(row)
    return {"conversation": sender_id, "turns": rows}


def format_turns(sender_id: str, turns: list[Turn], releases: dict[str, str]) -> str:
    """Plain text for the terminal."""
    lines = [f"conversation {sender_id}: {sum(1 for t in turns if t.number)} user message(s)"]
    for turn in turns:
        when = f"{turn.at:%Y-%m-%d %H:%M:%S}" if turn.at else "-"
        if turn.number == 0:
            lines.append(f"\n[0] {when}  (start)")
        else:
            confidence = "-" if turn.confidence is None else f"{turn.confidence:.2f}"
            release = releases.get(turn.model_id or "") or (
                f"model {turn.model_id[:12]}" if turn.model_id else "model unknown"
            )
            lines.append(f"\n[{turn.number}] {when}  user: {turn.text}")
            lines.append(f"    intent {turn.intent or '-'} ({confidence})"
                         + (f", entities {', '.join(turn.entities)}" if turn.entities else "")
                         + f", {release}")  # fmt: skip
        for action in turn.actions:
            lines.append(f"    action {action}")
        for reply in turn.replies:
            lines.append(f"    bot: {reply}")
    return "\n".join(lines)
