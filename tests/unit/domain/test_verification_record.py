"""The verification record's state machine (pure domain, no database)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from bot.domain.verification import Status, Verification, VerificationError

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)


def record(**changes: object) -> Verification:
    base = Verification(
        conversation_id="c",
        subject_key="k",
        account_id="7",
        purpose="unlock",
        factor="email",
        code_hash="h",
        code_expires_at=NOW + timedelta(minutes=10),
        questions=("postcode", "device_name", "license_last4"),
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=30),
        id=1,
    )
    return dataclasses.replace(base, **changes)


def test_right_code_then_two_right_answers_pass() -> None:
    r = record().after_code(True, NOW)
    assert r.status is Status.AWAITING_ANSWERS and r.current_question == "postcode"
    r = r.after_answer(True, NOW).after_answer(True, NOW)
    assert r.status is Status.PASSED
    assert r.expires_at == NOW + timedelta(minutes=10)
    assert r.is_usable_for("unlock", NOW)
    assert not r.is_usable_for("email_change", NOW)


def test_answers_are_refused_before_the_code() -> None:
    with pytest.raises(VerificationError):
        record().after_answer(True, NOW)


def test_three_wrong_codes_fail() -> None:
    r = record().after_code(False, NOW).after_code(False, NOW)
    assert r.status is Status.AWAITING_CODE and r.code_tries == 2
    assert r.after_code(False, NOW).status is Status.FAILED


def test_a_late_code_counts_as_wrong() -> None:
    late = NOW + timedelta(minutes=11)
    r = record().after_code(True, late)
    assert r.status is Status.AWAITING_CODE and r.code_tries == 1


def test_two_wrong_answers_fail_one_wrong_is_allowed() -> None:
    r = record().after_code(True, NOW).after_answer(False, NOW)
    assert r.status is Status.AWAITING_ANSWERS and r.current_question == "device_name"
    assert r.after_answer(True, NOW).after_answer(True, NOW).status is Status.PASSED
    assert r.after_answer(False, NOW).status is Status.FAILED


def test_no_account_never_passes() -> None:
    r = record(account_id=None).after_code(True, NOW)
    r = r.after_answer(True, NOW).after_answer(True, NOW)
    assert r.status is not Status.PASSED


def test_a_passed_check_is_used_once_and_lapses() -> None:
    r = record(status=Status.PASSED, expires_at=NOW + timedelta(minutes=10))
    used = r.used("unlock", NOW)
    assert used.status is Status.USED
    with pytest.raises(VerificationError):
        used.used("unlock", NOW)
    with pytest.raises(VerificationError):
        r.used("unlock", NOW + timedelta(minutes=10))


def test_nothing_moves_once_out_of_time() -> None:
    with pytest.raises(VerificationError):
        record().after_code(True, NOW + timedelta(minutes=31))


def test_cancel_closes_open_and_passed_checks_only() -> None:
    assert record().cancelled(NOW).status is Status.CANCELLED
    assert record(status=Status.PASSED).cancelled(NOW).status is Status.CANCELLED
    assert record(status=Status.FAILED).cancelled(NOW).status is Status.FAILED


def test_unknown_purpose_is_rejected() -> None:
    with pytest.raises(VerificationError):
        record(purpose="delete_everything")
