"""Use cases that change an account, each run only after ownership verification passed."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

from bot.adapters.directory import IdentityDirectory
from bot.adapters.mailer import MailDeliveryError, Mailer
from bot.models import Account, EmailMessage
from bot.services.emails import normalise_email
from bot.services.password_reset import AuditLog
from bot.settings import ResetRules, Vendor

log = logging.getLogger(__name__)
EMAIL_CHANGE_HOURS = 24


class EmailChangeStore(Protocol):
    """Pending email changes."""

    def add(self, account_id: str, new_email: str, token_hash: str, now: datetime,
            expires_at: datetime) -> None: ...  # fmt: skip


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
        mailer: Mailer,
        audit: AuditLog,
        email_changes: EmailChangeStore,
        vendor: Vendor,
        reset_rules: ResetRules,
        clock: Callable[[], datetime],
    ) -> None:
        self._directory = directory
        self._mailer = mailer
        self._audit = audit
        self._changes = email_changes
        self._vendor = vendor
        self._reset_rules = reset_rules
        self._clock = clock

    def _account(self, account_id: str, email: str) -> Account:
        account = self._directory.find_by_email(email)
        if account is None or account.id != account_id:
            raise LookupError("the verified account is no longer there")
        return account

    def unlock(self, account_id: str, email: str, conversation_id: str) -> UnlockResult:
        """Lift a lock; says whether it came from failed sign-ins (then a reset is advised)."""
        account = self._account(account_id, email)
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

    def reset_factors(self, account_id: str, email: str, conversation_id: str) -> None:
        """Remove every MFA factor and tell the registered address."""
        account = self._account(account_id, email)
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

    def secure_account(self, account_id: str, email: str, conversation_id: str) -> None:
        """Sign out everywhere and send a fresh reset link to the registered address."""
        account = self._account(account_id, email)
        self._directory.clear_sessions(account.id)
        self._audit.record("sessions_cleared", "done", conversation_id, account.id)
        minutes = self._reset_rules.token_minutes
        token = self._directory.start_password_reset(account.id, timedelta(minutes=minutes))
        if token is not None:
            link = f"{self._vendor.reset_url}?{urlencode({'token': token})}"
            self._notify(
                account.email,
                f"Secure your {self._vendor.name} account",
                f"We signed your account out on every device. Choose a new password now:\n\n"
                f"{link}\n\nThe link works once and expires in {minutes} minutes. Use a "
                f"password you have never used anywhere else.",
                "password_reset",
            )
        self._audit.record("reset_requested", "compromised", conversation_id, account.id)

    def start_email_change(
        self, account_id: str, email: str, new_email: str, conversation_id: str
    ) -> None:
        """Ask the new address to confirm; tell the old one what is happening."""
        account = self._account(account_id, email)
        new_email = normalise_email(new_email)
        token = secrets.token_urlsafe(32)
        now = self._clock()
        self._changes.add(
            account.id, new_email, hashlib.sha256(token.encode()).hexdigest(), now,
            now + timedelta(hours=EMAIL_CHANGE_HOURS),
        )  # fmt: skip
        confirm = f"{self._vendor.sign_in_url}/confirm-email?{urlencode({'token': token})}"
        self._notify(
            new_email,
            f"Confirm your new {self._vendor.name} sign-in email",
            f"Confirm that you want to sign in to your {self._vendor.name} account with this "
            f"address:\n\n{confirm}\n\nThe link expires in {EMAIL_CHANGE_HOURS} hours. "
            f"Didn't ask for this? Ignore this email.",
            "email_change_confirm",
        )
        self._notify(
            account.email,
            f"Your {self._vendor.name} sign-in email is being changed",
            "Someone who passed our ownership checks asked to move your account to a new "
            "email address. It changes once the new address confirms.\n\nIf this wasn't "
            "you, contact us right away.",
            "email_change_notice",
        )
        self._audit.record("email_change", "started", conversation_id, account.id)

    def _notify(self, to: str, subject: str, text: str, kind: str) -> None:
        body = (
            f"Hello,\n\n{text}\n\n{self._vendor.name} account support\n{self._vendor.support_url}\n"
        )
        try:
            self._mailer.send(EmailMessage(to, self._vendor.email_sender, subject, body, kind))
        except MailDeliveryError:
            log.exception("could not send %s email", kind)
