"""The built-in outbox: emails and text messages kept in a table an operator can read
(`python -m bot outbox list`) instead of being sent. The default in development."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.adapters.sql.engine import as_utc
from bot.adapters.sql.tables import outbox
from bot.domain.clock import utcnow
from bot.domain.model import EmailMessage, SentEmail, SmsMessage


class OutboxMailer:
    """Built-in backend: stores every email in the `outbox` table instead of sending it."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def send(self, message: EmailMessage) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(outbox).values(
                    to_address=message.to,
                    sender=message.sender,
                    subject=message.subject,
                    body=message.body,
                    kind=message.kind,
                    created_at=self._clock(),
                )
            )

    def list_messages(self, to: str | None = None) -> list[SentEmail]:
        """Stored emails, oldest first, optionally only those to one address."""
        query = select(outbox).order_by(outbox.c.id)
        if to:
            query = query.where(outbox.c.to_address == to.strip().lower())
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            SentEmail(
                id=r.id,
                to=r.to_address,
                sender=r.sender,
                subject=r.subject,
                body=r.body,
                kind=r.kind,
                created_at=as_utc(r.created_at),
            )
            for r in rows
        ]


class OutboxSms:
    """Built-in SMS backend: text messages land in the same outbox, addressed `sms:<number>`."""

    def __init__(self, outbox: OutboxMailer, sender_name: str) -> None:
        self._outbox = outbox
        self._sender = sender_name

    def send(self, message: SmsMessage) -> None:
        self._outbox.send(
            EmailMessage(f"sms:{message.to}", self._sender, "SMS", message.body, message.kind)
        )
