"""Webhooks from the external helpdesk: agents' public replies in Zendesk reach the
customer's web chat.

`POST /helpdesk/zendesk/webhook`, called by a Zendesk webhook that a trigger fires on
"Ticket is updated / Comment is public", with this JSON body (Zendesk placeholders):

    {"ticket_id": "{{ticket.id}}", "author": "{{current_user.first_name}}",
     "comment": "{{ticket.latest_public_comment}}"}

Every request must carry Zendesk's signature: `X-Zendesk-Webhook-Signature` is
base64(HMAC-SHA256(signing secret, `X-Zendesk-Webhook-Signature-Timestamp` + raw body)).
The signing secret comes from SIGNIN_ZENDESK_WEBHOOK_SECRET; without it the route answers
404 (it does not exist). Requests older or newer than five minutes are refused (replays).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from aiohttp import web

from bot.adapters.json_api import parse_time
from bot.services.live_chat import LiveChatService

log = logging.getLogger(__name__)

PATH = "/helpdesk/zendesk/webhook"
SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
MAX_SKEW = timedelta(minutes=5)
MAX_BODY = 64 * 1024


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_by_zendesk(
    secret: str, timestamp: str, body: bytes, signature: str, now: datetime
) -> bool:
    """Whether the request carries a fresh signature made with our signing secret."""
    sent_at = parse_time(timestamp)
    if not secret or not signature or sent_at is None or abs(now - sent_at) > MAX_SKEW:
        return False
    expected = zendesk_signature(secret, timestamp, body)
    return hmac.compare_digest(expected.encode(), signature.encode())


def add_helpdesk_routes(
    app: web.Application, live_chat: LiveChatService, secret: str, clock: Callable[[], datetime]
) -> None:
    """Register the Zendesk webhook (only when a signing secret is configured)."""
    if not secret:
        return

    async def zendesk_webhook(request: web.Request) -> web.Response:
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        if not signed_by_zendesk(secret, request.headers.get(TIMESTAMP, ""), body,
                                 request.headers.get(SIGNATURE, ""), clock()):  # fmt: skip
            log.warning("refused a Zendesk webhook call without a valid signature")
            return web.json_response({"error": "signature"}, status=401)
        try:
            payload = json.loads(body)
            ticket = str(payload["ticket_id"]).strip()
            text = str(payload.get("comment") or "")
            author = str(payload.get("author") or "Support")
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "unexpected body"}, status=400)
        try:
            case = await asyncio.to_thread(live_chat.helpdesk_reply, ticket, author, text)
        except ValueError:  # empty or too long: nothing to show in a chat
            return web.json_response({"delivered": False, "reason": "comment"}, status=200)
        return web.json_response({"delivered": case is not None})

    app.router.add_post(PATH, zendesk_webhook, name="zendesk_webhook")
