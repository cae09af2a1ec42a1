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
- session ids are issued by the server and signed: the client keeps `<id>_<signature>`
  (HMAC-SHA256 with SIGNIN_SECRET_KEY), the conversation is `<id>`. A client that presents
  anything else gets a new conversation, so an id seen in an export, a ticket or the inbox
  gives no way into that conversation;
- a user message is accepted only for that session, so a socket cannot post into another
  conversation by naming its id;
- a message over the length limit (settings `chat.max_message_chars`) gets a polite
  "please shorten it" and is never processed.

Use it in credentials.yml as `bot.rasa_plugins.socketio.SocketIOInput:` with the usual keys.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint

from bot.domain.chat import (
    NOT_TEXT_REPLY,
    customer_text,
    metadata_too_big,
    problem_with,
    stamped,
    too_long_reply,
)
from bot.settings import DEVELOPMENT_SECRET_KEY, PROJECT_ROOT, Settings, local_secret

logger = logging.getLogger(__name__)

SESSION_TOKEN_SHAPE = re.compile(r"([0-9a-f]{32})_([0-9a-f]{32})")
_SESSION_KEY = "rasa_session_id"
_TOKEN_KEY = "signin_session_token"


def _signature(session_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"chat-session:{session_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def session_token(session_id: str, secret: str) -> str:
    """What the client keeps for a session: the id and its signature."""
    return f"{session_id}_{_signature(session_id, secret)}"


DEV_KEY_FILE = PROJECT_ROOT / "var" / "chat-session.key"


def chat_session_key(settings: Settings) -> str:
    """The key that signs web-chat session ids.

    The deployment's SIGNIN_SECRET_KEY; with the development key (which is public: it is in
    the repository) a random key kept in var/ (owner-only) instead, so that nobody can forge
    session ids of a development server either.
    """
    if settings.secret_key != DEVELOPMENT_SECRET_KEY:
        return settings.secret_key
    return local_secret(DEV_KEY_FILE)


def accepted_session(data: Any, secret: str) -> tuple[str, str]:
    """The (conversation id, client token) for a `session_request`.

    Args:
        data: the event's payload, normally `{"session_id": "<token>"}` or `{"session_id": null}`.
        secret: the deployment's secret key.

    Returns:
        The requested session when its token carries our signature; otherwise a new random
        conversation id (UUID4 hex) and its token.
    """
    requested = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(requested, str):
        match = SESSION_TOKEN_SHAPE.fullmatch(requested)
        if match and hmac.compare_digest(match.group(2), _signature(match.group(1), secret)):
            return match.group(1), requested
    session_id = uuid.uuid4().hex
    return session_id, session_token(session_id, secret)


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
        from bot.settings import get_settings

        settings = get_settings()
        secret, limit = chat_session_key(settings), settings.chat.max_message_chars

        async def session_request(sid: str, data: Any) -> None:
            session_id, token = accepted_session(data, secret)
            previous = (await sio.get_session(sid, namespace=self.namespace)).get(_SESSION_KEY)
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=self.namespace)
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.save_session(
                sid, {_SESSION_KEY: session_id, _TOKEN_KEY: token}, namespace=self.namespace
            )
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
            logger.debug("socket %s joined a session", sid)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=self.namespace)
                confirmed = session.get(_SESSION_KEY)
                token = session.get(_TOKEN_KEY)
                if not confirmed or not token or data.get("session_id") != token:
                    logger.warning(
                        "ignored a socketio message: send `session_request` first and use "
                        "the session id it confirms"
                    )
                    return
                sender_id = confirmed
            else:
                sender_id = sid
            problem = problem_with(data.get("message"), limit)
            if problem is not None:
                text = too_long_reply(limit) if problem == "too_long" else NOT_TEXT_REPLY
                await sio.emit(self.bot_message_evt, {"text": text}, room=sid,
                               namespace=self.namespace)  # fmt: skip
                return
            metadata = message_metadata(data, self.metadata_key)
            message = UserMessage(
                customer_text(str(data.get("message", ""))),
                SocketIOOutput(sio, self.bot_message_evt),
                sender_id,
                input_channel=self.name(),
                metadata=stamped({} if metadata_too_big(metadata) else metadata, time.time()),
            )
            await on_new_message(message)

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        self._push_agent_messages(blueprint, sio)
        return blueprint

    def _push_agent_messages(self, blueprint: Blueprint, sio: Any) -> None:
        """Run the poller that brings agents' replies to this process's sockets."""
        import asyncio

        from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
        from bot.adapters.sql.engine import create_engine
        from bot.rasa_plugins.live_delivery import push_deliveries
        from bot.settings import get_settings

        async def emit(payload: dict[str, Any], room: str) -> None:
            await sio.emit(self.bot_message_evt, payload, room=room, namespace=self.namespace)

        tasks: list[asyncio.Task] = []

        async def start(_app: Any, _loop: Any) -> None:
            store = SqlChatDeliveries(create_engine(get_settings().database_url))
            tasks.append(asyncio.create_task(push_deliveries(store, emit)))

        async def stop(_app: Any, _loop: Any) -> None:
            for task in tasks:
                task.cancel()

        blueprint.listener("after_server_start")(start)
        blueprint.listener("before_server_stop")(stop)
