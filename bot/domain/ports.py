"""Every port of the system, declared once: what the use cases need from the outside world.

Adapters (`bot.adapters`) implement these; services (`bot.services`) and entry points depend
on them only. Each external system fails with a subclass of `ExternalSystemUnavailable`,
so callers can treat "the outside world did not answer" in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.email_change import EmailChange
from bot.domain.live_chat import ChatDelivery
from bot.domain.model import Account, AgentSession, Case, EmailMessage, ServiceStatus, SmsMessage
from bot.domain.verification import Verification

# --- failures --------------------------------------------------------------------------------


class ExternalSystemUnavailable(RuntimeError):
    """An external system did not answer in time or answered with an error.

    Services turn it into an apology and an offer of a person, never a stack trace.
    """


class IdentityUnavailableError(ExternalSystemUnavailable):
    """The identity provider could not answer (down, slow, refused our credentials)."""


class ConversationUnavailableError(ExternalSystemUnavailable):
    """The assistant (Rasa) could not record an agent's message or pause the conversation."""


class StatusUnavailableError(ExternalSystemUnavailable):
    """The status source could not be read; the customer hears that we could not check."""


class HelpdeskUnavailableError(ExternalSystemUnavailable):
    """The helpdesk did not take the case (down, slow, refused our credentials)."""


class TicketGoneError(HelpdeskUnavailableError):
    """The helpdesk no longer has the case's ticket (deleted): the case is closed instead."""


class MailDeliveryError(ExternalSystemUnavailable):
    """The email could not be handed to the mail system."""


class SmsDeliveryError(ExternalSystemUnavailable):
    """The text message could not be handed to the SMS provider."""


class AccountExistsError(ValueError):
    """An account with that email is already in the directory."""


class ConcurrentUpdateError(RuntimeError):
    """A record changed between reading and saving it (two steps at once)."""


# --- identity --------------------------------------------------------------------------------


class IdentityDirectory(Protocol):
    """What the services need from an identity provider (built-in SQL, Okta, ...).

    Account ids are strings: the built-in directory's are numbers as text, Okta's look like
    "00u1a2b3c4". Every method raises IdentityUnavailableError when the provider is down.
    """

    def find_by_email(self, email: str) -> Account | None:
        """The account whose sign-in email is `email` (normalised), or None."""

    def find_by_id(self, account_id: str) -> Account | None:
        """The account with this id, or None."""

    def change_email(self, account_id: str, new_email: str) -> None:
        """Switch the sign-in email (only ever after a confirmed, cooled-off change)."""

    def start_password_reset(self, account_id: str, ttl: timedelta) -> str | None:
        """Begin a reset. Returns a single-use token for us to email, or None when the
        provider emails the customer itself. Earlier reset links stop working."""

    def unlock(self, account_id: str) -> None:
        """Lift a lock after failed sign-ins."""

    def reset_factors(self, account_id: str) -> None:
        """Remove every MFA factor; the customer enrols again at the next sign-in."""

    def clear_sessions(self, account_id: str) -> None:
        """Sign the account out everywhere."""


class AccountRegistry(Protocol):
    """Adding accounts to the built-in directory (operators, tests)."""

    def add_account(
        self,
        email: str,
        name: str = "",
        locked: bool = False,
        locked_until: datetime | None = None,
        lock_reason: str = "",
        mfa: tuple[str, ...] = (),
        phone_last4: str = "",
        devices: tuple[str, ...] = (),
    ) -> Account:
        """Register an account; raises AccountExistsError for a taken email."""


class FactWriter(Protocol):
    """Stores a verification fact (a keyed hash) of an account."""

    def set_fact(self, account_id: str, kind: str, value_hash: str) -> None: ...


class ResetTokens(Protocol):
    """The built-in directory's reset tokens and passwords (the reset page)."""

    def reset_token_is_valid(self, token: str) -> bool: ...

    def reset_token_account(self, token: str) -> str | None: ...

    def redeem_reset_token(self, token: str) -> str | None: ...

    def find_by_id(self, account_id: str) -> Account | None: ...

    def find_by_email(self, email: str) -> Account | None: ...

    def set_password_hash(self, account_id: str, password_hash: str) -> None: ...

    def clear_sessions(self, account_id: str) -> None: ...

    def change_email(self, account_id: str, new_email: str) -> None: ...


# --- messages --------------------------------------------------------------------------------


class Mailer(Protocol):
    """Anything that can send an email."""

    def send(self, message: EmailMessage) -> None:
        """Send `message` or raise MailDeliveryError."""


class SmsSender(Protocol):
    """Anything that can send a text message to a phone number."""

    def send(self, message: SmsMessage) -> None:
        """Send `message` or raise SmsDeliveryError."""


class BackgroundWork(Protocol):
    """Runs calls after the caller has moved on (off the request path), in order."""

    def submit(self, function: Callable[..., object], *args: object) -> None:
        """Queue `function(*args)`; never raises for what the call itself raises."""


# --- other systems ---------------------------------------------------------------------------


class StatusSource(Protocol):
    """Anything that can tell the current service status (raises StatusUnavailableError)."""

    def current(self) -> ServiceStatus:
        """The status now."""


class Helpdesk(Protocol):
    """Where cases go besides the built-in inbox (Zendesk, or nowhere)."""

    @property
    def is_external(self) -> bool:
        """False for the null helpdesk: cases then live in the built-in inbox only."""

    def deliver(self, case: Case) -> str:
        """Create a ticket for `case`, or add to it when `case.helpdesk_id` is set.

        Returns the helpdesk's ticket id ("" when there is no external helpdesk); raises
        HelpdeskUnavailableError.
        """


# --- app data --------------------------------------------------------------------------------


class AuditLog(Protocol):
    """Where recovery events are recorded."""

    def record(
        self,
        event: str,
        outcome: str,
        conversation_id: str = "",
        account_id: str | None = None,
        actor: str | None = None,
    ) -> None: ...


class RateLog(Protocol):
    """Counts throttled events per (kind, keyed hash)."""

    def record(self, kind: str, key: str, at: datetime) -> None: ...

    def count(self, kind: str, key: str, since: datetime) -> int: ...

    def last(self, kind: str, key: str) -> datetime | None: ...


class ResetRequestLog(Protocol):
    """Where reset requests are counted for the throttle."""

    def record(self, email_hash: str, conversation_id: str, at: datetime) -> None: ...

    def count_for_email(self, email_hash: str, since: datetime) -> int: ...

    def count_for_conversation(self, conversation_id: str) -> int: ...


class VerificationRecords(Protocol):
    """Hashed knowledge facts and verification records."""

    def facts(self, account_id: str) -> dict[str, str]: ...

    def add(self, record: Verification) -> Verification: ...

    def latest(self, conversation_id: str) -> Verification | None: ...

    def save(self, record: Verification) -> Verification: ...

    def cancel_open(self, conversation_id: str, now: datetime) -> int: ...


class VerificationConsumer(Protocol):
    """Spends a passed verification (`VerificationService.consume`)."""

    def consume(self, conversation_id: str, purpose: str) -> str | None: ...


class EmailChangeStore(Protocol):
    """Email changes waiting for confirmation or for their cooling-off period."""

    def add(
        self,
        account_id: str,
        new_email: str,
        token_hash: str,
        cancel_token_hash: str,
        conversation_id: str,
        now: datetime,
        expires_at: datetime,
        effective_at: datetime,
    ) -> int: ...

    def by_confirm_token(self, token_hash: str) -> EmailChange | None: ...

    def by_cancel_token(self, token_hash: str) -> EmailChange | None: ...

    def pending_for(self, account_id: str) -> list[EmailChange]: ...

    def confirmed_due(self, now: datetime) -> list[EmailChange]: ...

    def mark(self, change_id: int, field: str, at: datetime) -> bool: ...


class CaseStore(Protocol):
    """Where cases are kept (the built-in inbox)."""

    def open_case_for(self, conversation_id: str) -> Case | None: ...

    def save(self, draft: Case) -> Case: ...

    def pending_delivery(self) -> list[Case]: ...

    def mark_delivered(self, case_id: int, helpdesk_id: str) -> None: ...

    def list(self, status: str | None = None) -> list[Case]: ...

    def get(self, case_id: int) -> Case: ...

    def claim(self, case_id: int, agent_email: str) -> Case: ...

    def resolve(self, case_id: int, agent_email: str, note: str) -> Case: ...

    def set_live(self, case_id: int, live: bool) -> Case: ...

    def set_contact(self, case_id: int, email: str, verified: bool) -> Case: ...

    def unclaimed_since(self, before: datetime) -> list[Case]: ...

    def mark_follow_up_offered(self, case_id: int) -> bool: ...

    def close_deleted(self, helpdesk_id: str, note: str) -> Case | None: ...

    def by_helpdesk_id(self, helpdesk_id: str) -> Case | None: ...


class AgentStore(Protocol):
    """Agents of the inbox, their sessions and the sign-in throttle."""

    def verify(self, email: str, password: str) -> bool: ...

    def start_session(self, email: str) -> tuple[str, str]: ...

    def session(self, token: str) -> AgentSession | None: ...

    def end_session(self, token: str) -> None: ...

    def record_failed_login(self, email: str) -> None: ...

    def failed_logins(self, email: str, within: timedelta) -> int: ...

    def display_name(self, email: str) -> str: ...


class ConversationControl(Protocol):
    """Writes to a conversation's tracker from outside it (Rasa's HTTP API): pause or resume
    the assistant, record what an agent said."""

    def pause(self, conversation_id: str) -> None: ...

    def resume(self, conversation_id: str) -> None: ...

    def record_agent_message(
        self, conversation_id: str, text: str, author: str, kind: str
    ) -> None: ...

    def trigger(self, conversation_id: str, intent: str) -> list[str]: ...


class ChatDeliveryStore(Protocol):
    """Messages waiting to be pushed to customers' chat sockets (every Rasa process reads)."""

    def add(self, conversation_id: str, kind: str, author: str, text: str) -> int: ...

    def after(self, last_id: int, limit: int = 100) -> list[ChatDelivery]: ...

    def newest_id(self) -> int: ...

    def prune(self, before: datetime) -> int: ...


class NotificationUnavailableError(ExternalSystemUnavailable):
    """A notification (webhook, email) could not be delivered; it is retried later."""


class NotificationSender(Protocol):
    """One way of telling the team (a webhook, an email address)."""

    target: str  # webhook | email

    def send(self, text: str, case: Case) -> None: ...


class NotificationStore(Protocol):
    """Notifications waiting to be delivered, retried until they are."""

    def add(self, case_id: int, target: str, text: str) -> int: ...

    def pending(self, limit: int = 100) -> list[tuple[int, int, str, str]]: ...

    def mark_sent(self, notification_id: int) -> None: ...

    def mark_failed(self, notification_id: int) -> None: ...
