"""The production profile scaled out on this machine: two Rasa processes and two action
servers behind nginx, sharing PostgreSQL (tracker store, app database), Redis (locks) and
RabbitMQ (events). 50 conversations at once, every message through nginx (round robin, so a
conversation's turns land on both Rasa processes); then PostgreSQL must hold every event of
every conversation, in order, never two turns interleaved.

Skipped, with the reason, when nginx, PostgreSQL, Redis or RabbitMQ is missing: `.ci/run`
starts the services and `make e2e-deps` installs nginx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.settings import PROJECT_ROOT
from tests.integration.conftest import MODEL, free_port

PG = "postgresql://postgres@127.0.0.1:5432"
SECRET = "production-scale-test-secret-0123456789abcdef"
CONVERSATIONS = 50
SCRIPT = ("hi", "i forgot my password", "scale{n}@example.com", "no")


def _reachable(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


_missing = [name for name, ok in (
    ("nginx", shutil.which("nginx") is not None),
    ("PostgreSQL on 5432", _reachable(5432)),
    ("Redis on 6379", _reachable(6379)),
    ("RabbitMQ on 5672", _reachable(5672)),
) if not ok]  # fmt: skip

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        bool(_missing),
        reason=f"PRODUCTION PROFILE NOT TESTED: {', '.join(_missing)} missing "
        "(.ci/run starts the services; make e2e-deps installs nginx)",
    ),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """`python -m bot.modelops.cluster --rasa 2 --actions 2` on throw-away databases."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    suffix = uuid.uuid4().hex[:8]
    names = (f"signin_scale_app_{suffix}", f"signin_scale_tracker_{suffix}")
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    port = free_port()
    work = tmp_path_factory.mktemp("cluster")
    log = work / "cluster.log"
    env = dict(os.environ)
    env.update(
        SIGNIN_SECRET_KEY=SECRET, ACTION_SERVER_TOKEN=uuid.uuid4().hex * 2,
        SIGNIN_DATABASE_URL=f"{PG}/{names[0]}", TRACKER_STORE_URL=f"{PG}/{names[1]}",
        REDIS_HOST="127.0.0.1", REDIS_PORT="6379", REDIS_DB="0",
        RABBITMQ_HOST="127.0.0.1", RABBITMQ_USERNAME="guest", RABBITMQ_PASSWORD="guest",
        RABBITMQ_QUEUE=f"signin_scale_{suffix}",
    )  # fmt: skip
    command = [sys.executable, "-m", "bot.modelops.cluster", "--rasa", "2", "--actions", "2",
               "--port", str(port), "--model", str(MODEL),
               # REST for the scripted customers (production credentials offer only socket.io)
               "--credentials", "credentials.yml"]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 400
        while "The production profile is up" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the production profile did not start:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        nginx_prefix = Path(re.search(r"nginx prefix (\S+)\)", log.read_text()).group(1))
        yield f"http://127.0.0.1:{port}", f"{PG}/{names[1]}", nginx_prefix
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        _delete_queue(env["RABBITMQ_QUEUE"])


def _delete_queue(name: str) -> None:
    async def delete() -> None:
        import aio_pika

        connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1/")
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(name, durable=True)
            await queue.delete(if_unused=False, if_empty=False)

    with contextlib.suppress(Exception):  # clean-up only
        asyncio.run(delete())


async def _converse(url: str, run: str) -> dict[str, list[str]]:
    """50 customers at once; each sends the script one turn at a time. Returns, per
    conversation, the texts it sent."""
    import aiohttp

    sent: dict[str, list[str]] = {}

    async def customer(session: aiohttp.ClientSession, number: int) -> None:
        sender = f"scale-{run}-{number}"
        sent[sender] = []
        for line in SCRIPT:
            message = line.format(n=f"{run}{number}")
            async with session.post(
                f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            ) as reply:
                assert reply.status == 200, await reply.text()
                assert await reply.json(), f"{sender}: no answer to {message!r}"
            sent[sender].append(message)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(customer(session, n) for n in range(CONVERSATIONS)))
    return sent


def test_fifty_conversations_across_two_rasa_processes_lose_and_reorder_nothing(
    cluster: tuple[str, str, Path],
) -> None:
    url, tracker_url, nginx_prefix = cluster
    run = uuid.uuid4().hex[:6]
    started = time.monotonic()
    sent = asyncio.run(_converse(url, run))
    took = time.monotonic() - started
    assert len(sent) == CONVERSATIONS

    engine = create_engine(tracker_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(
            text("select sender_id, type_name, action_name, timestamp, data from events "
                 "where sender_id like :p order by id"), {"p": f"scale-{run}-%"},
        ).all()  # fmt: skip
    engine.dispose()
    by_sender: dict[str, list] = {}
    for row in rows:
        by_sender.setdefault(row.sender_id, []).append(row)
    assert set(by_sender) == set(sent)
    for sender, events in by_sender.items():
        users = [json.loads(e.data).get("text") for e in events if e.type_name == "user"]
        # nothing lost, nothing reordered: every message once, in the order it was sent
        assert users == sent[sender], sender
        # stored in time order, turns never interleaved: each user message is followed by
        # the bot's actions, and the turn ends listening before the next message
        stamps = [e.timestamp for e in events]
        assert stamps == sorted(stamps), sender
        kinds = [(e.type_name, e.action_name) for e in events]
        for i, (kind, _name) in enumerate(kinds):
            if kind == "user" and i > 0:
                before = [k for k in kinds[:i] if k[0] == "action"]
                assert before[-1] == ("action", "action_listen"), (sender, kinds)
        assert kinds[-1] == ("action", "action_listen"), sender
        assert any(name == "action_request_password_reset" for _k, name in kinds), sender
    # both Rasa processes and both action servers did the work
    log = (nginx_prefix / "access.log").read_text()
    chat = {m for m in re.findall(r'"POST /webhooks/rest/webhook[^"]*" 200 (\S+)', log)}
    actions = {m for m in re.findall(r'"POST /webhook HTTP[^"]*" 200 (\S+)', log)}
    assert len(chat) == 2, chat
    assert len(actions) == 2, actions
    print(
        f"\n{CONVERSATIONS} conversations x {len(SCRIPT)} turns in {took:.1f} s "
        f"({CONVERSATIONS * len(SCRIPT) / took:.1f} messages/s) via {sorted(chat)}"
    )
