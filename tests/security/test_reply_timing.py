"""Timing enumeration: a reset, an ownership code or a code resend must not answer faster for
an address without an account, however the message time looks.

The floor counts the time since the customer's message reached the server (Rasa's user
event timestamp), so work done before the account lookup is not paid twice; these runs
check that a message time pushed far back (or forward) never buys a faster answer than the
work floor, on the real adapters. A reset has no work floor: what only an existing account
causes runs after the answer (a slow identity provider shows it)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import pytest

from bot.adapters.sql.directory import SqlResetRequestLog
from bot.adapters.work_queue import WorkQueue
from bot.bootstrap import Container, build_container
from bot.services.password_reset import PasswordResetService
from bot.settings import Settings

WORK_FLOOR = 0.15
MESSAGE_FLOOR = 0.3


@pytest.fixture
def padded_container(settings: Settings, clock) -> Container:
    rules = dataclasses.replace(settings.reset, min_reply_ms=300, min_work_ms=150,
                                link_reply_ms=300, per_email_per_hour=100,
                                per_conversation=100)  # fmt: skip
    built = build_container(dataclasses.replace(settings, reset=rules), clock=clock)
    built.builtin_directory.add_account("known@example.com", mfa=("sms",), phone_last4="1234")
    yield built
    built.engine.dispose()


def _operations(c: Container) -> dict[str, Callable[[str, str, float | None], object]]:
    return {
        "reset": lambda email, conv, at: c.password_reset.request_reset(email, conv, at),
        "ownership code": lambda email, conv, at: c.verification.begin(conv, email, "unlock", at),
        "code resend": lambda email, conv, at: c.code_resend.resend(email, "sms", conv, at),
    }


def _took(operation: Callable[[str, str, float | None], object], email: str,
          message_at: float | None) -> float:  # fmt: skip
    started = time.perf_counter()
    operation(email, f"conv-{email}-{message_at}", message_at)
    return time.perf_counter() - started


@pytest.mark.parametrize("name", ["ownership code", "code resend"])
def test_an_old_message_time_still_waits_for_the_work_floor(
    padded_container: Container, name: str
) -> None:
    operation = _operations(padded_container)[name]
    for email in ("known@example.com", "nobody@example.com"):
        assert _took(operation, email, time.time() - 5) >= WORK_FLOOR


@pytest.mark.parametrize("name", ["reset", "ownership code", "code resend"])
@pytest.mark.parametrize("shift", [-3600.0, +60.0, None])
def test_an_unbelievable_or_missing_message_time_gets_the_whole_floor(
    padded_container: Container, name: str, shift: float | None
) -> None:
    operation = _operations(padded_container)[name]
    message_at = None if shift is None else time.time() + shift
    for email in ("known@example.com", "nobody@example.com"):
        assert _took(operation, email, message_at) >= MESSAGE_FLOOR


class SlowResetDirectory:
    """The real directory, as slow as a remote identity provider where it costs more for a
    registered address: Okta answers an unknown login with one 404, a known one with the
    user and then its factors (a second call), and starting a reset is a third call."""

    def __init__(self, inner: object, delay: float) -> None:
        self._inner = inner
        self._delay = delay

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def find_by_email(self, email: str) -> object:
        found = self._inner.find_by_email(email)  # type: ignore[attr-defined]
        time.sleep(self._delay * (2 if found else 1))
        return found

    def start_password_reset(self, *args: object) -> object:
        time.sleep(self._delay)
        return self._inner.start_password_reset(*args)  # type: ignore[attr-defined]


def test_a_slow_identity_provider_does_not_show_in_the_reset_answer(
    padded_container: Container,
) -> None:
    """A message that waited 5 s gets no floor at all; the answer must still not wait for
    the provider (0.2 s a call: lookup, factors, reset), whose calls run after the answer,
    and the link must still be sent."""
    c = padded_container
    work = WorkQueue("test-account-work")
    service = PasswordResetService(
        directory=SlowResetDirectory(c.directory, 0.2),  # type: ignore[arg-type]
        mailer=c.mailer, requests_log=SqlResetRequestLog(c.engine), audit=c.audit,
        vendor=c.settings.vendor, rules=c.settings.reset, secret_key=c.settings.secret_key,
        clock=c.clock, background=work,
    )  # fmt: skip
    known = [_took(lambda e, conv, at: service.request_reset(e, conv, at), "known@example.com",
                   time.time() - 5) for _ in range(3)]  # fmt: skip
    unknown = [_took(lambda e, conv, at: service.request_reset(e, conv, at), "nobody@example.com",
                     time.time() - 5) for _ in range(3)]  # fmt: skip
    assert max(known) < 0.15, known
    assert max(unknown) < 0.15, unknown
    assert work.flush(10)
    assert len(c.outbox.list_messages("known@example.com")) == 3
    assert c.outbox.list_messages("nobody@example.com") == []
