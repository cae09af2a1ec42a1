"""Rasa's own HTTP API, used from outside a conversation: the inbox and the command line
pause and resume the assistant, record what an agent said, or trigger an intent.

Every Rasa process runs with `--enable-api --auth-token` (see `bot.cli.serve`); Rasa takes
the token as the `token` query parameter. Calls go to any process (the load balancer picks
one): each takes the conversation's lock and writes the shared tracker store.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from bot.adapters.http import Timeouts
from bot.adapters.json_api import JsonApiClient
from bot.domain.live_chat import AGENT_MESSAGE_KEY
from bot.domain.ports import ConversationUnavailableError

API_TIMEOUTS = Timeouts(2.0, 10.0)


class RasaConversationControl:
    """Writes events into conversations through Rasa's `/conversations/...` endpoints."""

    def __init__(
        self,
        session: requests.Session,
        rasa_url: str,
        token: str,
        timeouts: Timeouts = API_TIMEOUTS,
    ) -> None:
        self._api = JsonApiClient(session, rasa_url.rstrip("/"), timeouts, "rasa",
                                  ConversationUnavailableError)  # fmt: skip
        self._params = {"token": token, "include_events": "NONE"}

    def pause(self, conversation_id: str) -> None:
        self._append(conversation_id, [{"event": "pause"}], "pause")

    def resume(self, conversation_id: str) -> None:
        self._append(conversation_id, [{"event": "resume"}], "resume")

    def record_agent_message(self, conversation_id: str, text: str, author: str,
                             kind: str = "agent") -> None:  # fmt: skip
        """A bot-side event whose metadata names the person (`agent`) and `kind`
        (agent: their words; joined / left: the notices)."""
        metadata = {AGENT_MESSAGE_KEY: author, "kind": kind}
        event = {"event": "bot", "text": text, "metadata": metadata}
        self._append(conversation_id, [event], "record agent message")

    def trigger(self, conversation_id: str, intent: str) -> list[str]:
        """Trigger `intent` in the conversation; the texts the assistant answered with (the
        caller pushes them to the customer: Rasa's own push reaches only its process)."""
        body = self._api.call(
            "POST",
            f"/conversations/{quote(conversation_id, safe='')}/trigger_intent",
            "trigger intent",
            params=self._params,
            json={"name": intent, "entities": {}},
        )
        messages = body.get("messages") if isinstance(body, dict) else None
        return [m["text"] for m in messages or () if isinstance(m, dict) and m.get("text")]

    def _append(self, conversation_id: str, events: list[dict[str, Any]], what: str) -> None:
        self._api.call(
            "POST",
            f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
            what,
            params=self._params,
            json=events,
        )
