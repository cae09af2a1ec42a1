"""`action_session_start` run inside the Rasa server instead of over HTTP (Rasa 3.6).

The project's session start (bot/actions/session.py) only writes the vendor's facts into
slots (`vendor_slot_values`: name, official domains, support hours, ...) and carries nothing
over. Run as a custom action it cost every new conversation one more call to the action
server: the whole tracker serialised, an HTTP round trip, the reply validated (about 6 % of
the Rasa server's CPU per message under `make bench-load`, where a third of the messages
open a conversation, and a share of the action servers' too).

`install()` makes Rasa's action lookup answer `action_session_start` with `LocalSessionStart`,
which returns the same events the action server does (SessionStarted, one SlotSet per vendor
fact, action_listen), read from the same settings (`settings.yml` and the `SIGNIN_*`
environment, which the Rasa and action images share). The action server keeps its session
start for `SIGNIN_RASA_SPEEDUPS=0` and for Rasa processes without this project's plug-ins.
tests/unit/rasa_plugins/test_session_start.py compares both actions' events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.rasa_plugins.patching import patch_once

SESSION_START = "action_session_start"


def session_start_events(values: dict[str, str]) -> list[Any]:
    """The events of a session start that sets `values` (slot name -> value)."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet

    events: list[Any] = [SessionStarted()]
    events.extend(SlotSet(name, value) for name, value in values.items())
    events.append(ActionExecuted("action_listen"))
    return events


def _local_action_class() -> type:
    from rasa.core.actions.action import Action

    from bot.services.conversation_facts import vendor_slot_values
    from bot.settings import get_settings

    class LocalSessionStart(Action):
        """The project's session start, in process."""

        def name(self) -> str:
            return SESSION_START

        async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Any]:
            return session_start_events(vendor_slot_values(get_settings()))

    return LocalSessionStart


def looking_up_locally(original: Callable[..., Any], local: type) -> Callable[..., Any]:
    """Rasa's `action_for_name_or_text` with the session start answered in process."""

    def action_for_name_or_text(name: str, domain: Any, action_endpoint: Any) -> Any:
        if name == SESSION_START and SESSION_START in domain.user_actions:
            return local()
        return original(name, domain, action_endpoint)

    return action_for_name_or_text


@patch_once
def install() -> bool:
    """Patch Rasa's action lookup in this process; returns whether it is patched."""
    import rasa.core.actions.action as rasa_actions

    rasa_actions.action_for_name_or_text = looking_up_locally(  # type: ignore[assignment]
        rasa_actions.action_for_name_or_text, _local_action_class()
    )
    return True
