"""Pushing agents' messages to customers' web-chat sockets, from every Rasa process.

A customer's socket is held by one Rasa process (the balancer keeps a socket.io session on
one process); the agent writes from the inbox or the command line, which reach any process.
So the agent side queues the message in the app database (`chat_deliveries`) and every Rasa
process runs this poller: it reads rows newer than the last it saw and emits each to the
socket.io room of its conversation. Only the process holding that room has anyone in it;
elsewhere the emit reaches nobody. Polling costs one indexed query every `interval` seconds
per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.domain.live_chat import AGENT_MESSAGE_KEY, ChatDelivery
from bot.domain.ports import ChatDeliveryStore

log = logging.getLogger(__name__)

POLL_SECONDS = 0.3
RETRY_SECONDS = 5.0


def socket_payload(delivery: ChatDelivery) -> dict[str, Any]:
    """What the widget receives (the `bot_uttered` event): the text, plus who wrote it."""
    return {"text": delivery.text, AGENT_MESSAGE_KEY: delivery.author, "kind": delivery.kind}


async def push_deliveries(
    store: ChatDeliveryStore,
    emit: Any,
    interval: float = POLL_SECONDS,
    stop: asyncio.Event | None = None,
) -> None:
    """Emit new deliveries until `stop` is set (or the task is cancelled).

    Args:
        store: the delivery queue.
        emit: `async emit(payload, room)`: sends one message to a conversation's sockets.
        interval: seconds between polls.
        stop: ends the loop when set (tests); servers cancel the task instead.
    """
    stop = stop or asyncio.Event()
    last_id: int | None = None
    while not stop.is_set():
        try:
            if last_id is None:  # start after what is already there: no replays on restart
                last_id = await asyncio.to_thread(store.newest_id)
            for delivery in await asyncio.to_thread(store.after, last_id):
                await emit(socket_payload(delivery), delivery.conversation_id)
                last_id = delivery.id
            wait = interval
        except asyncio.CancelledError:
            raise
        except Exception:  # database away: keep the server answering, try again later
            log.exception("could not read the chat delivery queue; retrying")
            wait = RETRY_SECONDS
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
