"""The poller every Rasa process runs: agents' messages reach the sockets of their
conversation, in order, once, and only what was queued after the process started."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
from bot.bootstrap import Container
from bot.rasa_plugins.live_delivery import push_deliveries
from tests.fakes import FakeClock


def test_new_messages_are_emitted_to_their_conversation_room(
    container: Container, clock: FakeClock
) -> None:
    store = SqlChatDeliveries(container.engine, clock)
    store.add("old-conv", "agent", "Ana", "sent before this process started")
    emitted: list[tuple[str, dict[str, Any]]] = []

    async def emit(payload: dict[str, Any], room: str) -> None:
        emitted.append((room, payload))

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(push_deliveries(store, emit, interval=0.05, stop=stop))
        await asyncio.sleep(0.2)
        store.add("conv-a", "joined", "Ana", "You are now chatting with Ana.")
        store.add("conv-b", "agent", "Bo", "Hello from Bo")
        store.add("conv-a", "agent", "Ana", "<b>not markup</b>")
        await asyncio.sleep(0.3)
        stop.set()
        await task

    asyncio.run(scenario())
    assert emitted == [
        ("conv-a", {"text": "You are now chatting with Ana.", "agent": "Ana", "kind": "joined"}),
        ("conv-b", {"text": "Hello from Bo", "agent": "Bo", "kind": "agent"}),
        ("conv-a", {"text": "<b>not markup</b>", "agent": "Ana", "kind": "agent"}),
    ]


def test_a_database_error_does_not_stop_the_poller(container: Container, clock: FakeClock) -> None:
    class Flaky(SqlChatDeliveries):
        calls = 0

        def after(self, last_id: int, limit: int = 100) -> list:
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise OSError("database away")
            return super().after(last_id, limit)

    store = Flaky(container.engine, clock)
    emitted: list[str] = []

    async def emit(payload: dict[str, Any], room: str) -> None:
        emitted.append(payload["text"])

    async def scenario() -> None:
        import bot.rasa_plugins.live_delivery as module

        module.RETRY_SECONDS, saved = 0.05, module.RETRY_SECONDS
        try:
            stop = asyncio.Event()
            task = asyncio.create_task(push_deliveries(store, emit, interval=0.05, stop=stop))
            await asyncio.sleep(0.1)
            store.add("conv", "agent", "Ana", "after the outage")
            await asyncio.sleep(0.4)
            stop.set()
            await task
        finally:
            module.RETRY_SECONDS = saved

    asyncio.run(scenario())
    assert emitted == ["after the outage"] and Flaky.calls > 2
