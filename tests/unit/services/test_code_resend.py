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


def test_sms_codes_go_through_the_sms_port_even_with_the_smtp_backend(
    db_url: str, clock: FakeClock
) -> None:
    """The SMS path has its own port: with SMTP configured for email, a text message never
    reaches the SMTP server (which here only counts connections)."""
    import dataclasses
    import socket
    import threading

    from bot.bootstrap import build_container
    from bot.settings import load_settings

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    connections: list[object] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(conn)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    settings = load_settings({"SIGNIN_DATABASE_URL": db_url, "SIGNIN_EMAIL_BACKEND": "smtp",
                              "SIGNIN_SMTP_HOST": "127.0.0.1",
                              "SIGNIN_SMTP_PORT": str(listener.getsockname()[1])})  # fmt: skip
    settings = dataclasses.replace(
        settings, reset=dataclasses.replace(settings.reset, min_reply_ms=0)
    )
    container = build_container(settings, clock=clock)
    try:
        container.directory.add_account("sms@example.com", mfa=("sms",), phone_last4="4321")
        assert container.code_resend.resend("sms@example.com", "sms", "c").status == "sent"
        [text] = container.outbox.list_messages()
        assert text.to == "sms:+•••4321" and text.kind == "sms_code"
        assert connections == []
    finally:
        listener.close()
        container.engine.dispose()
