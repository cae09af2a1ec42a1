"""Sending email: the built-in outbox (a table an operator can read) or SMTP."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage as MimeMessage
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from bot.adapters.database import as_utc, utcnow
from bot.adapters.tables import outbox
from bot.models import EmailMessage, SentEmail
from bot.settings import SmtpSettings


class MailDeliveryError(RuntimeError):
    """The email could not be handed to the mail system."""


class Mailer(Protocol):
    """Anything that can send an email."""

    def send(self, message: EmailMessage) -> None:
        """Send `message` or raise MailDeliveryError."""


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


class SmtpMailer:
    """Sends through an SMTP server (optional backend, `SIGNIN_EMAIL_BACKEND=smtp`)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def send(self, message: EmailMessage) -> None:
        mime = MimeMessage()
        mime["From"] = message.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.body)
        s = self._settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(mime)
        except (OSError, smtplib.SMTPException) as exc:
            # Fail closed: the caller decides what the customer hears.
            raise MailDeliveryError(str(exc)) from exc
