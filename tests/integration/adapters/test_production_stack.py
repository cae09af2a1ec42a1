"""The assistant on the production services: PostgreSQL (app data and tracker store),
Redis (lock store) and RabbitMQ (event broker), all running on this machine.

`.ci/run` starts any of them that is down; without them these tests are skipped loudly.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.bootstrap import build_container
from bot.settings import load_settings
from tests.http_fakes import wait_for_mail
from tests.integration.conftest import start_assistant, stop_assistant

PG = "postgresql://postgres@127.0.0.1:5432"
# Production refuses the development key outside SQLite on loopback.
SECRET = "production-stack-test-secret-0123456789abcdef"


def _reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


pytestmark = pytest.mark.skipif(
    not all(_reachable(p) for p in (5432, 6379, 5672)),
    reason="PostgreSQL (5432), Redis (6379) and RabbitMQ (5672) must run on 127.0.0.1 "
    "(.ci/run starts them)",
)


@pytest.fixture(scope="module")
def databases() -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    names = (f"signin_app_{suffix}", f"signin_tracker_{suffix}")
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG}/{names[0]}", f"{PG}/{names[1]}"
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def _drain(queue_name: str) -> list[dict]:
    import aio_pika

    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1/")
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, durable=True)
        bodies = []
        while (message := await queue.get(fail=False, timeout=5)) is not None:
            bodies.append(json.loads(message.body))
            await message.ack()
        await queue.delete(if_unused=False, if_empty=False)
    return bodies


def test_conversation_on_postgres_redis_and_rabbitmq(tmp_path, databases) -> None:
    app_url, tracker_url = databases
    queue = f"signin_events_{uuid.uuid4().hex[:8]}"
    container = build_container(
        load_settings({"SIGNIN_DATABASE_URL": app_url, "SIGNIN_SECRET_KEY": SECRET})
    )
    container.builtin_directory.add_account("pg.user@example.com")
    process, rasa_url, _web, _port, log = start_assistant(
        tmp_path, app_url, tracker_url,
        extra_env={"SIGNIN_SECRET_KEY": SECRET,
                   "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "REDIS_DB": "0",
                   "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_USERNAME": "guest",
                   "RABBITMQ_PASSWORD": "guest", "RABBITMQ_QUEUE": queue},
        endpoints="endpoints.production.yml",
    )  # fmt: skip
    try:
        sender = f"pg-{uuid.uuid4().hex[:6]}"
        # A password in a sentence, then one typed where the email address is asked for.
        messages = ("hi", "i forgot my password, it was Autumn2026!!", "purplemonkeydishwasher",
                    "pg.user@example.com")  # fmt: skip
        for message in messages:
            reply = requests.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": message},
                timeout=30,
            )
            reply.raise_for_status()  # fmt: skip
        assert "If an account exists for pg.user@example.com" in json.dumps(reply.json())
    finally:
        stop_assistant(process)
    # the app database on PostgreSQL holds the email
    assert [m.to for m in wait_for_mail(container.outbox, "pg.user@example.com")] == [
        "pg.user@example.com"
    ]
    # the tracker store on PostgreSQL holds the conversation, without the typed password
    tracker = create_engine(tracker_url, future=True)
    with tracker.connect() as conn:
        rows = conn.execute(
            text("select type_name, data from events where sender_id = :s"), {"s": sender}
        ).all()
    tracker.dispose()
    assert sum(1 for row in rows if row.type_name == "user") == 4
    stored = json.dumps([row.data for row in rows])
    assert "Autumn2026!!" not in stored and "purplemonkeydishwasher" not in stored
    # the event broker received the same events, also redacted
    streamed = asyncio.run(_drain(queue))
    mine = [body for body in streamed if body.get("sender_id") == sender]
    assert sum(1 for body in mine if body.get("event") == "user") == 4
    assert "Autumn2026!!" not in json.dumps(mine)
    assert "purplemonkeydishwasher" not in json.dumps(mine)
    assert "Traceback" not in log.read_text(errors="replace")
    container.engine.dispose()
