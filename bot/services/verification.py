"""Use case: prove that the person in the chat owns the account before anything changes.

1. Possession, always: a one-time code sent to the account's *registered* address (never
   to an address typed in the chat). There is no way around it: when the customer has lost
   that mailbox, nothing is changed here and a person takes over.
2. Knowledge, on top: up to three questions about facts the owner knows; two right
   answers pass. Answers never replace the code.

Every step reads and writes a server-side record (`bot.domain.verification`), bound to the
conversation, the account and the purpose; actions and slots only carry the dialogue. An
address without an account goes through the same steps, words and throttles, and simply
never passes. Per address (keyed hash), across conversations and channels: at most
3 code emails an hour, and after 3 failed verifications (or 6 wrong codes or answers) in
24 hours every further attempt is refused, even one with the right code.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.domain.emails import normalise_email
from bot.domain.model import EmailMessage
from bot.domain.ports import (
    AuditLog,
    ConcurrentUpdateError,
    IdentityDirectory,
    MailDeliveryError,
    Mailer,
    RateLog,
    VerificationRecords,
)
from bot.domain.verification import (
    CODE_MINUTES,
    CODE_SENDS_PER_HOUR,
    MAX_FAILURES_PER_DAY,
    MAX_WRONG_PER_DAY,
    QUESTIONS_ASKED,
    VERIFICATION_MINUTES,
    Status,
    Verification,
    VerificationError,
)
from bot.services.keyed_hash import KeyedHasher
from bot.services.timing import NO_FLOOR, ReplyFloor, padded_after
from bot.settings import Vendor

log = logging.getLogger(__name__)

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
RATE_FAILED = "verification_failed"
RATE_WRONG = "verification_wrong"
RATE_CODE_SENT = "verification_code_sent"


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


class Outcome(str, Enum):
    """What the customer is told after a step (the same whether or not an account exists)."""

    ASK_EMAIL = "ask_email"  # no verification under way in this conversation
    ASK_CODE = "ask_code"  # a code is on its way (if the account exists)
    CODE_WRONG = "code_wrong"
    ASK_QUESTION = "ask_question"
    PASSED = "passed"
    FAILED = "failed"
    REFUSED = "refused"  # too many failures for this address lately
    THROTTLED = "throttled"  # too many codes sent to this address lately
    EXPIRED = "expired"  # the check took too long


@dataclass(frozen=True)
class Step:
    """The state of the conversation's verification after a step."""

    outcome: Outcome
    purpose: str | None = None
    question: str | None = None  # question kind, with ASK_QUESTION


class VerificationService:
    """Possession first, then knowledge, with per-address limits across conversations."""

    def __init__(
        self,
        directory: IdentityDirectory,
        store: VerificationRecords,
        rate_log: RateLog,
        mailer: Mailer,
        audit: AuditLog,
        vendor: Vendor,
        secret_key: str,
        clock: Callable[[], datetime],
        reply_floor: ReplyFloor = NO_FLOOR,
    ) -> None:
        self._directory = directory
        self._store = store
        self._rates = rate_log
        self._mailer = mailer
        self._audit = audit
        self._vendor = vendor
        self._hasher = KeyedHasher(secret_key)
        self._clock = clock
        self._floor = reply_floor

    # --- keys and hashes --------------------------------------------------------------------

    def subject_key(self, email: str) -> str:
        """Keyed hash of the address typed in the chat."""
        return self._hasher.hash("subject", normalise_email(email))

    def fact_hash(self, kind: str, answer: str) -> str:
        """How a fact is stored (and an answer compared): keyed hash of its normal form."""
        return self._hasher.hash(kind, normalise_answer(kind, answer))

    # --- the steps --------------------------------------------------------------------------

    def begin(
        self, conversation_id: str, email: str, purpose: str, message_at: float | None = None
    ) -> Step:
        """Start a check for `purpose`: send a code to the registered address.

        Answers no sooner than `reply_floor` allows for a message that arrived at
        `message_at`, whatever the account, and the email is queued off this path, so
        neither words nor timing tell whether the account exists.
        """
        return padded_after(self._floor, message_at, self._begin, conversation_id, email, purpose)

    def _begin(self, conversation_id: str, email: str, purpose: str) -> Step:
        now = self._clock()
        self._store.cancel_open(conversation_id, now)
        email = normalise_email(email)
        key = self.subject_key(email)
        if self._is_refused(key, now):
            self._audit.record("verification", "refused", conversation_id)
            return Step(Outcome.REFUSED, purpose)
        if self._rates.count(RATE_CODE_SENT, key, now - timedelta(hours=1)) >= (
            CODE_SENDS_PER_HOUR
        ):
            self._audit.record("verification_code", "throttled", conversation_id)
            return Step(Outcome.THROTTLED, purpose)
        self._rates.record(RATE_CODE_SENT, key, now)
        account = self._directory.find_by_email(email)
        code = f"{secrets.randbelow(10**6):06d}"
        record = self._store.add(
            Verification(
                conversation_id=conversation_id,
                subject_key=key,
                account_id=account.id if account else None,
                purpose=purpose,
                factor="email",
                code_hash=self._code_hash(key, code),
                code_expires_at=now + timedelta(minutes=CODE_MINUTES),
                questions=self._questions_for(key),
                created_at=now,
                expires_at=now + timedelta(minutes=VERIFICATION_MINUTES),
            )
        )
        if account is None:
            self._audit.record("verification", "started_no_account", conversation_id)
        else:
            self._send_code(account.email, code, conversation_id, account.id)
            self._audit.record("verification", "started", conversation_id, account.id)
        return Step(Outcome.ASK_CODE, record.purpose)

    def check_code(self, conversation_id: str, typed: str) -> Step:
        """Compare `typed` with the code of this conversation's open check; counts at once."""
        now = self._clock()
        record = self._store.latest(conversation_id)
        if record is None or not record.is_live(now) or record.status is not Status.AWAITING_CODE:
            return self._describe(record, now)
        if self._is_refused(record.subject_key, now):
            return self._refuse(record, now)
        code = extract_code(typed)
        right = len(code) == 6 and hmac.compare_digest(
            self._code_hash(record.subject_key, code), record.code_hash
        )
        if not right:
            self._rates.record(RATE_WRONG, record.subject_key, now)
        return self._save_step(record, record.after_code(right, now), now)

    def check_answer(self, conversation_id: str, typed: str) -> Step:
        """Compare `typed` with the fact asked about; never stores the answer."""
        now = self._clock()
        record = self._store.latest(conversation_id)
        if (
            record is None
            or not record.is_live(now)
            or record.status is not Status.AWAITING_ANSWERS
        ):
            return self._describe(record, now)
        if self._is_refused(record.subject_key, now):
            return self._refuse(record, now)
        kind = record.current_question or ""
        stored = self._store.facts(record.account_id).get(kind) if record.account_id else None
        # Compare against a dummy when nothing is stored, so timing does not tell.
        expected = stored or self._hasher.hash("missing", kind)
        matches = hmac.compare_digest(self.fact_hash(kind, typed), expected)
        right = bool(stored) and matches and normalise_answer(kind, typed) != ""
        if not right:
            self._rates.record(RATE_WRONG, record.subject_key, now)
        return self._save_step(record, record.after_answer(right, now), now)

    def current(self, conversation_id: str) -> Step:
        """What the conversation's verification needs next (for the form)."""
        return self._describe(self._store.latest(conversation_id), self._clock())

    def for_case(self, conversation_id: str) -> tuple[str, str | None]:
        """The verification line of a handoff case: outcome, and account id if passed."""
        return case_verification(self._store.latest(conversation_id))

    def cancel(self, conversation_id: str) -> None:
        """The customer stopped, or a new check starts: nothing open stays usable."""
        self._store.cancel_open(conversation_id, self._clock())

    def consume(self, conversation_id: str, purpose: str) -> str | None:
        """Spend this conversation's passed check for `purpose`: the account id, or None.

        The only way to obtain an account id for a change. Single use: a second call, a
        different purpose, another conversation or a check older than 10 minutes gets None.
        """
        now = self._clock()
        record = self._store.latest(conversation_id)
        if record is None or not record.is_usable_for(purpose, now):
            return None
        try:
            self._store.save(record.used(purpose, now))
        except (ConcurrentUpdateError, VerificationError):
            return None
        return record.account_id

    # --- helpers ----------------------------------------------------------------------------

    def _describe(self, record: Verification | None, now: datetime) -> Step:
        if record is None or record.status in (Status.CANCELLED, Status.USED):
            return Step(Outcome.ASK_EMAIL)
        return self._step(record, now)

    def _step(self, record: Verification, now: datetime) -> Step:
        status = record.status
        # Open checks and unused passed ones lapse at `expires_at`.
        if (status.is_open or status is Status.PASSED) and now >= record.expires_at:
            return Step(Outcome.EXPIRED, record.purpose)
        if status is Status.AWAITING_CODE:
            return Step(Outcome.ASK_CODE, record.purpose)
        if status is Status.AWAITING_ANSWERS:
            return Step(Outcome.ASK_QUESTION, record.purpose, record.current_question)
        if status is Status.PASSED:
            return Step(Outcome.PASSED, record.purpose)
        if status is Status.REFUSED:
            return Step(Outcome.REFUSED, record.purpose)
        return Step(Outcome.FAILED, record.purpose)

    def _save_step(self, before: Verification, after: Verification, now: datetime) -> Step:
        try:
            saved = self._store.save(after)
        except ConcurrentUpdateError:
            log.warning("verification %s changed by a concurrent step", before.id)
            return self.current(before.conversation_id)
        if saved.status is Status.FAILED:
            self._rates.record(RATE_FAILED, saved.subject_key, now)
            self._audit.record("verification", "failed", saved.conversation_id)
        elif saved.status is Status.PASSED:
            self._audit.record("verification", "passed", saved.conversation_id, saved.account_id)
        if saved.status is Status.AWAITING_CODE and before.code_tries != saved.code_tries:
            return Step(Outcome.CODE_WRONG, saved.purpose)
        return self._step(saved, now)

    def _refuse(self, record: Verification, now: datetime) -> Step:
        with contextlib.suppress(ConcurrentUpdateError):
            self._store.save(record.refused(now))
        self._audit.record("verification", "refused", record.conversation_id)
        return Step(Outcome.REFUSED, record.purpose)

    def _is_refused(self, key: str, now: datetime) -> bool:
        since = now - timedelta(hours=24)
        return (
            self._rates.count(RATE_FAILED, key, since) >= MAX_FAILURES_PER_DAY
            or self._rates.count(RATE_WRONG, key, since) >= MAX_WRONG_PER_DAY
        )

    def _questions_for(self, key: str) -> tuple[str, ...]:
        # The same address always gets the same questions, whether or not it has an account.
        kinds = sorted(QUESTIONS, key=lambda kind: self._hasher.hash("order", key + kind))
        return tuple(kinds[:QUESTIONS_ASKED])

    def _code_hash(self, key: str, code: str) -> str:
        return self._hasher.hash("code", f"{key}:{code}")

    def _send_code(self, to: str, code: str, conversation_id: str, account_id: str) -> None:
        try:
            self._mailer.send(self._code_email(to, code))
            self._audit.record("verification_code", "sent", conversation_id, account_id)
        except MailDeliveryError:
            self._audit.record("verification_code", "delivery_failed", conversation_id, account_id)

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


_CASE_WORDS = {
    Status.AWAITING_CODE: "in progress (code sent)",
    Status.AWAITING_ANSWERS: "in progress (code proven, questions open)",
    Status.PASSED: "passed",
    Status.USED: "passed",
    Status.FAILED: "failed",
    Status.REFUSED: "refused",
    Status.CANCELLED: "not completed",
}


def case_verification(record: Verification | None) -> tuple[str, str | None]:
    """How a case describes the conversation's latest verification, and the account id
    only when it passed (read from the server-side record, never from slots)."""
    if record is None:
        return "not attempted", None
    word = _CASE_WORDS[record.status]
    return word, record.account_id if word == "passed" else None
