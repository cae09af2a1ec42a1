"""Work off the request path: a daemon thread runs queued calls one after the other.

Why: a chat reply must take the same time whether or not an account exists, so the work that
only an existing account causes (a reset token, a call to the identity provider, an email)
runs after the reply has gone. The queue lives in memory: what it carries (addresses,
links, codes) is never written anywhere on the way, and calls still queued when the process
is killed are lost, never half-done; the customer can ask again. `flush()` waits for the
queue (shutdown, tests, benchmarks).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Call = tuple[float, Callable[..., object], tuple[object, ...]]


class WorkQueue:
    """A `BackgroundWork` with one worker thread, started on first use.

    `start_after`: seconds a call waits after it was submitted before it runs, so that the
    caller's answer is out of the door before the work competes with it for the interpreter.
    """

    def __init__(self, name: str, start_after: float = 0.0) -> None:
        self._name = name
        self._start_after = start_after
        self._queue: queue.Queue[Call] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        atexit.register(self.flush, 10.0)

    def submit(self, function: Callable[..., object], *args: object) -> None:
        """Queue `function(*args)`; returns at once."""
        self._queue.put((time.monotonic() + self._start_after, function, args))
        self._ensure_worker()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued call has run; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            not_before, function, args = self._queue.get()
            wait = not_before - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                function(*args)
            except Exception:  # one failing call must not stop the calls behind it
                log.exception("background work in %s failed", self._name)
            finally:
                self._queue.task_done()


class RunNow:
    """A `BackgroundWork` that runs each call before `submit` returns (command line, tests)."""

    def submit(self, function: Callable[..., object], *args: object) -> None:
        try:
            function(*args)
        except Exception:  # same contract as the queue: the caller never sees it fail
            log.exception("work submitted to run now failed")

    def flush(self, timeout: float = 10.0) -> bool:
        return True
