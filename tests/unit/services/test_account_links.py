"""The pages behind account emails: new password, email change confirm / cancel / apply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.bootstrap import Container
from bot.domain.password_rules import PasswordRules, password_problems
from bot.services.account_links import LinkOutcome
from tests.fakes import FakeClock
from tests.unit.services.test_verification import FACTS, pass_check

STRONG = "Correct-Horse-Battery-9"


def _link_token(body: str, path: str) -> str:
    return re.search(rf"{re.escape(path)}\?token=([\w-]+)", body).group(1)


@pytest.fixture
def ann(container: Container):
    account = container.directory.add_account("ann@example.com", devices=("Laptop",))
    for kind, value in FACTS.items():
        container.verification_store.set_fact(
            account.id, kind, container.verification.fact_hash(kind, value)
        )
    return account


def _reset_token(container: Container) -> str:
    container.password_reset.request_reset("ann@example.com", "conv")
    return _link_token(container.outbox.list_messages()[-1].body, "/account/reset")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Short-1a", "at least 12"),
        ("Password1234", "too common"),
        ("qwerty123456!", "too common"),
        ("Maple-Ocean-2026x", None),
        ("ann@example.com-X1", "email address"),
        ("annsecret-Long-77", "email address"),
        ("nouppercase-12345", "upper-case"),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    rules = PasswordRules(require_upper=True, require_lower=True, require_digit=True)
    problems = password_problems(password, "ann@example.com", rules,
                                 {"password", "qwerty"})  # fmt: skip
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def test_a_reset_link_sets_a_password_once(container: Container, ann) -> None:
    token = _reset_token(container)
    service = container.account_links
    assert service.reset_link_is_valid(token)
    weak = service.set_password(token, "password123", "password123")
    assert weak.outcome is LinkOutcome.REJECTED and weak.problems
    assert service.reset_link_is_valid(token)  # a rejected try does not spend the link
    mismatch = service.set_password(token, STRONG, STRONG + "x")
    assert any("not the same" in p for p in mismatch.problems)
    assert service.set_password(token, STRONG, STRONG).outcome is LinkOutcome.DONE
    stored = container.builtin_directory.password_hash(ann.id)
    assert stored and stored.startswith("$argon2") and STRONG not in stored
    assert container.builtin_directory.active_sessions(ann.id) == []
    assert service.set_password(token, STRONG, STRONG).outcome is LinkOutcome.INVALID
    assert container.outbox.list_messages()[-1].kind == "password_changed"


def test_an_expired_or_made_up_reset_link_does_nothing(
    container: Container, ann, clock: FakeClock
) -> None:
    token = _reset_token(container)
    clock.advance(minutes=31)
    assert container.account_links.set_password(token, STRONG, STRONG).outcome is (
        LinkOutcome.INVALID
    )
    assert container.account_links.set_password("made-up", STRONG, STRONG).outcome is (
        LinkOutcome.INVALID
    )
    assert container.builtin_directory.password_hash(ann.id) is None


def _start_change(container: Container) -> tuple[str, str]:
    pass_check(container, "c", "email_change")
    container.recovery.start_email_change("c", "new@example.org")
    confirm, notice = container.outbox.list_messages()[-2:]
    return (_link_token(confirm.body, "/account/confirm-email"),
            _link_token(notice.body, "/account/cancel-email-change"))  # fmt: skip


def test_an_email_change_waits_out_the_cooling_off_period(
    container: Container, ann, clock: FakeClock
) -> None:
    confirm, _cancel = _start_change(container)
    result = container.account_links.confirm_email_change(confirm)
    assert result.outcome is LinkOutcome.DONE
    assert result.effective_at == clock() + timedelta(hours=72)
    assert container.account_links.apply_due_changes() == 0
    clock.advance(hours=71)
    assert container.account_links.apply_due_changes() == 0
    assert container.directory.find_by_email("ann@example.com") is not None
    clock.advance(hours=1)
    assert container.account_links.apply_due_changes() == 1
    assert container.directory.find_by_email("ann@example.com") is None
    assert container.directory.find_by_email("new@example.org").id == ann.id
    assert container.account_links.confirm_email_change(confirm).outcome is LinkOutcome.INVALID


def test_the_old_address_can_cancel_until_the_change_is_applied(
    container: Container, ann, clock: FakeClock
) -> None:
    confirm, cancel = _start_change(container)
    container.account_links.confirm_email_change(confirm)
    clock.advance(hours=48)
    assert container.account_links.cancel_email_change(cancel).outcome is LinkOutcome.DONE
    clock.advance(hours=48)
    assert container.account_links.apply_due_changes() == 0
    assert container.directory.find_by_email("ann@example.com").id == ann.id
    assert container.account_links.cancel_email_change(cancel).outcome is LinkOutcome.INVALID


def test_an_unconfirmed_change_lapses(container: Container, ann, clock: FakeClock) -> None:
    confirm, _ = _start_change(container)
    clock.advance(hours=25)
    assert container.account_links.confirm_email_change(confirm).outcome is LinkOutcome.INVALID
    clock.advance(hours=100)
    assert container.account_links.apply_due_changes() == 0


def test_a_change_to_an_address_taken_meanwhile_is_stopped_not_crashed(
    container: Container, ann, clock: FakeClock
) -> None:
    confirm, _ = _start_change(container)
    container.account_links.confirm_email_change(confirm)
    container.directory.add_account("new@example.org")  # someone registered it meanwhile
    clock.advance(hours=73)
    assert container.account_links.apply_due_changes() == 0
    assert container.directory.find_by_email("ann@example.com").id == ann.id
    assert container.outbox.list_messages()[-1].kind == "email_change_failed"
    assert container.email_changes.pending(ann.id) == []
