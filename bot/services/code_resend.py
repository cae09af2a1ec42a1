"""Use case: a sign-in code did not arrive; send a new one, or by another method on file.

Throttled per address (a 60-second cooldown, at most 3 an hour) whether or not an
account exists, and the customer hears the same words either way. Text
messages go through the SMS port (Twilio, or the built-in outbox addressed to the phone's
last digits, where an operator can see them); email codes through the mailer.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.emails import is_valid_email, normalise_email
from bot.domain.model import Account, EmailMessage, SmsMessage
from bot.domain.ports import (
    AuditLog,
    IdentityDirectory,
    MailDeliveryError,
    Mailer,
    RateLog,
    SmsDeliveryError,
    SmsSender,
)
from bot.services.keyed_hash import KeyedHasher
from bot.services.timing import NO_FLOOR, ReplyFloor, padded_after
from bot.settings import Vendor

COOLDOWN = timedelta(seconds=60)
WINDOW = timedelta(hours=1)
MAX_IN_WINDOW = 3
DELIVERABLE = ("sms", "email")  # methods we can send a code through


@dataclass(frozen=True)
class ResendResult:
    """What the customer is told: sent | cooldown | capped | invalid_email | app_codes."""

    status: str
    wait_seconds: int = 0


class CodeResendService:
    """Sends a fresh sign-in code through the method asked for, or a backup on file."""

    def __init__(
        self,
        directory: IdentityDirectory,
        mailer: Mailer,
        sms: SmsSender,
        rate_log: RateLog,
        audit: AuditLog,
        vendor: Vendor,
        secret_key: str,
        clock: Callable[[], datetime],
        reply_floor: ReplyFloor = NO_FLOOR,
    ) -> None:
        self._floor = reply_floor
        self._directory = directory
        self._mailer = mailer
        self._sms = sms
        self._rates = rate_log
        self._audit = audit
        self._vendor = vendor
        self._hasher = KeyedHasher(secret_key)
        self._clock = clock

    def resend(
        self,
        email: str,
        method: str | None,
        conversation_id: str,
        message_at: float | None = None,
    ) -> ResendResult:
        """Throttle, then send a code if the address has an account with a usable method.

        Answers no sooner than `reply_floor` allows for a message that arrived at
        `message_at`, whatever the account (mail is queued off this path), so timing does
        not tell whether the account exists.
        """
        return padded_after(self._floor, message_at, self._resend, email, method,
                            conversation_id)  # fmt: skip

    def _resend(self, email: str, method: str | None, conversation_id: str) -> ResendResult:
        email = normalise_email(email)
        if not is_valid_email(email):
            return ResendResult("invalid_email")
        if method == "totp":
            return ResendResult("app_codes")  # the app makes codes itself: nothing to send
        now = self._clock()
        key = self._hasher.hash("resend", email)
        last = self._rates.last("code_resend", key)
        if last is not None and now - last < COOLDOWN:
            remaining = (COOLDOWN - (now - last)).total_seconds()
            return ResendResult("cooldown", max(1, math.ceil(remaining)))
        if self._rates.count("code_resend", key, now - WINDOW) >= MAX_IN_WINDOW:
            self._audit.record("code_resent", "throttled", conversation_id)
            return ResendResult("capped", int(WINDOW.total_seconds() // 60))
        self._rates.record("code_resend", key, now)
        account = self._directory.find_by_email(email)
        if account is None:
            self._audit.record("code_resent", "no_account", conversation_id)
            return ResendResult("sent")
        used = self._send(account, method)
        self._audit.record("code_resent", f"sent_{used}" if used else "no_method",
                           conversation_id, account.id)  # fmt: skip
        return ResendResult("sent")

    def _send(self, account: Account, wanted: str | None) -> str | None:
        enrolled = [m for m in account.mfa_factors if m in DELIVERABLE]
        if not enrolled:
            return None
        method = wanted if wanted in enrolled else enrolled[0]  # the backup on file
        code = f"{secrets.randbelow(10**6):06d}"
        try:
            if method == "sms":
                self._sms.send(
                    SmsMessage(
                        to=account.phone_number or f"+•••{account.phone_last4}",
                        body=f"{self._vendor.name}: your sign-in code is {code}. Never share it.",
                        kind="sms_code",
                    )
                )
            else:
                self._mailer.send(
                    EmailMessage(
                        to=account.email,
                        sender=self._vendor.email_sender,
                        subject=f"Your {self._vendor.name} sign-in code",
                        body=f"Your sign-in code is {code}. Type it on the sign-in page. "
                        f"Nobody from {self._vendor.name} will ever ask you for it.",
                        kind="sign_in_code",
                    )
                )
        except (MailDeliveryError, SmsDeliveryError):
            return None
        return method
