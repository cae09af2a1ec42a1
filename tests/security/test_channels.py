"""The chat channels: server-issued signed session ids, and a length limit."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

import socketio

from tests.support.assistant import RunningAssistant


async def _session(url: str, requested: str | None) -> tuple[socketio.AsyncClient, str, list]:
    client = socketio.AsyncClient(reconnection=False)
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    received: list = []
    client.on("session_confirm", lambda token: confirmed.done() or confirmed.set_result(token))
    client.on("bot_uttered", received.append)
    await client.connect(url, transports=["polling"], wait_timeout=20)
    await client.emit("session_request", {"session_id": requested})
    return client, await asyncio.wait_for(confirmed, 20), received


def _events_of(assistant: RunningAssistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        query = "select count(*) from events where sender_id = ?"
        return db.execute(query, (sender,)).fetchone()[0]


def test_a_known_conversation_id_gives_no_way_in(assistant: RunningAssistant) -> None:
    async def scenario() -> None:
        owner, token, _ = await _session(assistant.rasa_url, None)
        victim_id = token.split("_")[0]
        await owner.emit("user_uttered", {"message": "hi", "session_id": token})
        for _ in range(100):
            if _events_of(assistant, victim_id):
                break
            await asyncio.sleep(0.1)
        before = _events_of(assistant, victim_id)
        assert before > 0
        # With the repository's development key an attacker could compute the signature; the
        # development server signs with a random key of its own (var/), so that fails too.
        from bot.rasa_plugins.socketio import session_token
        from bot.settings import DEVELOPMENT_SECRET_KEY

        forged_with_public_key = session_token(victim_id, DEVELOPMENT_SECRET_KEY)
        guesses = (victim_id, f"{victim_id}_{'0' * 32}", token.upper(), forged_with_public_key)
        for guess in guesses:
            intruder, given, received = await _session(assistant.rasa_url, guess)
            assert given.split("_")[0] != victim_id  # a new conversation, not the victim's
            await intruder.emit("user_uttered", {"message": "/greet", "session_id": victim_id})
            await intruder.emit("user_uttered", {"message": "/greet", "session_id": guess})
            await asyncio.sleep(1.5)
            assert received == []  # ignored: not the session this socket was given
            await intruder.disconnect()
        assert _events_of(assistant, victim_id) == before
        # The owner, with the signed token, gets back into the same conversation.
        again, same, _ = await _session(assistant.rasa_url, token)
        assert same == token
        await again.disconnect()
        await owner.disconnect()

    asyncio.run(scenario())


def test_an_over_long_message_is_answered_politely_and_not_processed(
    assistant: RunningAssistant,
) -> None:
    sender = f"long-{uuid.uuid4().hex[:8]}"
    reply = assistant.say(sender, "please help " * 200)
    assert "longer than I can take" in reply[0]["text"]
    assert _events_of(assistant, sender) == 0

    async def over_socket() -> None:
        client, token, received = await _session(assistant.rasa_url, None)
        await client.emit("user_uttered", {"message": "x" * 2001, "session_id": token})
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.1)
        assert "longer than I can take" in received[0]["text"]
        assert _events_of(assistant, token.split("_")[0]) == 0
        await client.disconnect()

    asyncio.run(over_socket())


def test_messages_that_are_not_text_or_carry_huge_metadata_are_refused(
    assistant: RunningAssistant,
) -> None:
    import requests

    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    sender = f"odd-{uuid.uuid4().hex[:8]}"
    listed = requests.post(url, json={"sender": sender, "message": ["my password is Zebra-77!"]},
                           timeout=30)  # fmt: skip
    assert listed.status_code == 200 and "only read text" in listed.json()[0]["text"]
    huge = requests.post(url, json={"sender": sender, "message": "hi",
                                    "metadata": {"blob": "x" * 200_000}}, timeout=30)  # fmt: skip
    assert huge.status_code == 413
    assert requests.post(url, data="not json", timeout=30).status_code == 400
    assert _events_of(assistant, sender) == 0
    assert "Zebra-77!" not in assistant.log.read_text(errors="replace")

    async def over_socket() -> None:
        client, token, received = await _session(assistant.rasa_url, None)
        words = ["my password is purple", "y" * 3000]
        await client.emit("user_uttered", {"message": words, "session_id": token})
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.1)
        assert "only read text" in received[0]["text"]
        assert _events_of(assistant, token.split("_")[0]) == 0
        await client.disconnect()

    asyncio.run(over_socket())


def _event_kinds(assistant: RunningAssistant, sender: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(assistant.tracker_db) as db:
        query = "select type_name, intent_name from events where sender_id = ? order by id"
        return list(db.execute(query, (sender,)).fetchall())


SERVER_COMMANDS = ("/restart", " /session_start", "/back", "/EXTERNAL_nobody_available")


def _assert_no_command_ran(kinds: list[tuple[str, str | None]]) -> None:
    assert ("restart", None) not in kinds
    assert [kind for kind, _ in kinds].count("session_started") == 1
    intents = {intent for kind, intent in kinds if kind == "user"}
    assert not intents & {"restart", "session_start", "back", "EXTERNAL_nobody_available"}
    assert sum(kind == "user" for kind, _ in kinds) == 1 + len(SERVER_COMMANDS)


def test_a_customer_over_rest_cannot_send_server_commands(assistant: RunningAssistant) -> None:
    sender = f"payloads-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "hi")
    for command in SERVER_COMMANDS:
        assistant.say(sender, command)  # read as words: an answer, never the command
    _assert_no_command_ran(_event_kinds(assistant, sender))


def test_a_customer_in_the_web_chat_cannot_send_server_commands(
    assistant: RunningAssistant,
) -> None:
    async def scenario() -> str:
        client, token, received = await _session(assistant.rasa_url, None)
        sender = token.split("_")[0]
        for text in ("hi", *SERVER_COMMANDS):
            before = len(received)
            await client.emit("user_uttered", {"message": text, "session_id": token})
            for _ in range(100):  # one answer per message before the next one goes
                if len(received) > before:
                    break
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        await client.disconnect()
        return sender

    sender = asyncio.run(scenario())
    _assert_no_command_ran(_event_kinds(assistant, sender))
