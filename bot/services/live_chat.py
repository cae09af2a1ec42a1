"""Use case: an agent takes over a customer's web chat, answers there, and hands back.

- `take_over`: claim the case (or keep it, if it is already the agent's), pause the
  assistant for the conversation and tell the customer who they are chatting with;
- `reply`: the agent's text goes into the tracker (a bot event carrying the agent's name,
  so transcripts, exports and insights include it) and to the customer's chat sockets;
- `release`: the customer is told, the assistant resumes, the case stays the agent's;
- `resolve`: the customer is told (when the agent was in the chat), the assistant resumes,
  the case is closed with a note.

The tracker is written first (it is the record); only then is the message queued for the
customer's sockets. A conversation on a channel that cannot receive pushed messages (REST)
is never paused: its customer gets the email follow-up instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.live_chat import (
    LIVE_CHANNELS,
    NotLiveError,
    NotYourCaseError,
    clean_display_name,
    joined_notice,
    released_notice,
    resolved_notice,
    usable_reply,
)
from bot.domain.model import Case, CaseConflictError
from bot.domain.ports import AuditLog, CaseStore, ChatDeliveryStore, ConversationControl

log = logging.getLogger(__name__)

DELIVERIES_KEPT = timedelta(days=1)
NOBODY_AVAILABLE_INTENT = "EXTERNAL_nobody_available"


class LiveChatService:
    """Agent-side operations on live conversations (inbox and command line)."""

    def __init__(
        self,
        cases: CaseStore,
        names: Callable[[str], str],
        control: ConversationControl,
        deliveries: ChatDeliveryStore,
        audit: AuditLog,
        clock: Callable[[], datetime],
    ) -> None:
        """
        Args:
            cases: the case store.
            names: the display name customers see for an agent's email.
            control: writes events into conversations (Rasa's API).
            deliveries: the queue every Rasa process pushes to customers' sockets.
            audit: records who did what.
            clock: timezone-aware now.
        """
        self._cases = cases
        self._names = names
        self._control = control
        self._deliveries = deliveries
        self._audit = audit
        self._clock = clock

    @staticmethod
    def can_chat(case: Case) -> bool:
        """Whether the customer's channel can receive an agent's messages."""
        return case.channel in LIVE_CHANNELS and case.status != "resolved"

    def take_over(self, case_id: int, agent: str) -> Case:
        """Claim the case if it is open and join the customer's chat.

        Raises:
            CaseNotFoundError: no such case.
            CaseConflictError: resolved, or just claimed by someone else.
            NotYourCaseError: claimed by another agent.
            ConversationUnavailableError: the assistant could not be paused (the case is
                still claimed; try again).
        """
        case = self._own(case_id, agent, claim=True)
        self._audit.record("case_claim", "ok", case.conversation_id, actor=agent)
        if not self.can_chat(case) or case.live:
            return case
        name = self._names(agent)
        self._control.pause(case.conversation_id)
        case = self._cases.set_live(case.id, True)
        self._say(case, "joined", name, joined_notice(name))
        return case

    def reply(self, case_id: int, agent: str, text: str) -> Case:
        """Send the agent's reply to the customer's chat.

        Raises:
            ValueError: empty or too long.
            NotYourCaseError / NotLiveError / CaseNotFoundError / ConversationUnavailableError.
        """
        message = usable_reply(text)
        case = self._own(case_id, agent, claim=False)
        if not self.can_chat(case):
            raise NotLiveError("this customer is not on a live chat: follow up by email")
        if not case.live:  # the agent handed back earlier and writes again: rejoin
            case = self.take_over(case_id, agent)
        self._say(case, "agent", self._names(agent), message)
        self._audit.record("case_reply", "sent", case.conversation_id, actor=agent)
        return case

    def release(self, case_id: int, agent: str) -> Case:
        """Hand the chat back to the assistant (the case stays the agent's)."""
        case = self._own(case_id, agent, claim=False)
        if case.live:
            name = self._names(agent)
            self._leave(case, name, released_notice(name))
            case = self._cases.set_live(case.id, False)
        self._audit.record("case_release", "ok", case.conversation_id, actor=agent)
        return case

    def resolve(self, case_id: int, agent: str, note: str) -> Case:
        """Close the case with a note; a customer still chatting with the agent is told."""
        case = self._cases.get(case_id)
        if case.status == "resolved":
            raise CaseConflictError(case_id)
        if case.status == "claimed" and case.claimed_by != agent:
            raise NotYourCaseError(case.claimed_by or "")
        if case.live:
            name = self._names(agent)
            self._leave(case, name, resolved_notice(name))
        case = self._cases.resolve(case.id, agent, note)
        self._audit.record("case_resolve", "ok", case.conversation_id, actor=agent)
        return case

    def helpdesk_reply(self, helpdesk_id: str, author: str, text: str) -> Case | None:
        """A public reply an agent wrote in the external helpdesk: shown in the customer's
        chat when the case is still open on a live channel. None when it was not sent."""
        case = self._cases.by_helpdesk_id(helpdesk_id)
        if case is None or not self.can_chat(case):
            return None
        name = clean_display_name(author) or "Support"
        self._say(case, "agent", name, usable_reply(text))
        self._audit.record("case_reply", "helpdesk", case.conversation_id, actor=f"zendesk:{name}")
        return case

    def offer_follow_up_to_unclaimed(self, timeout: timedelta) -> int:
        """Web-chat cases nobody claimed within `timeout`: the assistant says so honestly and
        offers to continue by email (once per case). How many customers were told."""
        told = 0
        for case in self._cases.unclaimed_since(self._clock() - timeout):
            if not self.can_chat(case) or not self._cases.mark_follow_up_offered(case.id):
                continue
            for text in self._control.trigger(case.conversation_id, NOBODY_AVAILABLE_INTENT):
                self._deliveries.add(case.conversation_id, "assistant", "", text)
            told += 1
        return told

    def prune_deliveries(self) -> int:
        """Forget pushed messages older than a day (the tracker keeps them)."""
        return self._deliveries.prune(self._clock() - DELIVERIES_KEPT)

    # --- helpers ---------------------------------------------------------------------------

    def _own(self, case_id: int, agent: str, claim: bool) -> Case:
        case = self._cases.get(case_id)
        if case.status == "resolved":
            raise CaseConflictError(case_id)
        if case.status == "open":
            if not claim:
                raise NotYourCaseError("")
            return self._cases.claim(case_id, agent)
        if case.claimed_by != agent:
            raise NotYourCaseError(case.claimed_by or "")
        return case

    def _leave(self, case: Case, name: str, notice: str) -> None:
        """Tell the customer, then let the assistant answer again."""
        self._say(case, "left", name, notice)
        self._control.resume(case.conversation_id)

    def _say(self, case: Case, kind: str, author: str, text: str) -> None:
        self._control.record_agent_message(case.conversation_id, text, author, kind)
        self._deliveries.add(case.conversation_id, kind, author, text)
