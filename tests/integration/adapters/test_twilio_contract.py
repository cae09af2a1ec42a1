"""TwilioSms against a local fake of Twilio's Messages API (documented request and answers)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

import pytest

from bot.adapters.http import Timeouts
from bot.adapters.sms import TwilioSms
from bot.domain.model import SmsMessage
from bot.domain.ports import SmsDeliveryError
from tests.http_fakes import FakeHTTPServer, Reply, local_session

SID = "AC0123456789abcdef0123456789abcdef"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
CREATED = {
    "sid": "SM0123456789abcdef0123456789abcdef",
    "status": "queued",
    "to": "+15558675310",
    "from": "+15017122661",
    "body": "Example Security: your sign-in code is 123456. Never share it.",
}


def _sms(server: FakeHTTPServer) -> TwilioSms:
    return TwilioSms(local_session(), server.url, SID, "auth-token", "+15017122661",
                     Timeouts(1, 2))  # fmt: skip


def test_a_text_is_posted_as_a_form_with_basic_auth(server: FakeHTTPServer) -> None:
    server.script("POST", PATH, Reply(201, CREATED))
    _sms(server).send(SmsMessage("+15558675310", "your code is 123456", "sms_code"))
    [request] = server.requests_to("POST", PATH)
    form = parse_qs(request.body.decode())
    assert form == {"To": ["+15558675310"], "From": ["+15017122661"],
                    "Body": ["your code is 123456"]}  # fmt: skip
    expected = base64.b64encode(f"{SID}:auth-token".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(401, {"code": 20003, "message": "Authenticate"}), "credentials refused"),
        (Reply(429, {"code": 20429, "message": "Too Many Requests"}), "rate limited"),
        (Reply(400, {"code": 21211, "message": "Invalid 'To' Phone Number"}), "HTTP 400"),
        (Reply(503, "down"), "server error 503"),
        (Reply(201, "not json"), "unexpected response"),
        (Reply(201, {"status": "queued"}), "unexpected response"),
    ],
)
def test_failures_become_sms_delivery_errors(
    server: FakeHTTPServer, reply: Reply, reason: str
) -> None:
    server.script("POST", PATH, reply)
    with pytest.raises(SmsDeliveryError, match=reason):
        _sms(server).send(SmsMessage("+15558675310", "code", "sms_code"))
    assert len(server.requests_to("POST", PATH)) == 1  # never retried: it could text twice


def test_a_number_that_is_not_e164_is_refused_before_sending(server: FakeHTTPServer) -> None:
    with pytest.raises(SmsDeliveryError):
        _sms(server).send(SmsMessage("+•••4321", "code", "sms_code"))
    assert server.requests_to("POST", PATH) == []


def test_a_slow_provider_times_out(server: FakeHTTPServer) -> None:
    server.script("POST", PATH, Reply(201, CREATED, delay=3))
    with pytest.raises(SmsDeliveryError):
        _sms(server).send(SmsMessage("+15558675310", "code", "sms_code"))
