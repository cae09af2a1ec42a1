"""Plain domain objects shared by services and adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MFA_METHODS = ("sms", "email", "totp", "push")


@dataclass(frozen=True)
class Account:
    """A customer account in the identity directory (whatever the provider)."""

    id: str
    email: str
    name: str
    status: str  # "active" | "locked" | "suspended"
    locked_until: datetime | None = None  # a temporary lock lifts by itself at this time
    lock_reason: str = ""  # "failed_attempts" | "admin" | ""
    mfa_factors: tuple[str, ...] = ()  # enrolled methods, primary first: sms|email|totp|push
    phone_last4: str = ""  # of the number SMS codes go to
    created_at: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        """Locked now (a temporary lock whose time has passed no longer counts)."""
        if self.status != "locked":
            return False
        return self.locked_until is None or self.locked_until > now


@dataclass(frozen=True)
class EmailMessage:
    """An email to send."""

    to: str
    sender: str
    subject: str
    body: str
    kind: str = "general"


@dataclass(frozen=True)
class SentEmail:
    """An email the built-in outbox holds."""

    id: int
    to: str
    sender: str
    subject: str
    body: str
    kind: str
    created_at: datetime


CASE_STATUSES = ("open", "claimed", "resolved")
PRIORITIES = ("normal", "high", "urgent")  # sorted by urgency, lowest first


@dataclass(frozen=True)
class TranscriptLine:
    """One turn of a conversation, already redacted."""

    at: datetime
    speaker: str  # "customer" | "bot" | "agent"
    text: str


@dataclass(frozen=True)
class Case:
    """A conversation handed to a person.

    `summary` and `transcript` hold customer text verbatim (but redacted): escape them
    wherever they are shown as HTML.
    """

    id: int
    conversation_id: str
    status: str  # open | claimed | resolved
    priority: str  # normal | high | urgent
    reason: str  # customer_request | fallback | verification_failed | compromised | ...
    problem: str  # the customer's problem in one line
    summary: str  # what an agent needs in 10 seconds (multi-line plain text)
    transcript: tuple[TranscriptLine, ...]
    channel: str
    created_at: datetime
    updated_at: datetime
    account_id: str | None = None
    claimed_by: str | None = None
    resolution_note: str = ""
    helpdesk_id: str | None = None  # the ticket id once delivered to an external helpdesk
    delivery: str = "local"  # local | pending | delivered
