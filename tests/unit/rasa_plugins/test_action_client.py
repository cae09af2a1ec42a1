"""The Rasa-side action client speed-ups: same results, one connection, validation kept."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.rasa_plugins import action_client


@pytest.fixture(autouse=True)
def installed() -> None:
    assert action_client.install()


def test_the_hooks_it_replaces_exist_in_this_rasa() -> None:
    assert RemoteAction._validate_action_result.__name__ == "validate_once_built"
    assert EndpointConfig.request is action_client.keep_alive_request


def test_valid_replies_pass_and_invalid_ones_fail_as_before() -> None:
    action = RemoteAction("action_x", None)
    good = {"events": [{"event": "slot", "name": "a", "value": 1}], "responses": [{"text": "hi"}]}
    assert action._validate_action_result(good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no-such-event"}]})


def test_calls_reuse_one_connection_and_keep_headers_and_errors() -> None:
    async def main() -> tuple[list, list, int]:
        peers: list = []
        auth: list = []

        async def webhook(request: web.Request) -> web.Response:
            peers.append(request.transport.get_extra_info("peername"))
            auth.append(request.headers.get("Authorization"))
            if (await request.json()).get("fail"):
                return web.json_response({"error": "no"}, status=400)
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook",
                                  headers={"Authorization": "Bearer s3cret"})  # fmt: skip
        for _ in range(3):
            assert await endpoint.request(json={"next_action": "x"}) == {
                "events": [], "responses": []}  # fmt: skip
        status = 0
        try:
            await endpoint.request(json={"fail": True})
        except ClientResponseError as error:
            status = error.status
        await action_client._shared_session().close()
        await runner.cleanup()
        return peers, auth, status

    peers, auth, status = asyncio.run(main())
    assert len(set(peers)) == 1  # kept alive
    assert auth == ["Bearer s3cret"] * 4
    assert status == 400


REPLIES = [
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "slot", "name": "a", "value": 1, "timestamp": None}]},
    {
        "events": [
            {
                "event": "user",
                "text": "hi",
                "parse_data": {
                    "intent": {"name": "greet", "confidence": 0.9},
                    "entities": [{"entity": "e", "value": 1, "start": 0, "end": 2}],
                },
            },
            {"event": "action", "name": "action_listen"},
            {"event": "bot", "text": "hello", "data": {}},
            {"event": "session_started"},
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "x"},
        ],
        "responses": [{"text": "hi", "buttons": []}],
    },
    {"events": [{"event": "no-such-event"}]},
    {"events": [{"name": "a"}]},
    {"events": [{"event": "slot", "name": 5}]},
    {"events": [{"event": "user", "text": 5}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "e"}]}}]},
    {"events": [{"event": "action", "timestamp": "yesterday", "name": "x"}]},
    {
        "events": [
            {"event": "reminder", "intent": "x", "date_time": "2026-01-01", "entities": "bad"}
        ]
    },
    {"events": "not a list"},
    {"events": [5]},
    {"responses": "not a list"},
    {"responses": [5]},
    [],
    None,
]


@pytest.mark.parametrize("reply", REPLIES)
def test_the_quick_check_accepts_exactly_what_the_full_schema_accepts(reply: object) -> None:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    full = validator_for(schema)(schema)
    quick = action_client.event_dispatching_check(schema, validator_for(schema))
    assert quick(reply) == full.is_valid(reply)


def test_request_bodies_are_the_json_that_json_dumps_makes() -> None:
    import json

    body = {"tracker": {"events": [{"text": "a/b ü \u2028", "timestamp": 1733051234.123456,
                                    "n": [1, 2.5, None, True]}]}}  # fmt: skip
    assert json.loads(action_client._dumps(body)) == body
    assert json.loads(action_client._dumps({"x": float("nan")}).replace("NaN", "null")) == {
        "x": None
    }
