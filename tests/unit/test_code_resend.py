"""Sending a new sign-in code: throttles, backup methods, same answer for every address."""

from __future__ import annotations

import pytest

from bot.bootstrap import Container
from tests.fakes import FakeClock


@pytest.fixture
def account(container: Container):
    return container.builtin_directory.add_account(
        "sam@example.com", mfa=("sms", "email"), phone_last4="4321"
    )


def test_sms_code_goes_to_the_number_on_file(container: Container, account) -> None:
    assert container.code_resend.resend("sam@example.com", "sms", "c").status == "sent"
    [message] = container.outbox.list_messages()
    assert message.to == "sms:+•••4321" and message.kind == "sms_code"
    assert container.audit.list_entries()[-1].outcome == "sent_sms"


def test_a_method_not_on_file_falls_back_to_a_backup(container: Container) -> None:
    container.builtin_directory.add_account("em@example.com", mfa=("totp", "email"))
    assert container.code_resend.resend("em@example.com", "sms", "c").status == "sent"
    [message] = container.outbox.list_messages()
    assert (message.to, message.kind) == ("em@example.com", "sign_in_code")


def test_unknown_address_hears_the_same_and_gets_nothing(container: Container, account) -> None:
    assert container.code_resend.resend("ghost@example.com", "sms", "c").status == "sent"
    assert container.outbox.list_messages() == []


def test_cooldown_then_cap(container: Container, account, clock: FakeClock) -> None:
    service = container.code_resend
    assert service.resend("sam@example.com", "sms", "c").status == "sent"
    early = service.resend("sam@example.com", "sms", "c")
    assert early.status == "cooldown" and 0 < early.wait_seconds <= 60
    for _ in range(2):
        clock.advance(seconds=61)
        assert service.resend("sam@example.com", "sms", "c").status == "sent"
    clock.advance(seconds=61)
    assert service.resend("sam@example.com", "sms", "c").status == "capped"
    clock.advance(minutes=57)
    assert service.resend("sam@example.com", "sms", "c").status == "sent"
    assert len(container.outbox.list_messages()) == 4


def test_throttle_is_the_same_without_an_account(container: Container) -> None:
    service = container.code_resend
    assert service.resend("ghost@example.com", "sms", "c").status == "sent"
    assert service.resend("ghost@example.com", "sms", "c").status == "cooldown"


def test_app_codes_cannot_be_resent(container: Container, account) -> None:
    assert container.code_resend.resend("sam@example.com", "totp", "c").status == "app_codes"
    assert container.outbox.list_messages() == []
