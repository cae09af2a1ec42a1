"""Test doubles: small working implementations, not mocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.domain.model import EmailMessage
from bot.domain.ports import MailDeliveryError


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


class DownDirectory:
    """An identity provider that is down: every call fails like the real adapters do."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0

    def _fail(self, *_args: object) -> None:
        import time

        from bot.domain.ports import IdentityUnavailableError

        self.calls += 1
        time.sleep(self.delay)
        raise IdentityUnavailableError("identity provider: HTTP 503")

    find_by_email = start_password_reset = unlock = reset_factors = clear_sessions = _fail


class DownStatus:
    """A status page that cannot be read."""

    def current(self) -> None:
        from bot.domain.ports import StatusUnavailableError

        raise StatusUnavailableError("statuspage: HTTP 502")


class FakeHelpdesk:
    """A helpdesk that keeps tickets in memory and can be switched off."""

    is_external = True

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.tickets: dict[str, list[object]] = {}

    def deliver(self, case: object) -> str:
        from bot.domain.ports import HelpdeskUnavailableError

        if not self.up:
            raise HelpdeskUnavailableError("helpdesk: HTTP 503")
        ticket = getattr(case, "helpdesk_id", None) or f"T-{len(self.tickets) + 1}"
        self.tickets.setdefault(ticket, []).append(case)
        return ticket
