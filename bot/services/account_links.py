"""Use cases behind the links in account emails: set a new password, confirm or cancel an
email change, and apply changes whose cooling-off period is over.

Link tokens are single-use secrets that exist only in the emails; the database keeps their
SHA-256. Every outcome a page shows depends only on the token, never on an address typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from argon2 import PasswordHasher

from bot.domain.email_change import ChangeState
from bot.domain.password_rules import PasswordRules, password_problems
from bot.domain.ports import AuditLog, EmailChangeStore, Mailer, ResetTokens
from bot.domain.tokens import hash_token
from bot.services.notices import send_notice
from bot.settings import Vendor

log = logging.getLogger(__name__)


class LinkOutcome(str, Enum):
    """What a page tells the person who followed the link."""

    DONE = "done"
    INVALID = "invalid"  # unknown, used, expired or cancelled link
    REJECTED = "rejected"  # the new password breaks a rule (see `problems`)


@dataclass(frozen=True)
class LinkResult:
    """The outcome of following a link."""

    outcome: LinkOutcome
    problems: tuple[str, ...] = ()
    effective_at: datetime | None = None


class AccountLinkService:
    """The reset page and the email-change pages of the built-in identity directory."""

    def __init__(
        self,
        directory: ResetTokens,
        changes: EmailChangeStore,
        mailer: Mailer,
        audit: AuditLog,
        vendor: Vendor,
        rules: PasswordRules,
        common_passwords: Collection[str],
        clock: Callable[[], datetime],
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._directory = directory
        self._changes = changes
        self._mailer = mailer
        self._audit = audit
        self._vendor = vendor
        self._rules = rules
        self._common = common_passwords
        self._clock = clock
        self._hasher = hasher or PasswordHasher()

    # --- password reset ------------------------------------------------------------------

    def reset_link_is_valid(self, token: str) -> bool:
        """Whether the reset page should show its form (does not spend the token)."""
        return bool(token) and self._directory.reset_token_is_valid(token)

    def set_password(self, token: str, password: str, repeated: str) -> LinkResult:
        """Check the new password against the rules, then spend the token and store it."""
        if not self.reset_link_is_valid(token):
            return LinkResult(LinkOutcome.INVALID)
        problems: list[str] = []
        if password != repeated:
            problems.append("The two passwords are not the same.")
        # The rule "not containing the address" needs the account: found without spending
        # the token, which is spent only when the password is accepted.
        account_id = self._directory.reset_token_account(token)
        account = self._directory.find_by_id(account_id) if account_id else None
        problems += password_problems(password, account.email if account else "", self._rules,
                                      self._common)  # fmt: skip
        if problems:
            return LinkResult(LinkOutcome.REJECTED, tuple(dict.fromkeys(problems)))
        spent = self._directory.redeem_reset_token(token)
        if spent is None:
            return LinkResult(LinkOutcome.INVALID)
        self._directory.set_password_hash(spent, self._hasher.hash(password))
        self._directory.clear_sessions(spent)
        self._audit.record("password_reset", "done", "", spent)
        if account is not None:
            self._notify(account.email, f"Your {self._vendor.name} password was changed",
                         "The password of your account was just changed with a reset link, and "
                         "every device was signed out. If this wasn't you, ask for a new reset "
                         "link right away and contact us.", "password_changed")  # fmt: skip
        return LinkResult(LinkOutcome.DONE)

    # --- email change --------------------------------------------------------------------

    def confirm_email_change(self, token: str) -> LinkResult:
        """The new address confirms; the change then waits out its cooling-off period."""
        now = self._clock()
        change = self._changes.by_confirm_token(hash_token(token)) if token else None
        if change is None or change.state(now) is not ChangeState.AWAITING_CONFIRMATION:
            return LinkResult(LinkOutcome.INVALID)
        if not self._changes.mark(change.id, "confirmed", now):
            return LinkResult(LinkOutcome.INVALID)
        self._audit.record("email_change", "confirmed", "", change.account_id)
        self.apply_due_changes()
        return LinkResult(LinkOutcome.DONE, effective_at=max(change.effective_at, now))

    def cancel_email_change(self, token: str) -> LinkResult:
        """The old address stops the change (any time before it is applied)."""
        now = self._clock()
        change = self._changes.by_cancel_token(hash_token(token)) if token else None
        if change is None or not change.is_pending:
            return LinkResult(LinkOutcome.INVALID)
        if not self._changes.mark(change.id, "cancelled", now):
            return LinkResult(LinkOutcome.INVALID)
        self._audit.record("email_change", "cancelled", "", change.account_id)
        return LinkResult(LinkOutcome.DONE)

    def apply_due_changes(self) -> int:
        """Apply every confirmed change whose cooling-off period is over; returns how many."""
        now = self._clock()
        applied = 0
        for change in self._changes.confirmed_due(now):
            account = self._directory.find_by_id(change.account_id)
            if account is None:
                continue
            if self._directory.find_by_email(change.new_email) is not None:
                # The address was taken meanwhile: stop, and tell the owner (who proved
                # access to the mailbox) that it could not be completed.
                if self._changes.mark(change.id, "cancelled", now):
                    self._audit.record("email_change", "address_taken", "", change.account_id)
                    self._notify(account.email, f"Your {self._vendor.name} sign-in email was "
                                 "not changed", "The new address could not be used for your "
                                 "account, so it keeps signing in with this one. Contact us if "
                                 "you need help.", "email_change_failed")  # fmt: skip
                continue
            if not self._changes.mark(change.id, "applied", now):
                continue  # another process applied or cancelled it
            self._directory.change_email(change.account_id, change.new_email)
            self._audit.record("email_change", "applied", "", change.account_id)
            for to in (account.email, change.new_email):
                self._notify(to, f"Your {self._vendor.name} sign-in email has changed",
                             f"From now on you sign in with {change.new_email}. If you did not "
                             "ask for this, contact us right away.", "email_changed")  # fmt: skip
            applied += 1
        return applied

    def _notify(self, to: str, subject: str, text: str, kind: str) -> None:
        send_notice(self._mailer, self._vendor, to, subject, text, kind)
