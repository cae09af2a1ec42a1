"""Rasa's REST channel with a length limit and an optional token.

REST is for scripts, tests and server-to-server use. Anyone who can reach it can name any
sender id, so it must not face the public: the production credentials file leaves it out,
and when it is enabled a `token:` in credentials.yml makes it require
`Authorization: Bearer <token>` (or `?token=`). A message over the length limit (settings
`chat.max_message_chars`) gets a polite "please shorten it" and is never processed.

Use it in credentials.yml as `bot.rasa_plugins.rest.RestInput:` (URL unchanged:
`/webhooks/rest/webhook`).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.domain.chat import is_too_long, too_long_reply

log = logging.getLogger(__name__)


class RestInput(RasaRestInput):
    """Rasa's REST channel (same name and URL) with a length limit and optional token."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token or None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        return cls((credentials or {}).get("token"))

    def _authorised(self, request: Request) -> bool:
        if self.token is None:
            return True
        sent = request.headers.get("Authorization", "")
        sent = sent[7:] if sent.startswith("Bearer ") else request.args.get("token", "")
        return hmac.compare_digest(sent.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with the token and length checks in front of it."""
        blueprint = super().blueprint(on_new_message)
        from bot.settings import get_settings

        limit = get_settings().chat.max_message_chars

        @blueprint.middleware("request")
        async def guard(request: Request):  # type: ignore[no-untyped-def]
            if not request.path.endswith("/webhook"):
                return None
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if request.method == "POST" else None
            if isinstance(body, dict) and is_too_long(body.get("message"), limit):
                log.info("refused a REST message over %d characters", limit)
                sender = str(body.get("sender") or "")
                return response.json([{"recipient_id": sender, "text": too_long_reply(limit)}])
            return None

        return blueprint
