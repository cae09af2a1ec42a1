"""Zendesk's webhook (its documented signature scheme) brings agents' public replies into
the customer's web chat; unsigned, stale, forged or unknown calls change nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from aiohttp import web

from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
from bot.bootstrap import Container
from bot.domain.model import Case
from bot.services.live_chat import LiveChatService
from bot.web.helpdesk_hooks import (
    PATH,
    SIGNATURE,
    TIMESTAMP,
    add_helpdesk_routes,
    zendesk_signature,
)
from tests.fakes import FakeClock
from tests.integration.web.test_inbox import serve
from tests.support.live_chat import FakeConversationControl

SECRET = "dGhpcyBpcyBhIHNpZ25pbmcgc2VjcmV0"


def signed(body: bytes, timestamp: str, secret: str = SECRET) -> dict[str, str]:
    return {TIMESTAMP: timestamp, SIGNATURE: zendesk_signature(secret, timestamp, body),
            "Content-Type": "application/json"}  # fmt: skip


@pytest.fixture
def setup(container: Container, clock: FakeClock):  # type: ignore[no-untyped-def]
    control = FakeConversationControl()
    deliveries = SqlChatDeliveries(container.engine, clock)
    live = LiveChatService(container.cases, lambda email: "Ana", control, deliveries,
                           container.audit, clock)  # fmt: skip
    now = clock()
    case = container.cases.save(Case(0, "conv-z", "open", "normal", "customer_request",
                                     "locked out", "", (), "socketio", now, now))  # fmt: skip
    container.cases.mark_delivered(case.id, "35436")
    app = web.Application()
    add_helpdesk_routes(app, live, SECRET, clock)
    with serve(app) as url:
        yield url, control, deliveries, clock


def test_a_signed_public_reply_reaches_the_chat(setup) -> None:  # type: ignore[no-untyped-def]
    url, control, deliveries, clock = setup
    body = json.dumps({"ticket_id": "35436", "author": "Sam",
                       "comment": "Hi, Sam here from support."}).encode()  # fmt: skip
    stamp = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = requests.post(f"{url}{PATH}", data=body, headers=signed(body, stamp), timeout=5)
    assert answer.status_code == 200 and answer.json() == {"delivered": True}
    [queued] = deliveries.after(0)
    assert (queued.conversation_id, queued.author, queued.text) == (
        "conv-z", "Sam", "Hi, Sam here from support.")  # fmt: skip
    assert control.events["conv-z"][-1]["metadata"] == {"agent": "Sam", "kind": "agent"}


def test_forged_stale_or_unknown_calls_change_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    url, control, deliveries, clock = setup
    body = json.dumps({"ticket_id": "35436", "comment": "click evil.example"}).encode()
    now = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
    stale = (clock() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for headers in (
        {"Content-Type": "application/json"},  # unsigned
        signed(body, now, secret="not-our-secret"),  # forged
        signed(body, stale),  # replayed later
        {**signed(body, now), TIMESTAMP: stale},  # signature of another moment
    ):
        answer = requests.post(f"{url}{PATH}", data=body, headers=headers, timeout=5)
        assert answer.status_code == 401
    unknown = json.dumps({"ticket_id": "999", "comment": "hello"}).encode()
    answer = requests.post(f"{url}{PATH}", data=unknown, headers=signed(unknown, now), timeout=5)
    assert answer.json() == {"delivered": False}
    broken = b'{"comment": "no ticket"}'
    answer = requests.post(f"{url}{PATH}", data=broken, headers=signed(broken, now), timeout=5)
    assert answer.status_code == 400
    assert deliveries.after(0) == [] and control.events == {}
