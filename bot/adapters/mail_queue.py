"""Mail off the request path: a background thread hands queued emails to the real mailer.

Why: how long an answer takes must not tell whether an account exists. Only existing
accounts get mail, and an SMTP server can take seconds; queued, the chat reply costs the same
either way.

How it fails: the queue lives in memory (`WorkQueue`), so the codes and links in the emails
are never written anywhere on the way. A delivery that fails is retried (3 tries, backing
off), then logged and dropped; the customer can ask again. `flush()` waits for the queue
(shutdown, tests); emails still queued when the process is killed are lost, never half-sent.
"""

from __future__ import annotations

import logging
import time

from bot.adapters.work_queue import WorkQueue
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
        self._work = WorkQueue("mail-queue")

    def send(self, message: EmailMessage) -> None:
        """Queue `message`; never raises for delivery problems."""
        self._work.submit(self._deliver, message)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued email was handled; False if `timeout` passed first."""
        return self._work.flush(timeout)

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
