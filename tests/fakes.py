"""Test doubles: small working implementations, not mocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.adapters.mailer import MailDeliveryError
from bot.models import EmailMessage


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)  # a Monday

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class FailingMailer:
    """A mail system that is down."""

    def __init__(self) -> None:
        self.attempts: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.attempts.append(message)
        raise MailDeliveryError("connection refused")
