"""The session start answered inside the Rasa server: the same events as the action
server's, and only for that action name."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.session import ActionSessionStart
from bot.rasa_plugins import session_start
from bot.settings import PROJECT_ROOT


def _essential(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(e["event"], e.get("name"), e.get("value")) for e in events]


def test_the_local_session_start_returns_what_the_action_server_returns() -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert session_start.install()
    import rasa.core.actions.action as rasa_actions

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    local = rasa_actions.action_for_name_or_text("action_session_start", domain, endpoint)
    assert not isinstance(local, RemoteAction)
    tracker = DialogueStateTracker("s", domain.slots)
    ours = asyncio.run(local.run(None, None, tracker, domain))

    remote_tracker = Tracker("s", {}, {}, [], False, None, {}, "action_listen")
    theirs = asyncio.run(ActionSessionStart().run(CollectingDispatcher(), remote_tracker, {}))
    assert _essential([e.as_dict() for e in ours]) == _essential(theirs)
    assert ("slot", "vendor_name", theirs[1]["value"]) in _essential(theirs)


def test_other_actions_still_go_to_the_action_server() -> None:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert session_start.install()
    import rasa.core.actions.action as rasa_actions

    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    action = rasa_actions.action_for_name_or_text("action_request_password_reset", domain, endpoint)
    assert isinstance(action, RemoteAction)
    assert rasa_actions.action_for_name_or_text("utter_greet", domain, endpoint).name() == (
        "utter_greet"
    )
