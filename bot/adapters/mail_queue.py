"""Mail off the request path: a background thread hands queued emails to the real mailer.

Why: how long an answer takes must not tell whether an account exists. Only existing
accounts get mail, and an SMTP server (or an identity provider sending its own mail) can
take seconds; queued, the chat reply costs the same either way.

How it fails: the queue lives in memory, so the codes and links in the emails are never
written anywhere on the way. A delivery that fails is retried (3 tries, backing off), then
logged and dropped; the customer can ask again. `flush()` waits for the queue (shutdown,
tests); emails still queued when the process is killed are lost, never half-sent.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time

from bot.domain.model import EmailMessage
from bot.domain.ports import MailDeliveryError, Mailer

log = logging.getLogger(__name__)

TRIES = 3
BACKOFF_SECONDS = (0.5, 2.0)


class QueuedMailer:
    """A `Mailer` whose `send` returns at once; a daemon thread delivers in order."""

    def __init__(self, inner: Mailer, backoff: tuple[float, ...] = BACKOFF_SECONDS) -> None:
        self._inner = inner
        self._backoff = backoff
        self._queue: queue.Queue[EmailMessage] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        atexit.register(self.flush, 10.0)

    def send(self, message: EmailMessage) -> None:
        """Queue `message`; never raises for delivery problems."""
        self._queue.put(message)
        self._ensure_worker()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued email was handled; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="mail-queue", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            message = self._queue.get()
            try:
                self._deliver(message)
            finally:
                self._queue.task_done()

    def _deliver(self, message: EmailMessage) -> None:
        for attempt in range(TRIES):
            try:
                self._inner.send(message)
                return
            except MailDeliveryError as exc:
                if attempt + 1 == TRIES:
                    log.error("a %s email could not be delivered: %s", message.kind, exc)
                    return
                time.sleep(self._backoff[min(attempt, len(self._backoff) - 1)])
            except Exception:  # a bug in a mailer must not kill the worker
                log.exception("a %s email failed unexpectedly", message.kind)
                return
