"""Conversation locks shared by every Rasa process on one machine, without Redis.

Rasa handles one message of a conversation at a time by holding the conversation's lock
while it loads the tracker, predicts, runs actions and saves. Its in-memory lock store only
works inside one process, so several Rasa workers (`SANIC_WORKERS`) need a shared one: Rasa
offers Redis. For the embedded default (`make run`, no other service) this store uses
`flock(2)` on files in one folder instead: the kernel holds the lock, it is released when its
holder exits or crashes, and every process on the machine sees it.

Conversation ids hash into a fixed number of lock files (4096), so the folder never grows;
two conversations that share a file merely wait for each other. Within a process, waiters
queue on an `asyncio.Lock` first (first come, first served), then take the file lock.

Use in endpoints.yml:

    lock_store:
      type: bot.rasa_plugins.lock_store.FileLockStore
      path: var/locks        # optional (default: var/locks in the project)

Production on several machines uses Rasa's Redis lock store (`endpoints.production.yml`).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins import speedups

log = logging.getLogger(__name__)

BUCKETS = 4096
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "var" / "locks"
_FIRST_WAIT, _LONGEST_WAIT = 0.002, 0.05

speedups.install()  # in every Rasa process that uses this store (see speedups.py)


def bucket_of(conversation_id: str, buckets: int = BUCKETS) -> int:
    """The lock file a conversation uses: stable across processes (unlike `hash()`)."""
    digest = hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % buckets


class FileLockStore(LockStore):
    """A LockStore whose locks are `flock(2)` locks on files in `path`."""

    def __init__(
        self,
        endpoint_config: EndpointConfig | None = None,
        path: str | os.PathLike[str] | None = None,
        buckets: int = BUCKETS,
    ) -> None:
        settings = (endpoint_config.kwargs if endpoint_config else {}) or {}
        folder = path or settings.get("path") or (endpoint_config and endpoint_config.url)
        self.folder = Path(folder or DEFAULT_FOLDER)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.buckets = int(settings.get("buckets", buckets))
        # per conversation: the in-process queue and how many coroutines use it
        self._local: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    def _file(self, conversation_id: str) -> Path:
        return self.folder / f"{bucket_of(conversation_id, self.buckets):04x}.lock"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock; LockError after waiting `lock_lifetime` seconds."""
        local, users = self._local.setdefault(conversation_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with local:
                fd = os.open(self._file(conversation_id), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    await _flock(fd, conversation_id, lock_lifetime)
                    try:
                        yield TicketLock(conversation_id)
                    finally:
                        fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._local[conversation_id]

    # Rasa's ticket API: only `lock()` is used by Rasa 3.6 (agent, processor, server).
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None


async def _flock(fd: int, conversation_id: str, lifetime: float) -> None:
    deadline = time.monotonic() + lifetime
    wait = _FIRST_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise LockError(
                    f"Could not acquire lock for conversation_id '{conversation_id}'."
                ) from None
            await asyncio.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
