"""Plain domain objects shared by services, adapters and entry points."""

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
    phone_number: str = ""  # E.164, when the identity provider shares it (Okta does)
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


@dataclass(frozen=True)
class SmsMessage:
    """A text message to send."""

    to: str  # E.164 number, or a masked one ("+•••4321") in the built-in outbox
    body: str
    kind: str = "general"


@dataclass(frozen=True)
class ServiceStatus:
    """What the status source says: indicator 'none' means all is well."""

    indicator: str
    description: str
    incident: str = ""
    started_at: datetime | None = None

    @property
    def operational(self) -> bool:
        """True when there is no ongoing incident."""
        return self.indicator == "none"


# `agent` works cases; `analyst` (product teams) may read the inbox and conversations only.
AGENT_ROLES = ("agent", "analyst")
READ_ONLY_ROLES = frozenset({"analyst"})


@dataclass(frozen=True)
class AgentSession:
    """A signed-in agent: who, the token their forms must carry, when it ends, and their role."""

    email: str
    csrf_token: str
    expires_at: datetime
    role: str = "agent"

    @property
    def read_only(self) -> bool:
        """Analysts may look, never change anything."""
        return self.role in READ_ONLY_ROLES


class CaseNotFoundError(LookupError):
    """No case with that id."""


class CaseConflictError(RuntimeError):
    """The case is not in a state that allows this (claimed by someone else, resolved)."""


CASE_STATUSES = ("open", "claimed", "resolved")
PRIORITIES = ("normal", "high", "urgent")  # sorted by urgency, lowest first


def priority_rank(priority: str) -> int:
    """0 for the most urgent priority; unknown priorities sort last."""
    order = tuple(reversed(PRIORITIES))
    return order.index(priority) if priority in order else len(order)


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
    live: bool = False  # an agent is chatting with the customer; the assistant is paused
    contact_email: str | None = None  # where to follow up by email
    contact_verified: bool = False  # the contact address is the verified account's
    follow_up_offered_at: datetime | None = None  # when the email follow-up was offered
