"""The ownership-verification record and its state machine (plain Python, no I/O).

A verification is server-side state, never dialogue state: it lives in the app database,
bound to one conversation, one account (or none: an address without an account goes through
the same steps and can never pass), and one purpose. Every account change consumes a
*passed*, unexpired, unused verification of the same conversation and purpose.

    awaiting_code --right code--> awaiting_answers --2 right answers--> passed --use--> used
         |  3 wrong codes               |  2 wrong answers                  |  10 minutes
         v                              v                                   v
       failed                         failed                              expired
    (any non-final state) --refused (too many failures for the address)--> refused
    (any non-final state) --a new verification starts, or time runs out--> cancelled

Possession comes first and is never optional: the code goes to the account's registered
address (or another registered factor). Knowledge questions only add assurance after it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

PURPOSES = ("unlock", "factor_reset", "secure", "email_change")
CODE_MINUTES = 10  # a code works this long
PASSED_VALID_MINUTES = 10  # a passed verification must be used within this time
VERIFICATION_MINUTES = 30  # the whole check must be finished within this time
MAX_CODE_TRIES = 3  # wrong codes before the verification fails
QUESTIONS_ASKED = 3
CORRECT_NEEDED = 2  # right answers (after the code) that pass
MAX_FAILURES_PER_DAY = 3  # failed verifications per address before refusing
MAX_WRONG_PER_DAY = 6  # wrong codes or answers per address before refusing
CODE_SENDS_PER_HOUR = 3  # verification codes one address may receive per hour


class Status(str, Enum):
    """Where a verification stands."""

    AWAITING_CODE = "awaiting_code"
    AWAITING_ANSWERS = "awaiting_answers"
    PASSED = "passed"
    USED = "used"
    FAILED = "failed"
    REFUSED = "refused"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Still waiting for the customer."""
        return self in (Status.AWAITING_CODE, Status.AWAITING_ANSWERS)


class VerificationError(ValueError):
    """A step that the record's state does not allow (a bug or a forged call)."""


@dataclass(frozen=True)
class Verification:
    """One ownership check. Holds hashes and counters only: never a code or an answer."""

    conversation_id: str
    subject_key: str  # keyed hash of the address typed
    account_id: str | None  # None: no such account (the check can never pass)
    purpose: str
    factor: str  # the registered factor the code went to: "email" | "sms"
    code_hash: str
    code_expires_at: datetime
    questions: tuple[str, ...]
    created_at: datetime
    expires_at: datetime  # the open check, or the passed result, lapses at this time
    status: Status = Status.AWAITING_CODE
    code_tries: int = 0
    answers_right: int = 0
    answers_wrong: int = 0
    finished_at: datetime | None = None
    id: int | None = None
    version: int = 0  # bumped by every save, so two concurrent steps cannot both count

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise VerificationError(f"unknown purpose {self.purpose!r}")

    # --- reading --------------------------------------------------------------------------

    def is_live(self, now: datetime) -> bool:
        """Open and not out of time."""
        return self.status.is_open and now < self.expires_at

    @property
    def current_question(self) -> str | None:
        """The knowledge question being asked, while answers are awaited."""
        if self.status is not Status.AWAITING_ANSWERS:
            return None
        asked = self.answers_right + self.answers_wrong
        return self.questions[asked] if asked < len(self.questions) else None

    def is_usable_for(self, purpose: str, now: datetime) -> bool:
        """Passed, for this purpose, not used and not out of time."""
        return (
            self.status is Status.PASSED
            and self.purpose == purpose
            and self.account_id is not None
            and now < self.expires_at
        )

    # --- transitions (each returns a new record) ------------------------------------------

    def after_code(self, right: bool, now: datetime) -> Verification:
        """Record one code attempt. A code past its time counts as wrong."""
        self._require(Status.AWAITING_CODE, now)
        if right and now < self.code_expires_at:
            return dataclasses.replace(self, status=Status.AWAITING_ANSWERS)
        tries = self.code_tries + 1
        if tries >= MAX_CODE_TRIES:
            return dataclasses.replace(
                self, code_tries=tries, status=Status.FAILED, finished_at=now
            )
        return dataclasses.replace(self, code_tries=tries)

    def after_answer(self, right: bool, now: datetime) -> Verification:
        """Record one answer to the current question."""
        self._require(Status.AWAITING_ANSWERS, now)
        record = dataclasses.replace(
            self,
            answers_right=self.answers_right + (1 if right else 0),
            answers_wrong=self.answers_wrong + (0 if right else 1),
        )
        if record.answers_right >= CORRECT_NEEDED and record.account_id is not None:
            return dataclasses.replace(
                record,
                status=Status.PASSED,
                finished_at=now,
                expires_at=now + timedelta(minutes=PASSED_VALID_MINUTES),
            )
        if record.answers_wrong > QUESTIONS_ASKED - CORRECT_NEEDED or (
            record.current_question is None
        ):
            return dataclasses.replace(record, status=Status.FAILED, finished_at=now)
        return record

    def refused(self, now: datetime) -> Verification:
        """Stop: the address has had too many failures."""
        return dataclasses.replace(self, status=Status.REFUSED, finished_at=now)

    def cancelled(self, now: datetime) -> Verification:
        """Stop without a verdict (a new check started, or the customer gave up)."""
        if not self.status.is_open and self.status is not Status.PASSED:
            return self
        return dataclasses.replace(self, status=Status.CANCELLED, finished_at=now)

    def used(self, purpose: str, now: datetime) -> Verification:
        """Spend a passed verification on the change it was made for."""
        if not self.is_usable_for(purpose, now):
            raise VerificationError("no passed verification for this purpose")
        return dataclasses.replace(self, status=Status.USED, finished_at=now)

    def _require(self, status: Status, now: datetime) -> None:
        if self.status is not status or now >= self.expires_at:
            raise VerificationError(f"expected {status.value}, the record is {self.status.value}")
