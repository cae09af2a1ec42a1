"""What a conversation tells an agent, read from Rasa's tracker events (plain JSON dicts).

`read_conversation` turns the events into facts and a redacted transcript; `build_summary`
writes the case summary. Names of intents, actions and responses come from
`bot.domain.dialogue`, checked against domain.yml by a test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from bot.domain.model import TranscriptLine
from bot.domain.redaction import redact, redact_reply
from bot.domain.topics import TOPIC_TITLES

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
