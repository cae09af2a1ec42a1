"""Email through an SMTP server (`SIGNIN_EMAIL_BACKEND=smtp`).

How it fails: closed. Any connection or protocol error becomes MailDeliveryError, and the
caller decides what the customer hears (the same words either way: nothing may reveal
whether an account exists). No address or message text is logged here.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage as MimeMessage

from bot.domain.model import EmailMessage
from bot.domain.ports import MailDeliveryError
from bot.settings import SmtpSettings


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
