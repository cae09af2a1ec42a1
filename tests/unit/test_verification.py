"""Ownership verification and the recovery steps behind it, on the real SQLite adapters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.bootstrap import Container
from bot.services.verification import QUESTIONS, extract_code, normalise_answer
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


def sent_code(container: Container, to: str) -> str:
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


def test_code_goes_to_the_registered_address_only(container: Container, account) -> None:
    plan = container.verification.begin("ANN@example.com", "conv-1")
    assert not plan.refused and plan.needs_code and len(plan.questions) == 3
    assert set(plan.questions) <= set(QUESTIONS)
    [email] = container.outbox.list_messages()
    assert email.to == "ann@example.com" and email.kind == "verification_code"


def test_unknown_address_gets_the_same_plan_and_no_email(container: Container, account) -> None:
    plan = container.verification.begin("ghost@example.com", "conv-1")
    assert not plan.refused and plan.needs_code and len(plan.questions) == 3
    assert container.outbox.list_messages() == []
    assert not container.verification.check_code("ghost@example.com", "000000", "conv-1")


def test_the_same_address_always_gets_the_same_questions(container: Container) -> None:
    first = container.verification.begin("x@example.com", "a").questions
    assert container.verification.begin("X@example.com", "b").questions == first


def test_code_is_single_use_bound_to_the_conversation_and_expires(
    container: Container, account, clock: FakeClock
) -> None:
    container.verification.begin("ann@example.com", "conv-1")
    code = sent_code(container, "ann@example.com")
    assert not container.verification.check_code("ann@example.com", code, "other-conv")
    assert container.verification.check_code("ann@example.com", f"code: {code}", "conv-1")
    assert not container.verification.check_code("ann@example.com", code, "conv-1")
    container.verification.begin("ann@example.com", "conv-2")
    late = sent_code(container, "ann@example.com")
    clock.advance(minutes=11)
    assert not container.verification.check_code("ann@example.com", late, "conv-2")


def test_email_change_skips_the_email_code(container: Container, account) -> None:
    plan = container.verification.begin("ann@example.com", "conv-1", factor_being_replaced="email")
    assert not plan.needs_code
    assert container.outbox.list_messages() == []


def test_answers_match_only_the_stored_facts(container: Container, account) -> None:
    for kind, answer in RIGHT_ANSWERS.items():
        assert container.verification.check_answer("ann@example.com", kind, answer)
        assert not container.verification.check_answer("ann@example.com", kind, "nope 1999")
        assert not container.verification.check_answer("ghost@example.com", kind, answer)


def test_no_answer_or_code_is_stored_in_clear(container: Container, account) -> None:
    from sqlalchemy import text

    container.verification.begin("ann@example.com", "conv-1")
    code = sent_code(container, "ann@example.com")
    with container.engine.connect() as conn:
        dump = " ".join(
            str(row)
            for table in ("verification_facts", "one_time_codes", "rate_events", "audit_log")
            for row in conn.execute(text(f"select * from {table}"))
        )
    for secret in (code, "WX7Z", "SW1A", "2024-03", "Laptop", "ann@example.com"):
        assert secret.lower() not in dump.lower()


def test_three_failures_in_a_day_refuse_whatever_the_account(
    container: Container, account, clock: FakeClock
) -> None:
    for address in ("ann@example.com", "ghost@example.com"):
        for _ in range(3):
            container.verification.finish(address, False, "conv")
        assert container.verification.begin(address, "conv").refused
    clock.advance(hours=24, seconds=1)
    assert not container.verification.begin("ann@example.com", "conv").refused


def test_passing_returns_the_account_and_is_audited(container: Container, account) -> None:
    assert container.verification.finish("ann@example.com", True, "conv-5") == account.id
    assert container.verification.finish("ghost@example.com", True, "conv-6") is None
    outcomes = [(e.event, e.outcome) for e in container.audit.list_entries()]
    assert outcomes == [("verification", "passed"), ("verification", "failed")]


# --- recovery ---------------------------------------------------------------------------


def test_unlock_tells_why_it_was_locked(container: Container, account) -> None:
    result = container.recovery.unlock(account.id, "ann@example.com", "conv")
    assert result.was_locked and result.after_failed_attempts
    now = container.directory.find_by_email("ann@example.com")
    assert now.status == "active" and now.locked_until is None
    assert container.audit.list_entries()[-1].event == "unlock"


def test_factor_reset_removes_factors_and_notifies(container: Container, account) -> None:
    container.recovery.reset_factors(account.id, "ann@example.com", "conv")
    assert container.directory.find_by_email("ann@example.com").mfa_factors == ()
    [notice] = container.outbox.list_messages()
    assert notice.to == "ann@example.com" and notice.kind == "factor_reset_notice"


def test_securing_ends_sessions_and_sends_a_reset_link(container: Container, account) -> None:
    assert container.directory.active_sessions(account.id) == ["Anna's Laptop"]
    container.recovery.secure_account(account.id, "ann@example.com", "conv")
    assert container.directory.active_sessions(account.id) == []
    [email] = container.outbox.list_messages()
    assert "token=" in email.body and email.kind == "password_reset"
    events = [e.event for e in container.audit.list_entries()]
    assert "sessions_cleared" in events


def test_email_change_writes_to_both_addresses(container: Container, account) -> None:
    container.recovery.start_email_change(account.id, "ann@example.com", "New@Example.org", "c")
    sent = {(m.to, m.kind) for m in container.outbox.list_messages()}
    assert sent == {
        ("new@example.org", "email_change_confirm"),
        ("ann@example.com", "email_change_notice"),
    }
    assert container.email_changes.pending(account.id) == ["new@example.org"]


def test_recovery_refuses_a_mismatched_account(container: Container, account) -> None:
    with pytest.raises(LookupError):
        container.recovery.unlock("999", "ann@example.com", "conv")
