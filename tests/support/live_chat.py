"""A fake of Rasa's conversation API for live-handoff tests: it keeps the events it was sent
per conversation (as Rasa would append them) and can be switched off like a server that is
down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.domain.ports import ConversationUnavailableError


@dataclass
class FakeConversationControl:
    """Records pause / resume / bot events per conversation; `down = True` fails every call."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down: bool = False
    triggered: list[tuple[str, str]] = field(default_factory=list)
    trigger_replies: list[str] = field(default_factory=list)

    def _append(self, conversation_id: str, event: dict[str, Any]) -> None:
        if self.down:
            raise ConversationUnavailableError("rasa: ConnectionError")
        self.events.setdefault(conversation_id, []).append(event)

    def pause(self, conversation_id: str) -> None:
        self._append(conversation_id, {"event": "pause"})

    def resume(self, conversation_id: str) -> None:
        self._append(conversation_id, {"event": "resume"})

    def record_agent_message(self, conversation_id: str, text: str, author: str,
                             kind: str = "agent") -> None:  # fmt: skip
        self._append(conversation_id, {"event": "bot", "text": text,
                                       "metadata": {"agent": author, "kind": kind}})  # fmt: skip

    def trigger(self, conversation_id: str, intent: str) -> list[str]:
        if self.down:
            raise ConversationUnavailableError("rasa: ConnectionError")
        self.triggered.append((conversation_id, intent))
        return list(self.trigger_replies)

    def paused(self, conversation_id: str) -> bool:
        kinds = [e["event"] for e in self.events.get(conversation_id, []) if e["event"] in
                 ("pause", "resume")]  # fmt: skip
        return bool(kinds) and kinds[-1] == "pause"


class FakeEventReader:
    """`TrackerEventReader.events_after` over a list of (row id, sender, event)."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, dict[str, Any]]] = []

    def add(self, sender_id: str, event: dict[str, Any]) -> int:
        row_id = len(self.rows) + 1
        self.rows.append((row_id, sender_id, event))
        return row_id

    def events_after(self, sender_id: str, after_id: int = 0,
                     limit: int = 500) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
        found = [(i, e) for i, s, e in self.rows if s == sender_id and i > after_id]
        return found[:limit]
