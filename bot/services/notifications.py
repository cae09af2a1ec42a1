"""Use case: tell the team about new and escalated cases, and keep trying until told.

Each configured sender (webhook, email) gets its own row in the store; `deliver_pending`
sends what is waiting and leaves failures for the next round (the action server after each
handoff, the web app every minute, `python -m bot cases retry`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.domain.model import Case, CaseNotFoundError
from bot.domain.notifications import case_notice
from bot.domain.ports import (
    CaseStore,
    ExternalSystemUnavailable,
    NotificationSender,
    NotificationStore,
)

log = logging.getLogger(__name__)


class NotificationService:
    def __init__(
        self,
        store: NotificationStore,
        cases: CaseStore,
        senders: Sequence[NotificationSender],
        inbox_url: str,
    ) -> None:
        self._store = store
        self._cases = cases
        self._senders = {sender.target: sender for sender in senders}
        self._inbox_url = inbox_url

    @property
    def enabled(self) -> bool:
        return bool(self._senders)

    def queue(self, case: Case, escalated: bool) -> int:
        """Queue one notification per sender; how many were queued."""
        text = case_notice(case, self._inbox_url, escalated)
        for target in self._senders:
            self._store.add(case.id, target, text)
        return len(self._senders)

    def deliver_pending(self) -> tuple[int, int]:
        """Send what waits: (sent, still pending)."""
        sent = failed = 0
        for notification_id, case_id, target, text in self._store.pending():
            sender = self._senders.get(target)
            if sender is None:  # the target was switched off since: nothing to retry
                continue
            try:
                sender.send(text, self._cases.get(case_id))
            except CaseNotFoundError:
                self._store.mark_sent(notification_id)
                continue
            except ExternalSystemUnavailable as exc:
                log.warning("notification %s (%s) kept for later: %s", notification_id,
                            target, exc)  # fmt: skip
                self._store.mark_failed(notification_id)
                failed += 1
                continue
            self._store.mark_sent(notification_id)
            sent += 1
        return sent, failed
