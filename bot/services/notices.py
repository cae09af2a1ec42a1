"""Short account notices by email (changes made, links to confirm or cancel)."""

from __future__ import annotations

import logging

from bot.domain.model import EmailMessage
from bot.domain.ports import MailDeliveryError, Mailer
from bot.settings import Vendor

log = logging.getLogger(__name__)


def send_notice(
    mailer: Mailer, vendor: Vendor, to: str, subject: str, text: str, kind: str
) -> None:
    """Email `text` with the vendor's greeting and signature; a failure is logged, not raised
    (the change it reports has happened either way)."""
    body = f"Hello,\n\n{text}\n\n{vendor.name} account support\n{vendor.support_url}\n"
    try:
        mailer.send(EmailMessage(to, vendor.email_sender, subject, body, kind))
    except MailDeliveryError:
        log.exception("could not send %s email", kind)
