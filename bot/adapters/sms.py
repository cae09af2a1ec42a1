"""Text messages through Twilio's Messages API (`SIGNIN_SMS_BACKEND=twilio`).

`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with form fields `To`, `From`
and `Body`, HTTP basic auth (Account SID, auth token); Twilio answers 201 with the message
resource. The built-in backend (`OutboxSms` in `bot.adapters.sql.outbox`) keeps messages in
the outbox instead.

How it fails: closed, through the shared JSON client. Any transport error or non-2xx answer
becomes SmsDeliveryError and the caller decides what the customer hears (the same words
either way). A number that is not E.164 is refused before anything is sent. The POST is
never retried (a retry could text the customer twice). No number or text is logged.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import requests

from bot.adapters.http import Timeouts
from bot.adapters.json_api import JsonApiClient
from bot.domain.model import SmsMessage
from bot.domain.ports import SmsDeliveryError

E164 = re.compile(r"\+[1-9]\d{6,14}")


class TwilioSms:
    """Sends text messages from one Twilio number."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        account_sid: str,
        auth_token: str,
        from_number: str,
        timeouts: Timeouts,
    ) -> None:
        self._api = JsonApiClient(
            session, base_url.rstrip("/"), timeouts, "twilio", SmsDeliveryError,
            auth=(account_sid, auth_token),
        )  # fmt: skip
        self._path = f"/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self._from = from_number

    def __repr__(self) -> str:
        return "TwilioSms(<credentials>)"

    def send(self, message: SmsMessage) -> None:
        """Send one text; raises SmsDeliveryError."""
        if not E164.fullmatch(message.to):
            raise SmsDeliveryError("twilio: the number is not in E.164 form")
        body = self._api.call(
            "POST", self._path, "send message",
            data={"To": message.to, "From": self._from, "Body": message.body},
        )  # fmt: skip
        if not isinstance(body, dict) or not body.get("sid"):
            raise self._api.unexpected("send message")
