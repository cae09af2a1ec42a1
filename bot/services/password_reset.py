"""Use case: a customer asks for a password reset link."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.domain.emails import is_valid_email, normalise_email
from bot.domain.links import AccountLinks
from bot.domain.model import Account, EmailMessage
from bot.domain.ports import (
    AuditLog,
    BackgroundWork,
    IdentityDirectory,
    IdentityUnavailableError,
    MailDeliveryError,
    Mailer,
    ResetRequestLog,
)
from bot.services.keyed_hash import KeyedHasher
from bot.services.timing import ReplyFloor, padded_after
from bot.settings import ResetRules, Vendor

log = logging.getLogger(__name__)

# After the identity provider failed a reset's lookup, reset requests get the apology (and
# the offer of a person) for this long, or until a lookup succeeds again.
PROVIDER_RETRY_SECONDS = 60.0


class ResetStatus(Enum):
    """What the customer is told. Deliberately nothing that depends on account existence."""

    ACCEPTED = "accepted"  # "if an account exists, an email is on its way"
    THROTTLED = "throttled"  # too many requests for this address or conversation
    INVALID_EMAIL = "invalid_email"


@dataclass(frozen=True)
class ResetResult:
    """The outcome shown to the customer."""

    status: ResetStatus
    email: str
    valid_minutes: int


class PasswordResetService:
    """Issues single-use reset links by email, without revealing whether an account exists.

    The request path does the same work for every address (check it, count it against the
    limits); the lookup and what only an existing account causes (more identity-provider
    calls, a reset token, the email, the audit line that names the account) are handed to
    `background` and run after the answer has gone. The answer's timing then holds nothing
    that depends on the account, and the floor (`rules.link_reply_ms` after the customer's
    message) is padding on top, not the thing that hides the work.
    """

    def __init__(
        self,
        directory: IdentityDirectory,
        mailer: Mailer,
        requests_log: ResetRequestLog,
        audit: AuditLog,
        vendor: Vendor,
        rules: ResetRules,
        secret_key: str,
        clock: Callable[[], datetime],
        links: AccountLinks | None = None,
        background: BackgroundWork | None = None,
    ) -> None:
        self._background = background
        self._provider_failed_at: float | None = None  # time.monotonic() of the last failure
        self._links = links or AccountLinks("http://127.0.0.1:5080")
        self._directory = directory
        self._mailer = mailer
        self._requests = requests_log
        self._audit = audit
        self._vendor = vendor
        self._rules = rules
        self._hasher = KeyedHasher(secret_key)
        self._clock = clock

    def email_key(self, email: str) -> str:
        """Keyed hash of an address: lets us count requests without storing addresses."""
        return self._hasher.plain(normalise_email(email))

    def request_reset(
        self, email: str, conversation_id: str, message_at: float | None = None
    ) -> ResetResult:
        """Send a reset link to the account registered with `email`, if there is one.

        Answers no sooner than `rules.link_reply_ms` after the customer's message arrived
        (`message_at`, wall-clock seconds; from now when unknown). The account's own work
        runs off this path (see the class), so there is no work floor to wait for: how long
        the answer takes does not tell whether an account exists.
        Raises IdentityUnavailableError (for any address) while the identity provider is
        known to be failing: a lookup or reset in the background failed less than
        `PROVIDER_RETRY_SECONDS` ago and none has succeeded since.
        """
        floor = ReplyFloor(self._rules.link_reply_ms / 1000)
        return padded_after(floor, message_at, self._request_reset, email, conversation_id)

    def _request_reset(self, email: str, conversation_id: str) -> ResetResult:
        email = normalise_email(email)
        minutes = self._rules.token_minutes
        if not is_valid_email(email):
            return ResetResult(ResetStatus.INVALID_EMAIL, email, minutes)
        now = self._clock()
        key = self.email_key(email)
        recent = self._requests.count_for_email(key, now - timedelta(hours=1))
        in_conversation = self._requests.count_for_conversation(conversation_id)
        if (
            recent >= self._rules.per_email_per_hour
            or in_conversation >= self._rules.per_conversation
        ):
            self._audit.record("reset_requested", "throttled", conversation_id)
            return ResetResult(ResetStatus.THROTTLED, email, minutes)
        if self._provider_failing():
            raise IdentityUnavailableError("the identity provider failed a moment ago")
        self._requests.record(key, conversation_id, now)
        # The same for every address on this path: the lookup and all that follows run after
        # the answer (a registered address costs the identity provider more calls).
        self._after_reply(self._reset_in_background, email, conversation_id, minutes)
        return ResetResult(ResetStatus.ACCEPTED, email, minutes)

    def _provider_failing(self) -> bool:
        failed_at = self._provider_failed_at
        return failed_at is not None and time.monotonic() - failed_at < PROVIDER_RETRY_SECONDS

    def _reset_in_background(self, email: str, conversation_id: str, minutes: int) -> None:
        """Off the request path: find the account, then send it the link."""
        try:
            account = self._directory.find_by_email(email)
        except IdentityUnavailableError:
            self._provider_failed_at = time.monotonic()
            log.exception("reset: the identity provider could not look up an address")
            self._audit.record("reset_requested", "provider_failed", conversation_id)
            return
        self._provider_failed_at = None
        if account is None:
            self._audit.record("reset_requested", "no_account", conversation_id)
            return
        self._send_link(account, conversation_id, minutes)

    def _after_reply(self, function: Callable[..., object], *args: object) -> None:
        if self._background is None:
            function(*args)
        else:
            self._background.submit(function, *args)

    def _send_link(self, account: Account, conversation_id: str, minutes: int) -> None:
        """Off the request path: token (or the provider's own email), email, audit."""
        try:
            token = self._directory.start_password_reset(account.id, timedelta(minutes=minutes))
        except IdentityUnavailableError:
            # The customer has been told the neutral words already; they can ask again.
            self._provider_failed_at = time.monotonic()
            log.exception("reset for account %s: the identity provider failed", account.id)
            self._audit.record("reset_requested", "provider_failed", conversation_id, account.id)
            return
        if token is None:  # the identity provider emails the customer itself
            self._audit.record("reset_requested", "provider_sent", conversation_id, account.id)
            return
        try:
            self._mailer.send(self._reset_email(account.email, token, minutes))
        except MailDeliveryError:
            # Operators see the failure in the log and the audit table.
            log.exception("reset email for account %s could not be delivered", account.id)
            self._audit.record("reset_requested", "delivery_failed", conversation_id, account.id)
            return
        self._audit.record("reset_requested", "email_sent", conversation_id, account.id)

    def _reset_email(self, to: str, token: str, minutes: int) -> EmailMessage:
        vendor = self._vendor
        link = self._links.reset(token)
        body = (
            f"Hello,\n\n"
            f"Someone (we hope you) asked to reset the password of your {vendor.name} account.\n"
            f"Choose a new password here:\n\n{link}\n\n"
            f"The link works once and expires in {minutes} minutes. Asking for another link "
            f"switches this one off.\n\n"
            f"If you did not ask for this, ignore this email: your password stays as it is.\n"
            f"We will never ask you for your password or a verification code by email, chat "
            f"or phone.\n\n"
            f"{vendor.name} account support\n{vendor.support_url}\n"
        )
        return EmailMessage(
            to=to,
            sender=vendor.email_sender,
            subject=f"Reset your {vendor.name} password",
            body=body,
            kind="password_reset",
        )
