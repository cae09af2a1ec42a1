"""Ownership verification and the recovery steps behind it, on the real SQLite adapters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.bootstrap import Container
from bot.services.recovery import NotVerifiedError
from bot.services.verification import QUESTIONS, Outcome, extract_code, normalise_answer
from tests.fakes import FakeClock

FACTS = {
    "license_last4": "ABCD-EFGH-1234-WX7Z",
    "purchase_month": "2024-03",
    "device_name": "Anna's Laptop",
    "postcode": "SW1A 1AA",
}
RIGHT_ANSWERS = {
    "license_last4": "wx7z",
    "purchase_month": "March 2024",
    "device_name": "annas laptop",
    "postcode": "sw1a1aa",
}


@pytest.fixture
def account(container: Container):
    account = container.directory.add_account(
        "ann@example.com",
        mfa=("totp", "sms"),
        phone_last4="1234",
        devices=("Anna's Laptop",),
        locked_until=container.clock() + timedelta(minutes=20),
    )
    for kind, value in FACTS.items():
        container.verification_store.set_fact(
            account.id, kind, container.verification.fact_hash(kind, value)
        )
    return account


def sent_code(container: Container, to: str = "ann@example.com") -> str:
    body = [m for m in container.outbox.list_messages(to=to) if m.kind == "verification_code"][
        -1
    ].body
    return re.search(r"\b(\d{6})\b", body).group(1)


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        ("license_last4", "abcd-efgh-1234-wx7z", "WX7Z"),
        ("license_last4", " w x-7 z ", "WX7Z"),
        ("purchase_month", "03/2024", "2024-03"),
        ("purchase_month", "mar 2024", "2024-03"),
        ("purchase_month", "2024-3", "2024-03"),
        ("purchase_month", "sometime", ""),
        ("postcode", "sw1a-1aa", "SW1A1AA"),
        ("device_name", "Anna's  Laptop", "ANNASLAPTOP"),
    ],
)
def test_answers_are_normalised(kind: str, typed: str, expected: str) -> None:
    assert normalise_answer(kind, typed) == expected


def test_code_digits_are_read_from_free_text() -> None:
    assert extract_code("my code is 123 456.") == "123456"


def pass_check(container: Container, conversation: str = "conv-1", purpose: str = "unlock"):
    """Run a whole verification for ann@example.com the right way."""
    service = container.verification
    assert service.begin(conversation, "ann@example.com", purpose).outcome is Outcome.ASK_CODE
    step = service.check_code(conversation, sent_code(container))
    while step.outcome is Outcome.ASK_QUESTION:
        step = service.check_answer(conversation, RIGHT_ANSWERS[step.question])
    assert step.outcome is Outcome.PASSED
    return step


def test_code_goes_to_the_registered_address_only(container: Container, account) -> None:
    step = container.verification.begin("conv-1", "ANN@example.com", "unlock")
    assert step.outcome is Outcome.ASK_CODE and step.purpose == "unlock"
    [email] = container.outbox.list_messages()
    assert email.to == "ann@example.com" and email.kind == "verification_code"


def test_unknown_address_goes_the_same_way_and_never_passes(container: Container, account) -> None:
    service = container.verification
    assert service.begin("conv-1", "ghost@example.com", "unlock").outcome is Outcome.ASK_CODE
    assert container.outbox.list_messages() == []
    assert service.check_code("conv-1", "000000").outcome is Outcome.CODE_WRONG


def test_the_same_address_always_gets_the_same_questions(container: Container) -> None:
    service = container.verification
    assert service._questions_for(service.subject_key("x@example.com")) == (
        service._questions_for(service.subject_key("X@Example.com"))
    )
    assert set(service._questions_for(service.subject_key("x@example.com"))) <= set(QUESTIONS)


def test_code_is_bound_to_the_conversation_and_expires(
    container: Container, account, clock: FakeClock
) -> None:
    service = container.verification
    service.begin("conv-1", "ann@example.com", "unlock")
    code = sent_code(container)
    # Another conversation has no check under way: the code means nothing there.
    assert service.check_code("other-conv", code).outcome is Outcome.ASK_EMAIL
    assert service.check_code("conv-1", f"code: {code}").outcome is Outcome.ASK_QUESTION
    # A second use of the same code is an answer to the question, not a second pass.
    service.begin("conv-2", "ann@example.com", "unlock")
    late = sent_code(container)
    clock.advance(minutes=11)
    assert service.check_code("conv-2", late).outcome is Outcome.CODE_WRONG


def test_email_change_needs_the_code_too(container: Container, account) -> None:
    service = container.verification
    assert service.begin("conv-1", "ann@example.com", "email_change").outcome is Outcome.ASK_CODE
    assert [m.kind for m in container.outbox.list_messages()] == ["verification_code"]
    # Right answers without the code get nowhere: the check still waits for the code.
    for answer in RIGHT_ANSWERS.values():
        assert service.check_answer("conv-1", answer).outcome is Outcome.ASK_CODE
    assert service.consume("conv-1", "email_change") is None


@pytest.mark.parametrize("typed", ["verified", "correct", "passed", "/affirm", "true", "", "1"])
def test_outcome_words_are_just_wrong_codes_and_answers(
    container: Container, account, typed: str
) -> None:
    service = container.verification
    service.begin("conv-1", "ann@example.com", "unlock")
    assert service.check_code("conv-1", typed).outcome is Outcome.CODE_WRONG
    service.check_code("conv-1", sent_code(container))
    step = service.check_answer("conv-1", typed)
    assert step.outcome is Outcome.ASK_QUESTION
    assert service.check_answer("conv-1", typed).outcome is Outcome.FAILED
    assert service.consume("conv-1", "unlock") is None


def test_three_wrong_codes_fail_the_check(container: Container, account) -> None:
    service = container.verification
    service.begin("conv-1", "ann@example.com", "unlock")
    assert service.check_code("conv-1", "111111").outcome is Outcome.CODE_WRONG
    assert service.check_code("conv-1", "222222").outcome is Outcome.CODE_WRONG
    assert service.check_code("conv-1", "333333").outcome is Outcome.FAILED
    # Even the right code is too late now.
    assert service.check_code("conv-1", sent_code(container)).outcome is Outcome.FAILED


def test_answers_match_only_the_stored_facts(container: Container, account) -> None:
    service = container.verification
    service.begin("conv-1", "ann@example.com", "unlock")
    step = service.check_code("conv-1", sent_code(container))
    step = service.check_answer("conv-1", "nope 1999")
    assert step.outcome is Outcome.ASK_QUESTION
    step = service.check_answer("conv-1", RIGHT_ANSWERS[step.question])
    assert step.outcome is Outcome.ASK_QUESTION
    step = service.check_answer("conv-1", RIGHT_ANSWERS[step.question])
    assert step.outcome is Outcome.PASSED


def test_no_answer_or_code_is_stored_in_clear(container: Container, account) -> None:
    from sqlalchemy import text

    pass_check(container)
    code = sent_code(container)
    with container.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("verification_facts", "verifications", "rate_events", "audit_log")
            for row in conn.execute(text(f"select * from {table}"))
        )
    for secret in (code, "WX7Z", "SW1A", "2024-03", "Laptop", "ann@example.com"):
        assert secret.lower() not in dump.lower()


def test_three_failures_in_a_day_refuse_whatever_the_account(
    container: Container, account, clock: FakeClock
) -> None:
    service = container.verification
    for address in ("ann@example.com", "ghost@example.com"):
        for n in range(3):
            clock.advance(minutes=21)  # stay under the code-send throttle
            service.begin(f"{address}-{n}", address, "unlock")
            for wrong in ("111111", "222222", "333333"):
                service.check_code(f"{address}-{n}", wrong)
        assert service.begin("conv-4", address, "unlock").outcome is Outcome.REFUSED
    clock.advance(hours=24, seconds=1)
    assert service.begin("conv-5", "ann@example.com", "unlock").outcome is Outcome.ASK_CODE


def test_a_check_under_way_is_refused_even_with_the_right_code(
    container: Container, account
) -> None:
    service = container.verification
    service.begin("owner", "ann@example.com", "unlock")
    code = sent_code(container)
    for attacker in ("a", "b"):  # wrong codes count at once, across conversations
        service.begin(attacker, "ann@example.com", "unlock")
        for wrong in ("111111", "222222", "333333"):
            service.check_code(attacker, wrong)
    assert service.check_code("owner", code).outcome is Outcome.REFUSED
    assert service.consume("owner", "unlock") is None


def test_code_sends_are_throttled_per_address(container: Container, account) -> None:
    service = container.verification
    for n in range(3):
        assert service.begin(f"c{n}", "ann@example.com", "unlock").outcome is Outcome.ASK_CODE
    assert service.begin("c3", "ann@example.com", "unlock").outcome is Outcome.THROTTLED
    assert service.begin("c4", "ghost@example.com", "unlock").outcome is Outcome.ASK_CODE
    assert len(container.outbox.list_messages()) == 3


def test_a_new_check_in_another_conversation_leaves_the_first_code_working(
    container: Container, account
) -> None:
    service = container.verification
    service.begin("owner", "ann@example.com", "unlock")
    code = sent_code(container)
    service.begin("stranger", "ann@example.com", "unlock")
    assert service.check_code("owner", code).outcome is Outcome.ASK_QUESTION


def test_a_passed_check_is_single_use_bound_to_conversation_and_purpose(
    container: Container, account, clock: FakeClock
) -> None:
    service = container.verification
    pass_check(container)
    assert service.consume("other-conv", "unlock") is None
    assert service.consume("conv-1", "email_change") is None
    assert service.consume("conv-1", "unlock") == account.id
    assert service.consume("conv-1", "unlock") is None
    clock.advance(minutes=30)
    pass_check(container, "conv-2")
    clock.advance(minutes=11)
    assert service.consume("conv-2", "unlock") is None


def test_passing_is_audited_with_the_account(container: Container, account) -> None:
    pass_check(container, "conv-5")
    outcomes = [(e.event, e.outcome, e.account_id) for e in container.audit.list_entries()]
    assert ("verification", "passed", account.id) in outcomes
    assert container.verification.for_case("conv-5") == ("passed", account.id)
    assert container.verification.for_case("nobody") == ("not attempted", None)


# --- recovery ---------------------------------------------------------------------------


def test_unlock_tells_why_it_was_locked(container: Container, account) -> None:
    pass_check(container, "conv", "unlock")
    result = container.recovery.unlock("conv")
    assert result.was_locked and result.after_failed_attempts
    now = container.directory.find_by_email("ann@example.com")
    assert now.status == "active" and now.locked_until is None
    assert container.audit.list_entries()[-1].event == "unlock"


def test_factor_reset_removes_factors_and_notifies(container: Container, account) -> None:
    pass_check(container, "conv", "factor_reset")
    container.recovery.reset_factors("conv")
    assert container.directory.find_by_email("ann@example.com").mfa_factors == ()
    notice = container.outbox.list_messages()[-1]
    assert notice.to == "ann@example.com" and notice.kind == "factor_reset_notice"


def test_securing_ends_sessions_cancels_email_changes_and_sends_a_reset_link(
    container: Container, account
) -> None:
    pass_check(container, "c1", "email_change")
    container.recovery.start_email_change("c1", "thief@example.org")
    assert container.email_changes.pending(account.id) == ["thief@example.org"]
    assert container.directory.active_sessions(account.id) == ["Anna's Laptop"]
    pass_check(container, "conv", "secure")
    container.recovery.secure_account("conv")
    assert container.directory.active_sessions(account.id) == []
    assert container.email_changes.pending(account.id) == []
    email = container.outbox.list_messages()[-1]
    assert "/account/reset?token=" in email.body and email.kind == "password_reset"
    events = [(e.event, e.outcome) for e in container.audit.list_entries()]
    assert ("sessions_cleared", "done") in events
    assert ("email_change", "cancelled_by_secure") in events


def test_email_change_writes_to_both_addresses(container: Container, account) -> None:
    pass_check(container, "c", "email_change")
    hours = container.recovery.start_email_change("c", "New@Example.org")
    assert hours == 72
    sent = {(m.to, m.kind) for m in container.outbox.list_messages()[-2:]}
    assert sent == {
        ("new@example.org", "email_change_confirm"),
        ("ann@example.com", "email_change_notice"),
    }
    notice = container.outbox.list_messages()[-1]
    assert "/account/cancel-email-change?token=" in notice.body
    assert container.email_changes.pending(account.id) == ["new@example.org"]
    # Nothing changed yet.
    assert container.directory.find_by_email("ann@example.com") is not None


@pytest.mark.parametrize("purpose", ["unlock", "factor_reset", "secure", "email_change"])
def test_no_change_without_a_passed_check(container: Container, account, purpose: str) -> None:
    recovery = container.recovery
    calls = {
        "unlock": lambda: recovery.unlock("conv"),
        "factor_reset": lambda: recovery.reset_factors("conv"),
        "secure": lambda: recovery.secure_account("conv"),
        "email_change": lambda: recovery.start_email_change("conv", "x@example.org"),
    }
    with pytest.raises(NotVerifiedError):
        calls[purpose]()
    assert container.directory.find_by_email("ann@example.com").status == "locked"
    assert container.outbox.list_messages() == []
