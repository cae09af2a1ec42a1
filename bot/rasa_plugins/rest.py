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
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.domain.chat import (
    NOT_TEXT_REPLY,
    customer_text,
    metadata_too_big,
    problem_with,
    stamped,
    too_long_reply,
)

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

    def _extract_message(self, req: Request) -> str | None:
        """The message text, with reserved and server-only payloads read as words."""
        text = super()._extract_message(req)
        return customer_text(text) if isinstance(text, str) else text

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """The client's metadata, plus when the message reached this server."""
        return stamped(super().get_metadata(request), time.time())

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
            if request.method != "POST":
                return None
            try:
                body = request.json
            except Exception:  # sanic raises its own error for a body that is not JSON
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("sender"), str):
                return response.json({"error": "expected a JSON object with sender and message"},
                                     status=400)  # fmt: skip
            if metadata_too_big(body.get("metadata")):
                return response.json({"error": "metadata too large"}, status=413)
            problem = problem_with(body.get("message"), limit)
            if problem is None:
                return None
            log.info("refused a REST message (%s)", problem)
            text = too_long_reply(limit) if problem == "too_long" else NOT_TEXT_REPLY
            return response.json([{"recipient_id": body["sender"], "text": text}])

        return blueprint
