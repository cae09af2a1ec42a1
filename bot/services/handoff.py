"""Use case: hand a conversation to a person, with a summary an agent reads in seconds.

`HandoffService` builds the case from the conversation's facts (`bot.domain.conversation`),
keeps it in the inbox (one open case per conversation, updated on a second handoff), and
delivers it to an external helpdesk when one is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.conversation import ConversationFacts, build_summary
from bot.domain.emails import find_email
from bot.domain.live_chat import LIVE_CHANNELS
from bot.domain.model import Case, CaseNotFoundError, priority_rank
from bot.domain.ports import (
    CaseStore,
    ExternalSystemUnavailable,
    Helpdesk,
    HelpdeskUnavailableError,
    IdentityDirectory,
    TicketGoneError,
)
from bot.domain.support_hours import is_open, wait_sentence
from bot.services.notifications import NotificationService
from bot.settings import SupportHours

log = logging.getLogger(__name__)

TICKET_DELETED_NOTE = "Closed automatically: the helpdesk ticket was deleted."


@dataclass(frozen=True)
class HandoffResult:
    """What the customer is told."""

    case: Case
    wait: str
    updated: bool
    # Nobody can answer in the chat (outside support hours, or a channel without live
    # replies) and no follow-up address is known yet: offer to continue by email.
    ask_contact: bool = False


class HandoffService:
    """Creates or updates the conversation's case and delivers it."""

    def __init__(
        self,
        store: CaseStore,
        helpdesk: Helpdesk,
        hours: SupportHours,
        expected_wait_minutes: int,
        clock: Callable[[], datetime],
        directory: IdentityDirectory | None = None,
        notifications: NotificationService | None = None,
    ) -> None:
        self._store = store
        self._helpdesk = helpdesk
        self._hours = hours
        self._expected_wait = expected_wait_minutes
        self._clock = clock
        self._directory = directory
        self._notifications = notifications

    def hand_off(self, facts: ConversationFacts, deliver: bool = True) -> HandoffResult:
        """Keep the case (one open case per conversation) and send it to the helpdesk.

        With `deliver=False` the case is only kept (pending) and the caller delivers it
        with `deliver_case` when it suits, e.g. after answering the customer.
        """
        now = self._clock()
        existing = self._store.open_case_for(facts.conversation_id)
        draft = Case(
            id=existing.id if existing else 0,
            conversation_id=facts.conversation_id,
            status=existing.status if existing else "open",
            priority=max(
                facts.priority,
                existing.priority if existing else "normal",
                key=lambda priority: -priority_rank(priority),
            ),
            reason=facts.reason,
            problem=facts.problem,
            summary=build_summary(facts, now),
            transcript=tuple(facts.turns) if facts.transcript_shared else (),
            channel=facts.channel,
            created_at=existing.created_at if existing else now,
            updated_at=now,
            account_id=facts.account_id or (existing.account_id if existing else None),
            helpdesk_id=existing.helpdesk_id if existing else None,
            delivery="pending" if self._helpdesk.is_external else "local",
        )
        case = self._store.save(draft)
        escalated = existing is not None and priority_rank(case.priority) < priority_rank(
            existing.priority
        )
        if self._notifications is not None and (existing is None or escalated):
            self._notifications.queue(case, escalated)
        if self._helpdesk.is_external and deliver:
            case = self._deliver(case)
        offline = facts.channel not in LIVE_CHANNELS or not is_open(self._hours, now)
        if offline and not case.contact_email:
            self._store.mark_follow_up_offered(case.id)
        return HandoffResult(case, wait_sentence(self._hours, now, self._expected_wait),
                             updated=existing is not None,
                             ask_contact=offline and not case.contact_email)  # fmt: skip

    def set_contact(
        self, conversation_id: str, text: str, verified_account: str | None
    ) -> Case | None:
        """Keep the address for the email follow-up on the conversation's open case.

        Args:
            conversation_id: the conversation.
            text: what the customer typed (the first address in it is taken).
            verified_account: the account this conversation proved it owns, if any: the
                address is marked verified only when it is that account's address.

        Returns:
            The case, or None when there is no open case or no address in `text`.
        """
        email = find_email(text or "")
        case = self._store.open_case_for(conversation_id)
        if email is None or case is None:
            return None
        verified = False
        if verified_account and self._directory is not None:
            try:
                account = self._directory.find_by_id(verified_account)
            except ExternalSystemUnavailable:
                account = None
            verified = account is not None and account.email.lower() == email.lower()
        try:
            return self._store.set_contact(case.id, email, verified)
        except CaseNotFoundError:
            return None

    def retry_pending(self) -> tuple[int, int]:
        """Deliver every case the helpdesk has not received: (delivered, still pending).
        Notifications still waiting are sent too."""
        if self._notifications is not None:
            self._notifications.deliver_pending()
        if not self._helpdesk.is_external:
            return 0, 0
        delivered = failed = 0
        for case in self._store.pending_delivery():
            if self._deliver(case).delivery == "delivered":
                delivered += 1
            else:
                failed += 1
        return delivered, failed

    def deliver_case(self, case: Case) -> Case:
        """Send one kept case to the helpdesk (no-op without one), and the team's
        notifications."""
        if self._notifications is not None:
            self._notifications.deliver_pending()
        return self._deliver(case) if self._helpdesk.is_external else case

    def _deliver(self, case: Case) -> Case:
        try:
            ticket = self._helpdesk.deliver(case)
        except TicketGoneError:
            # Deleted in the helpdesk: close the case rather than retry it forever.
            log.warning("case %s: its helpdesk ticket was deleted; closing the case", case.id)
            closed = self._store.close_deleted(case.helpdesk_id or "", TICKET_DELETED_NOTE)
            return closed or case
        except HelpdeskUnavailableError as exc:
            # Nothing is lost: the case stays in the inbox as pending and is retried later.
            log.warning("case %s kept for a later delivery: %s", case.id, exc)
            return case
        self._store.mark_delivered(case.id, ticket)
        return replace(case, delivery="delivered", helpdesk_id=ticket)
