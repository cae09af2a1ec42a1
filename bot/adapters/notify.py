"""Telling the team about cases: a webhook (Slack-compatible JSON) or an email address."""

from __future__ import annotations

import requests

from bot.adapters.http import Timeouts, post_once
from bot.adapters.json_api import http_failure, transport_failure
from bot.domain.model import Case, EmailMessage
from bot.domain.notifications import slack_escape
from bot.domain.ports import (
    ExternalSystemUnavailable,
    Mailer,
    NotificationUnavailableError,
)


class WebhookNotifier:
    """POSTs `{"text": ..., "case": {...}}`: Slack and Teams-style incoming webhooks show the
    text; other receivers can read the case fields."""

    target = "webhook"

    def __init__(self, session: requests.Session, url: str, timeouts: Timeouts) -> None:
        self._session = session
        self._url = url
        self._timeouts = timeouts

    def send(self, text: str, case: Case) -> None:
        body = {
            "text": slack_escape(text),
            "case": {"id": case.id, "priority": case.priority, "reason": case.reason,
                     "status": case.status, "channel": case.channel},
        }  # fmt: skip
        try:
            response = post_once(self._session, self._url, self._timeouts, json=body)
        except requests.RequestException as exc:
            raise transport_failure("webhook", NotificationUnavailableError, "notify",
                                    exc) from exc  # fmt: skip
        if not 200 <= response.status_code < 300:
            raise http_failure("webhook", NotificationUnavailableError, "notify",
                               response.status_code)  # fmt: skip


class EmailNotifier:
    """Emails the team's address."""

    target = "email"

    def __init__(self, mailer: Mailer, to: str, sender: str) -> None:
        self._mailer = mailer
        self._to = to
        self._sender = sender

    def send(self, text: str, case: Case) -> None:
        subject = text.splitlines()[0][:200]
        try:
            self._mailer.send(EmailMessage(self._to, self._sender, subject, text,
                                           kind="case_notification"))  # fmt: skip
        except ExternalSystemUnavailable as exc:
            raise NotificationUnavailableError(str(exc)) from exc
