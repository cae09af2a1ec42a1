"""Use case: hand a conversation to a person, with a summary an agent reads in seconds.

`read_conversation` turns Rasa's event dicts (plain JSON, no Rasa import) into facts;
`HandoffService` builds the case, keeps it in the inbox (one open case per conversation,
updated on a second handoff), and delivers it to an external helpdesk when one is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from bot.adapters.helpdesk import Helpdesk, HelpdeskUnavailableError
from bot.models import Case, TranscriptLine
from bot.services.redaction import redact, redact_reply
from bot.services.support_hours import wait_sentence
from bot.services.topics import TOPIC_TITLES
from bot.settings import SupportHours

log = logging.getLogger(__name__)

DETAIL_ENTITIES = ("browser", "error", "mfa_method", "device", "product")

# What the bot did, in an agent's words.
TRIED: dict[str, str] = {
    "action_request_password_reset": "Sent a password reset link (if the address has an account)",
    "utter_reset_email_tips": "Tips for a reset email that did not arrive",
    "utter_wrong_credentials_tips": "Tips for refused email/password (caps lock, layout, autofill)",
    "utter_account_locked_info": "Explained temporary locks after failed sign-ins",
    "action_mfa_code_help": "Tips for verification codes by method",
    "utter_mfa_device_lost": "Backup-code advice for a lost 2-step device",
    "action_browser_step": "Browser troubleshooting step",
    "action_check_service_status": "Checked the service status",
    "action_check_link": "Checked a link or sender address",
    "utter_account_compromised": "Steps to secure a compromised account",
    "utter_forgot_email": "Hints for finding the sign-in email",
    "utter_change_email": "How to change the sign-in email",
    "action_complete_recovery": "Account change after ownership verification",
}
ANSWERS = {"affirm": "yes / it helped", "deny": "no / it did not help"}
REASONS = {
    "customer_request": "the customer asked for a person",
    "fallback": "the assistant did not understand the customer twice",
    "verification_failed": "ownership verification failed or was refused",
    "compromised": "the account may be compromised",
    "api_outage": "an account system was unavailable",
    "unresolved": "troubleshooting did not solve the problem",
}


@dataclass
class ConversationFacts:
    """What a conversation tells an agent."""

    conversation_id: str
    channel: str = ""
    turns: list[TranscriptLine] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    tried: list[str] = field(default_factory=list)
    verification: str = "not attempted"
    account_id: str | None = None
    reason: str = "customer_request"
    started_at: datetime | None = None
    transcript_shared: bool = True

    @property
    def priority(self) -> str:
        """urgent | high | normal."""
        return "high" if self.reason in ("compromised", "api_outage") else "normal"

    @property
    def problem(self) -> str:
        """The customer's problem in one line."""
        topic = self.topics[-1] if self.topics else None
        line = TOPIC_TITLES.get(topic, "Needs help signing in") if topic else "Asked for a person"
        if self.details:
            line += " (" + ", ".join(f"{k}: {v}" for k, v in self.details.items()) + ")"
        return line


def _when(event: dict[str, Any]) -> datetime:
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, tz=timezone.utc)
    return datetime.now(timezone.utc)


def read_conversation(
    events: Iterable[dict[str, Any]],
    conversation_id: str,
    channel: str = "",
    verification: tuple[str, str | None] = ("not attempted", None),
) -> ConversationFacts:
    """Facts, a redacted transcript and the reason for handing over, from tracker events.

    `verification` is the server's record of the ownership check (outcome, account id when
    it passed): slots never say whether someone was verified.
    """
    facts = ConversationFacts(conversation_id, channel)
    facts.verification, facts.account_id = verification
    requested_slot: str | None = None
    last_bot_utter = ""
    pending_answer: int | None = None  # index in facts.tried awaiting the customer's yes/no
    step = 0
    for event in events:
        kind = event.get("event")
        if kind == "slot":
            if event.get("name") == "requested_slot":
                requested_slot = event.get("value")
        elif kind == "user":
            facts.started_at = facts.started_at or _when(event)
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name") or ""
            text = event.get("text") or ""
            shown = redact_reply(text, requested_slot)
            facts.turns.append(TranscriptLine(_when(event), "customer", shown))
            if intent in TOPIC_TITLES and intent != "request_human":
                facts.topics.append(intent)
            for entity in parse.get("entities") or []:
                if entity.get("entity") in DETAIL_ENTITIES:
                    facts.details[entity["entity"]] = redact(str(entity.get("value")))
            if pending_answer is not None and intent in ANSWERS:
                facts.tried[pending_answer] += f" → customer: {ANSWERS[intent]}"
            pending_answer = None
            if intent == "request_human" and last_bot_utter == "utter_fallback_offer_human":
                facts.reason = "fallback"
        elif kind == "bot":
            utter = ((event.get("metadata") or {}).get("utter_action")) or ""
            last_bot_utter = utter or last_bot_utter
            facts.turns.append(TranscriptLine(_when(event), "bot", event.get("text") or ""))
            if utter == "utter_identity_unavailable":
                facts.reason = "api_outage"
            elif utter == "utter_browser_steps_exhausted" and facts.reason == "customer_request":
                facts.reason = "unresolved"
        elif kind == "action":
            name = event.get("name") or ""
            if name in TRIED:
                label = TRIED[name]
                if name == "action_browser_step":
                    step += 1
                    label += f" {step}"
                facts.tried.append(label)
                pending_answer = len(facts.tried) - 1
    if facts.verification in ("failed", "refused"):
        facts.reason = "verification_failed"
    if "account_compromised" in facts.topics:
        facts.reason = "compromised"
    return facts


def build_summary(facts: ConversationFacts, now: datetime) -> str:
    """The case summary: plain text, customer strings included verbatim (but redacted)."""
    lines = [
        f"Problem: {facts.problem}",
        f"Priority: {facts.priority} — handed over because "
        f"{REASONS.get(facts.reason, facts.reason)}",
        "Verification: "
        + (
            f"passed (account {facts.account_id})"
            if facts.verification == "passed"
            else facts.verification
        ),
    ]
    lines.append("Already tried:" if facts.tried else "Already tried: nothing yet")
    lines += [f"  - {item}" for item in facts.tried]
    started = facts.started_at or now
    lines.append(
        f"Channel: {facts.channel or 'unknown'} · Language: en · Started: "
        f"{started:%Y-%m-%d %H:%M} UTC · Handed over: {now:%Y-%m-%d %H:%M} UTC"
    )
    lines.append(f"Conversation: {facts.conversation_id}")
    if not facts.transcript_shared:
        lines.append("The customer chose not to share the chat transcript.")
    return "\n".join(lines)


class CaseStore(Protocol):
    """Where cases are kept (the built-in inbox)."""

    def open_case_for(self, conversation_id: str) -> Case | None: ...

    def save(self, draft: Case) -> Case: ...

    def pending_delivery(self) -> list[Case]: ...

    def mark_delivered(self, case_id: int, helpdesk_id: str) -> None: ...


@dataclass(frozen=True)
class HandoffResult:
    """What the customer is told."""

    case: Case
    wait: str
    updated: bool


class HandoffService:
    """Creates or updates the conversation's case and delivers it."""

    def __init__(
        self,
        store: CaseStore,
        helpdesk: Helpdesk | None,
        hours: SupportHours,
        expected_wait_minutes: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._helpdesk = helpdesk
        self._hours = hours
        self._expected_wait = expected_wait_minutes
        self._clock = clock

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
                key=("normal", "high", "urgent").index,
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
            delivery="pending" if self._helpdesk else "local",
        )
        case = self._store.save(draft)
        if self._helpdesk is not None and deliver:
            case = self._deliver(case)
        return HandoffResult(case, wait_sentence(self._hours, now, self._expected_wait),
                             updated=existing is not None)  # fmt: skip

    def retry_pending(self) -> tuple[int, int]:
        """Deliver every case the helpdesk has not received: (delivered, still pending)."""
        if self._helpdesk is None:
            return 0, 0
        delivered = failed = 0
        for case in self._store.pending_delivery():
            if self._deliver(case).delivery == "delivered":
                delivered += 1
            else:
                failed += 1
        return delivered, failed

    def deliver_case(self, case: Case) -> Case:
        """Send one kept case to the helpdesk (no-op without one)."""
        return self._deliver(case) if self._helpdesk is not None else case

    def _deliver(self, case: Case) -> Case:
        assert self._helpdesk is not None
        try:
            ticket = self._helpdesk.deliver(case)
        except HelpdeskUnavailableError as exc:
            # Nothing is lost: the case stays in the inbox as pending and is retried later.
            log.warning("case %s kept for a later delivery: %s", case.id, exc)
            return case
        self._store.mark_delivered(case.id, ticket)
        return replace(case, delivery="delivered", helpdesk_id=ticket)
