"""Event classes found by name once: the same answers as Rasa's own lookup."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot.rasa_plugins.event_types import remembering


def _rasas_own() -> object:
    from bot.rasa_plugins import event_types

    return event_types.ORIGINAL or Event.resolve_by_type


def test_every_event_name_resolves_to_the_class_rasa_finds() -> None:
    original = _rasas_own()
    fast = remembering(original)  # type: ignore[arg-type]
    names = {cls.type_name for cls in all_subclasses(Event) if hasattr(cls, "type_name")}
    assert {"user", "action", "slot", "session_started", "active_loop"} <= names
    for _ in range(2):  # found, then remembered
        for name in names:
            assert fast(name) is original(name)  # type: ignore[operator]


def test_unknown_names_keep_rasas_default_topic_and_error() -> None:
    fast = remembering(_rasas_own())  # type: ignore[arg-type]
    assert fast("no such event", UserUttered) is UserUttered
    assert fast("no such event", ActionExecuted) is ActionExecuted  # the default is not kept
    assert fast("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        fast("no such event")


def test_events_deserialise_through_the_patched_lookup() -> None:
    from bot.rasa_plugins import event_types

    assert event_types.install()
    event = Event.from_parameters({"event": "action", "name": "action_listen"})
    assert isinstance(event, ActionExecuted) and event.action_name == "action_listen"
