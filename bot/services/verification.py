"""Use case: check that the person in the chat owns the account before changing it.

1. Possession: a one-time code sent to the account's *registered* email (never to an address
   typed in the chat), unless the factor being replaced is that email itself.
2. Knowledge: up to three questions about facts the owner knows; two right answers pass.

Everything is keyed by a keyed hash of the address the customer typed, so an address with
no account goes through exactly the same steps, wording and throttle, and simply never
passes. Three failed verifications in 24 hours refuse further attempts for that address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.adapters.directory import IdentityDirectory
from bot.adapters.mailer import MailDeliveryError, Mailer
from bot.models import EmailMessage
from bot.services.emails import normalise_email
from bot.settings import Vendor

CODE_MINUTES = 10
MAX_CODE_TRIES = 3
MAX_FAILURES_PER_DAY = 3
QUESTIONS_ASKED = 3
CORRECT_NEEDED = 2

# kind -> question shown to the customer
QUESTIONS: dict[str, str] = {
    "license_last4": "What are the last 4 characters of your license (activation) key?",
    "purchase_month": "In which month and year did you buy your subscription? "
    "(for example 03/2024)",
    "device_name": "What is the name of one of the devices your subscription protects?",
    "postcode": "What is the postal code of your billing address?",
}
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}


def normalise_answer(kind: str, answer: str) -> str:
    """Canonical form of an answer: case, spaces, dashes and date formats don't matter."""
    text = (answer or "").strip().lower()
    if kind == "license_last4":
        chars = re.sub(r"[^0-9a-z]", "", text)
        return chars[-4:].upper()
    if kind == "purchase_month":
        return _normalise_month(text)
    return re.sub(r"[\s\-_.,/'’]", "", text).upper()


def _normalise_month(text: str) -> str:
    year = re.search(r"(19|20)\d{2}", text)
    if not year:
        return ""
    rest = text.replace(year.group(0), " ")
    month = None
    for name, number in _MONTHS.items():
        if re.search(rf"\b{name}", rest):
            month = number
            break
    if month is None:
        digits = re.search(r"\b(0?[1-9]|1[0-2])\b", rest)
        month = int(digits.group(1)) if digits else None
    return f"{year.group(0)}-{month:02d}" if month else ""


def extract_code(text: str) -> str:
    """The digits of a code typed as '123 456', '123-456' or 'code is 123456'."""
    return re.sub(r"\D", "", text or "")


class FactStore(Protocol):
    """Hashed verification facts and one-time codes."""

    def facts(self, account_id: str) -> dict[str, str]: ...

    def store_code(
        self, subject_key: str, conversation_id: str, code_hash: str, now: datetime,
        expires_at: datetime,
    ) -> None: ...  # fmt: skip

    def use_code(
        self, subject_key: str, conversation_id: str, code_hash: str, now: datetime
    ) -> bool: ...


class RateLog(Protocol):
    """Counts throttled events."""

    def record(self, kind: str, key: str, at: datetime) -> None: ...

    def count(self, kind: str, key: str, since: datetime) -> int: ...


class AuditLog(Protocol):
    """Where recovery events are recorded."""

    def record(
        self, event: str, outcome: str, conversation_id: str = "", account_id: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class VerificationPlan:
    """How a verification will go, decided at its start."""

    refused: bool
    needs_code: bool
    questions: tuple[str, ...]


class VerificationService:
    """Possession and knowledge checks with a per-address failure limit."""

    def __init__(
        self,
        directory: IdentityDirectory,
        store: FactStore,
        rate_log: RateLog,
        mailer: Mailer,
        audit: AuditLog,
        vendor: Vendor,
        secret_key: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._directory = directory
        self._store = store
        self._rates = rate_log
        self._mailer = mailer
        self._audit = audit
        self._vendor = vendor
        self._secret = secret_key.encode("utf-8")
        self._clock = clock

    # --- keys and hashes --------------------------------------------------------------------

    def subject_key(self, email: str) -> str:
        """Keyed hash of the address typed in the chat."""
        return self._hmac("subject", normalise_email(email))

    def fact_hash(self, kind: str, answer: str) -> str:
        """How a fact is stored (and an answer compared): keyed hash of its normal form."""
        return self._hmac(kind, normalise_answer(kind, answer))

    def _hmac(self, purpose: str, value: str) -> str:
        message = f"{purpose}:{value}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    # --- the steps --------------------------------------------------------------------------

    def is_refused(self, email: str) -> bool:
        """True after too many failed verifications for this address in 24 hours."""
        since = self._clock() - timedelta(hours=24)
        return self._rates.count("verification_failed", self.subject_key(email), since) >= (
            MAX_FAILURES_PER_DAY
        )

    def begin(
        self, email: str, conversation_id: str, factor_being_replaced: str | None = None
    ) -> VerificationPlan:
        """Start: refuse if over the limit, otherwise send the code and pick the questions."""
        email = normalise_email(email)
        key = self.subject_key(email)
        questions = self._questions_for(key)
        if self.is_refused(email):
            self._audit.record("verification", "refused", conversation_id)
            return VerificationPlan(True, False, questions)
        needs_code = factor_being_replaced != "email"
        if needs_code:
            self._send_code(email, key, conversation_id)
        return VerificationPlan(False, needs_code, questions)

    def check_code(self, email: str, typed: str, conversation_id: str) -> bool:
        """True when `typed` holds the code sent in this conversation (single use)."""
        code = extract_code(typed)
        if len(code) != 6:
            return False
        key = self.subject_key(email)
        return self._store.use_code(key, conversation_id, self._code_hash(key, code), self._clock())

    def check_answer(self, email: str, kind: str, answer: str) -> bool:
        """Compare an answer with the stored fact in constant time; never stores the answer."""
        account = self._directory.find_by_email(email)
        stored = self._store.facts(account.id).get(kind) if account else None
        candidate = self.fact_hash(kind, answer)
        # Compare against a dummy when there is nothing stored, so timing does not tell.
        expected = stored or self._hmac("missing", kind)
        matches = hmac.compare_digest(candidate, expected)
        return bool(stored) and matches and normalise_answer(kind, answer) != ""

    def finish(self, email: str, passed: bool, conversation_id: str) -> str | None:
        """Record the outcome; returns the account id when verification passed."""
        email = normalise_email(email)
        account = self._directory.find_by_email(email) if passed else None
        if passed and account is not None:
            self._audit.record("verification", "passed", conversation_id, account.id)
            return account.id
        self._rates.record("verification_failed", self.subject_key(email), self._clock())
        self._audit.record("verification", "failed", conversation_id)
        return None

    # --- helpers ----------------------------------------------------------------------------

    def _questions_for(self, key: str) -> tuple[str, ...]:
        # The same address always gets the same questions, whether or not it has an account.
        kinds = sorted(QUESTIONS, key=lambda kind: self._hmac("order", key + kind))
        return tuple(kinds[:QUESTIONS_ASKED])

    def _code_hash(self, key: str, code: str) -> str:
        return self._hmac("code", f"{key}:{code}")

    def _send_code(self, email: str, key: str, conversation_id: str) -> None:
        now = self._clock()
        code = f"{secrets.randbelow(10**6):06d}"
        self._store.store_code(
            key, conversation_id, self._code_hash(key, code), now,
            now + timedelta(minutes=CODE_MINUTES),
        )  # fmt: skip
        account = self._directory.find_by_email(email)
        if account is None:
            return  # nothing is sent, and the customer is told the same as everyone else
        try:
            self._mailer.send(self._code_email(account.email, code))
            self._audit.record("verification_code", "sent", conversation_id, account.id)
        except MailDeliveryError:
            self._audit.record("verification_code", "delivery_failed", conversation_id, account.id)

    def _code_email(self, to: str, code: str) -> EmailMessage:
        vendor = self._vendor
        body = (
            f"Hello,\n\nYour {vendor.name} verification code is: {code}\n\n"
            f"Type it only into the support chat where you asked for it. It works once and "
            f"expires in {CODE_MINUTES} minutes. Our staff will never ask you to read it out "
            f"on the phone or send it by email.\n\n"
            f"Didn't ask for it? Someone may be trying to get into your account: ignore this "
            f"email and consider changing your password.\n\n"
            f"{vendor.name} account support\n{vendor.support_url}\n"
        )
        return EmailMessage(to, vendor.email_sender, f"Your {vendor.name} verification code",
                            body, kind="verification_code")  # fmt: skip
