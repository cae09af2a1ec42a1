"""The file lock store: one message per conversation at a time, across processes too."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from pathlib import Path

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins.lock_store import FileLockStore, bucket_of


def test_buckets_are_stable_and_bounded() -> None:
    assert bucket_of("abc") == bucket_of("abc")
    assert all(0 <= bucket_of(f"user-{i}", 16) < 16 for i in range(200))
    assert len({bucket_of(f"user-{i}") for i in range(200)}) > 150


def test_built_from_the_endpoints_file(tmp_path: Path) -> None:
    config = EndpointConfig(type="bot.rasa_plugins.lock_store.FileLockStore",
                            path=str(tmp_path / "locks"))  # fmt: skip
    store = FileLockStore(endpoint_config=config)
    assert store.folder == tmp_path / "locks" and store.folder.is_dir()


async def _hold(store: FileLockStore, sender: str, log: list[str], name: str) -> None:
    async with store.lock(sender):
        log.append(f"{name} in")
        await asyncio.sleep(0.05)
        log.append(f"{name} out")


def test_one_conversation_is_served_one_message_at_a_time(tmp_path: Path) -> None:
    store = FileLockStore(path=tmp_path)
    log: list[str] = []

    async def main() -> None:
        await asyncio.gather(*(_hold(store, "same", log, str(i)) for i in range(4)))

    asyncio.run(main())
    assert [entry.split()[1] for entry in log] == ["in", "out"] * 4
    assert store._local == {}  # nothing kept per conversation afterwards


def test_different_conversations_do_not_wait_for_each_other(tmp_path: Path) -> None:
    store = FileLockStore(path=tmp_path)
    log: list[str] = []
    a, b = "conv-a", next(f"conv-{i}" for i in range(99) if bucket_of(f"conv-{i}")
                          != bucket_of("conv-a"))  # fmt: skip

    async def main() -> None:
        await asyncio.gather(_hold(store, a, log, "a"), _hold(store, b, log, "b"))

    asyncio.run(main())
    assert log[:2] == ["a in", "b in"]


def _hold_in_another_process(folder: str, started, seconds: float) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with FileLockStore(path=folder).lock("shared"):
            started.set()
            await asyncio.sleep(seconds)

    asyncio.run(main())


def test_another_process_holding_the_conversation_makes_this_one_wait(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    other = context.Process(target=_hold_in_another_process, args=(str(tmp_path), started, 0.6))
    other.start()
    try:
        assert started.wait(30)
        begun = time.monotonic()

        async def main() -> float:
            async with FileLockStore(path=tmp_path).lock("shared"):
                return time.monotonic() - begun

        assert asyncio.run(main()) >= 0.3
    finally:
        other.join(10)


def test_waiting_longer_than_the_lock_lifetime_fails(tmp_path: Path) -> None:
    store = FileLockStore(path=tmp_path)

    async def main() -> None:
        async with store.lock("busy"):
            other = FileLockStore(path=tmp_path)
            with pytest.raises(LockError):
                async with other.lock("busy", lock_lifetime=0.1):
                    pass

    asyncio.run(main())
