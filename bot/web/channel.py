"""Rasa's socketio input channel with its session room really joined.

Rasa 3.6's `SocketIOInput` answers `session_request` with `sio.enter_room(sid, session_id)`
and no `await`. python-socketio 5 made `AsyncServer.enter_room` a coroutine, so the socket
never joins the room named after the session id (Python warns "coroutine ... was never
awaited"). With `session_persistence: true`, which the web chat needs so that a reload or a
dropped connection continues the same conversation, Rasa sends every bot message to that
room: the browser receives nothing at all.

This channel keeps Rasa's wire format (`session_request` / `session_confirm`,
`user_uttered` / `bot_uttered` as set in credentials.yml) and changes two handlers:

- `session_request` awaits `enter_room`, and remembers which session this socket asked for;
- a user message is accepted only for that session, so a socket cannot post into another
  conversation by naming its id.

Use it in credentials.yml as `bot.web.channel.SocketIOInput:` with the usual socketio keys.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)

SESSION_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SESSION_KEY = "rasa_session_id"


def accepted_session_id(data: Any) -> str:
    """The session id a `session_request` asked for, or a new random one.

    Args:
        data: the event's payload, normally `{"session_id": "..."}` or `{"session_id": null}`.

    Returns:
        The requested id when it is a short string of letters, digits, `-` and `_`; otherwise
        a new UUID4 hex string (what Rasa gives a client that asks for none).
    """
    requested = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(requested, str) and SESSION_ID_SHAPE.fullmatch(requested):
        return requested
    return uuid.uuid4().hex


def message_metadata(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The metadata sent with a message (a dict or a JSON object string), else `{}`."""
    metadata = data.get(key) or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    return metadata if isinstance(metadata, dict) else {}


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socketio channel, with `session_request` fixed for python-socketio 5."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with the session and message handlers replaced."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the parent's blueprint()

        async def session_request(sid: str, data: Any) -> None:
            session_id = accepted_session_id(data)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.save_session(sid, {_SESSION_KEY: session_id}, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket %s joined session %s", sid, session_id)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=self.namespace)
                confirmed = session.get(_SESSION_KEY)
                if not confirmed or data.get("session_id") != confirmed:
                    logger.warning(
                        "ignored a socketio message: send `session_request` first and use "
                        "the session id it confirms"
                    )
                    return
                sender_id = confirmed
            else:
                sender_id = sid
            message = UserMessage(
                str(data.get("message", "")),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=message_metadata(data, self.metadata_key),
            )
            await on_new_message(message)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return blueprint
