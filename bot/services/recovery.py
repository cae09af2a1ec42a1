"""Use cases that change an account. Each one first spends a passed verification.

The account to change comes only from `VerificationConsumer.consume`, which reads the
server-side verification record of this conversation and purpose: nothing the client sends
(slots, sender ids, message text) can name or unlock an account.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.email_change import CONFIRM_HOURS
from bot.domain.emails import normalise_email
from bot.domain.links import AccountLinks
from bot.domain.model import Account
from bot.domain.ports import (
    AuditLog,
    EmailChangeStore,
    IdentityDirectory,
    Mailer,
    VerificationConsumer,
)
from bot.domain.tokens import hash_token
from bot.services.notices import send_notice
from bot.settings import ResetRules, Vendor

log = logging.getLogger(__name__)


class NotVerifiedError(PermissionError):
    """No passed, unused verification of this conversation for this change."""


@dataclass(frozen=True)
class UnlockResult:
    """What unlocking found."""

    was_locked: bool
    after_failed_attempts: bool
    would_unlock_at: datetime | None


class RecoveryService:
    """Unlock, reset MFA, secure a compromised account, start an email change."""

    def __init__(
        self,
        directory: IdentityDirectory,
        verification: VerificationConsumer,
        mailer: Mailer,
        audit: AuditLog,
        email_changes: EmailChangeStore,
        vendor: Vendor,
        reset_rules: ResetRules,
        links: AccountLinks,
        clock: Callable[[], datetime],
        cooling_off: timedelta = timedelta(hours=72),
    ) -> None:
        self._directory = directory
        self._verification = verification
        self._mailer = mailer
        self._audit = audit
        self._changes = email_changes
        self._vendor = vendor
        self._reset_rules = reset_rules
        self._links = links
        self._clock = clock
        self._cooling_off = cooling_off

    def _verified_account(self, conversation_id: str, purpose: str) -> Account:
        account_id = self._verification.consume(conversation_id, purpose)
        if account_id is None:
            self._audit.record(purpose, "not_verified", conversation_id)
            raise NotVerifiedError(purpose)
        account = self._directory.find_by_id(account_id)
        if account is None:
            raise LookupError("the verified account is no longer there")
        return account

    def unlock(self, conversation_id: str) -> UnlockResult:
        """Lift a lock; says whether it came from failed sign-ins (then a reset is advised)."""
        account = self._verified_account(conversation_id, "unlock")
        now = self._clock()
        result = UnlockResult(
            was_locked=account.is_locked(now),
            after_failed_attempts=account.lock_reason == "failed_attempts",
            would_unlock_at=account.locked_until,
        )
        self._directory.unlock(account.id)
        self._audit.record("unlock", "done" if result.was_locked else "not_locked",
                           conversation_id, account.id)  # fmt: skip
        return result

    def reset_factors(self, conversation_id: str) -> None:
        """Remove every MFA factor and tell the registered address."""
        account = self._verified_account(conversation_id, "factor_reset")
        self._directory.reset_factors(account.id)
        self._audit.record("factor_reset", "done", conversation_id, account.id)
        self._notify(
            account.email,
            f"2-step verification was reset on your {self._vendor.name} account",
            "At your request in our support chat, we removed the 2-step verification methods "
            "from your account. The next time you sign in you will be asked to set one up "
            "again.\n\nIf this wasn't you, reset your password now and contact us.",
            "factor_reset_notice",
        )

    def secure_account(self, conversation_id: str) -> None:
        """Sign out everywhere, stop pending email changes, send a fresh reset link."""
        account = self._verified_account(conversation_id, "secure")
        self._directory.clear_sessions(account.id)
        self._audit.record("sessions_cleared", "done", conversation_id, account.id)
        now = self._clock()
        for change in self._changes.pending_for(account.id):
            if self._changes.mark(change.id, "cancelled", now):
                self._audit.record("email_change", "cancelled_by_secure", conversation_id,
                                   account.id)  # fmt: skip
        minutes = self._reset_rules.token_minutes
        token = self._directory.start_password_reset(account.id, timedelta(minutes=minutes))
        if token is not None:
            self._notify(
                account.email,
                f"Secure your {self._vendor.name} account",
                f"We signed your account out on every device and stopped any pending change "
                f"of its sign-in email. Choose a new password now:\n\n{self._links.reset(token)}"
                f"\n\nThe link works once and expires in {minutes} minutes. Use a "
                f"password you have never used anywhere else.",
                "password_reset",
            )
        self._audit.record("reset_requested", "compromised", conversation_id, account.id)

    def start_email_change(self, conversation_id: str, new_email: str) -> int:
        """Ask the new address to confirm; give the old one a notice with a cancel link.

        Nothing changes until the new address confirms and the cooling-off period passes.
        Returns the number of hours until the change can take effect.
        """
        account = self._verified_account(conversation_id, "email_change")
        new_email = normalise_email(new_email)
        confirm, cancel = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        self._changes.add(
            account.id, new_email, hash_token(confirm), hash_token(cancel), conversation_id,
            now, now + timedelta(hours=CONFIRM_HOURS), now + self._cooling_off,
        )  # fmt: skip
        hours = int(self._cooling_off.total_seconds() // 3600)
        self._notify(
            new_email,
            f"Confirm your new {self._vendor.name} sign-in email",
            f"Confirm that you want to sign in to your {self._vendor.name} account with this "
            f"address:\n\n{self._links.confirm_email(confirm)}\n\nThe link expires in "
            f"{CONFIRM_HOURS} hours. For your protection the change takes effect {hours} hours "
            f"after it was requested. Didn't ask for this? Ignore this email.",
            "email_change_confirm",
        )
        self._notify(
            account.email,
            f"Your {self._vendor.name} sign-in email is being changed",
            f"Someone who proved access to this mailbox in our support chat asked to move your "
            f"account to another email address. If the new address confirms, the change takes "
            f"effect in {hours} hours.\n\nIf this wasn't you, stop it now:\n\n"
            f"{self._links.cancel_email_change(cancel)}\n\nThen reset your password.",
            "email_change_notice",
        )
        self._audit.record("email_change", "started", conversation_id, account.id)
        return hours

    def _notify(self, to: str, subject: str, text: str, kind: str) -> None:
        send_notice(self._mailer, self._vendor, to, subject, text, kind)
