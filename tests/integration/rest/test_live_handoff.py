"""Live handoff against the real assistant (`python -m bot serve`): an agent answers from
the command line, the reply reaches the customer's socket, the bot stays quiet while the
agent holds the chat, and `cases release` gives the conversation back to the assistant."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
from typing import Any

import socketio

from bot.settings import PROJECT_ROOT
from tests.support.assistant import RunningAssistant

AGENT = "ana.live@example.com"
PASSWORD = "a long enough passphrase"


def cli(assistant: RunningAssistant, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(SIGNIN_DATABASE_URL=str(assistant.container.engine.url),
               SIGNIN_RASA_URL=assistant.rasa_url)  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


async def wait_for(
    received: list[dict[str, Any]], predicate: Any, timeout: float, after: int = 0
) -> float:
    """Seconds until a message received after the first `after` matches `predicate`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if any(predicate(message) for message in received[after:]):
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing matched within {timeout} s: {received}")


async def open_chat(
    assistant: RunningAssistant,
) -> tuple[socketio.AsyncClient, str, list[dict[str, Any]]]:
    """A web-chat socket with a new session: (client, signed session token, received)."""
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    received: list[dict[str, Any]] = []
    client.on("session_confirm", lambda token: confirmed.done() or confirmed.set_result(token))
    client.on("bot_uttered", received.append)
    await client.connect(assistant.rasa_url, transports=["polling"], wait_timeout=20)
    await client.emit("session_request", {"session_id": None})
    return client, await asyncio.wait_for(confirmed, 20), received


def tracker_events(assistant: RunningAssistant, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("select data from events where sender_id = ? order by id",
                          (sender,)).fetchall()  # fmt: skip
    return [json.loads(data) for (data,) in rows]


def test_an_agent_answers_from_the_command_line_and_hands_back(
    assistant: RunningAssistant,
) -> None:
    if not assistant.container.agents.exists(AGENT):
        assistant.container.agents.add(AGENT, PASSWORD, "Ana")

    async def scenario() -> None:
        client, token, received = await open_chat(assistant)
        conversation = token.split("_")[0]

        async def say(text: str) -> None:
            await client.emit("user_uttered", {"message": text, "session_id": token})

        await say("I want to talk to a real person")
        await wait_for(received, lambda m: "case number" in m.get("text", ""), 30)
        await wait_for(received, lambda m: "anything else" in m.get("text", ""), 10)
        [case] = [c for c in assistant.container.cases.list()
                  if c.conversation_id == conversation]  # fmt: skip

        # A reply from the command line reaches this socket within 2 seconds.
        before = len(received)
        started = time.monotonic()
        done = await asyncio.to_thread(
            cli,
            assistant,
            "cases",
            "reply",
            str(case.id),
            "--text",
            "Hi, I'm Ana. What happened?",
            "--agent",
            AGENT,
        )
        assert done.returncode == 0, done.stderr
        await wait_for(received, lambda m: m.get("text") == "Hi, I'm Ana. What happened?", 2)
        assert time.monotonic() - started < 2 + 5  # the CLI start-up itself takes a few seconds
        new = [m for m in received[before:] if m.get("agent")]
        assert new[0]["text"] == "You are now chatting with Ana from our support team."
        assert new[0]["kind"] == "joined" and new[1]["kind"] == "agent"
        assert new[0]["agent"] == "Ana" and new[1]["agent"] == "Ana"

        # While Ana holds the chat, the assistant says nothing.
        quiet = len(received)
        await say("I forgot my password")
        await asyncio.sleep(3)
        assert received[quiet:] == []
        events = tracker_events(assistant, conversation)
        assert [e["event"] for e in events].count("pause") == 1
        assert any(e["event"] == "user" and e["text"] == "I forgot my password" for e in events)
        agent_lines = [e for e in events if e["event"] == "bot"
                       and (e.get("metadata") or {}).get("agent") == "Ana"]  # fmt: skip
        assert [e["text"] for e in agent_lines][-1] == "Hi, I'm Ana. What happened?"

        # Handing back: the customer is told, then the assistant answers again.
        released = await asyncio.to_thread(cli, assistant, "cases", "release", str(case.id))
        assert released.returncode == 0, released.stderr
        await wait_for(received, lambda m: "handed the chat back" in m.get("text", ""), 5)
        back = len(received)
        await say("I forgot my password")
        await wait_for(received, lambda m: "email address" in m.get("text", ""), 30, back)
        assert assistant.container.cases.get(case.id).live is False

        resolved = await asyncio.to_thread(
            cli,
            assistant,
            "cases",
            "resolve",
            str(case.id),
            "--note",
            "Customer is resetting the password.",
        )
        assert resolved.returncode == 0, resolved.stderr
        assert assistant.container.cases.get(case.id).status == "resolved"
        await client.disconnect()

    asyncio.run(scenario())


def test_cli_misuse_gets_a_clear_message(assistant: RunningAssistant) -> None:
    missing = cli(assistant, "cases", "reply", "999999", "--text", "hello")
    assert missing.returncode == 1 and "no case 999999" in missing.stderr
    usage = cli(assistant, "cases", "reply", "1")
    assert usage.returncode == 2 and "--text" in usage.stderr


def test_rest_customers_are_offered_email_and_the_case_keeps_the_address(
    assistant: RunningAssistant,
) -> None:
    sender = "rest-follow-up"
    answer = " ".join(m.get("text", "") for m in assistant.say(sender, "get me a human please"))
    assert "continue by email" in answer and "Which email address" in answer
    malformed = " ".join(m.get("text", "") for m in assistant.say(sender, "bob at example"))
    assert "name@example.com" in malformed  # asked again, nothing lost
    saved = " ".join(m.get("text", "") for m in assistant.say(sender, "bob@example.com"))
    assert "will write to bob@example.com" in saved
    [case] = [c for c in assistant.container.cases.list() if c.conversation_id == sender]
    assert case.contact_email == "bob@example.com" and case.contact_verified is False
    # An agent cannot chat with a REST customer: the CLI says to follow up by email.
    if not assistant.container.agents.exists(AGENT):
        assistant.container.agents.add(AGENT, PASSWORD, "Ana")
    refused = cli(assistant, "cases", "reply", str(case.id), "--text", "hi", "--agent", AGENT)
    assert refused.returncode == 1 and "follow up by email" in refused.stderr
    assert "bob@example.com" in refused.stderr


def test_nobody_claims_in_time_so_the_customer_is_offered_email(
    assistant: RunningAssistant,
) -> None:
    """The web app's round, run here at once: Rasa's API triggers the honest message, and
    the socket receives it; the customer's address then lands on the case."""
    from datetime import timedelta

    async def scenario() -> None:
        client, token, received = await open_chat(assistant)
        conversation = token.split("_")[0]
        await client.emit("user_uttered", {"message": "can a human help me", "session_id": token})
        await wait_for(received, lambda m: "anything else" in m.get("text", ""), 30)

        live = _live_chat_on(assistant)
        told = await asyncio.to_thread(live.offer_follow_up_to_unclaimed, timedelta(0))
        assert told >= 1
        await wait_for(received, lambda m: "nobody from our team" in m.get("text", ""), 5)
        await wait_for(received, lambda m: "Which email address" in m.get("text", ""), 5)
        await client.emit("user_uttered", {"message": "write to me@example.org",
                                           "session_id": token})  # fmt: skip
        await wait_for(received, lambda m: "will write to me@example.org" in m.get("text", ""), 30)
        [case] = [c for c in assistant.container.cases.list()
                  if c.conversation_id == conversation]  # fmt: skip
        assert case.contact_email == "me@example.org" and not case.contact_verified
        again = await asyncio.to_thread(live.offer_follow_up_to_unclaimed, timedelta(0))
        assert again == 0  # once per case
        await client.disconnect()

    asyncio.run(scenario())


def _live_chat_on(assistant: RunningAssistant) -> Any:
    """The live-chat service as the web app builds it, on the running assistant."""
    from bot.adapters.http import make_session
    from bot.adapters.rasa_api import RasaConversationControl
    from bot.services.live_chat import LiveChatService
    from bot.settings import rasa_api_token

    c = assistant.container
    control = RasaConversationControl(make_session(), assistant.rasa_url, rasa_api_token())
    return LiveChatService(c.cases, c.agents.display_name, control, c.deliveries, c.audit,
                           c.clock)  # fmt: skip


def test_the_web_chat_stamps_the_arrival_time_and_a_client_cannot_set_it(
    assistant: RunningAssistant,
) -> None:
    """Reply floors count from this stamp: metadata the widget sends must not move it."""
    from bot.domain.chat import RECEIVED_AT

    async def scenario() -> str:
        client, token, received = await open_chat(assistant)
        await client.emit("user_uttered", {"message": "hi", "session_id": token,
                                           "metadata": {RECEIVED_AT: 1.0}})  # fmt: skip
        await wait_for(received, lambda m: bool(m.get("text")), 30)
        await client.disconnect()
        return token.split("_")[0]

    before = time.time()
    conversation = asyncio.run(scenario())
    [user] = [e for e in tracker_events(assistant, conversation) if e["event"] == "user"]
    assert before <= user["metadata"][RECEIVED_AT] <= user["timestamp"]
