"""Session start: fills the vendor slots the responses use."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.services.conversation_facts import vendor_slot_values
from bot.settings import get_settings


class ActionSessionStart(Action):
    """Start a session with the vendor's facts in slots, carrying over nothing else."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        values: dict[str, Any] = vendor_slot_values(get_settings())
        events.extend(SlotSet(name, value) for name, value in values.items())
        events.append(ActionExecuted("action_listen"))
        return events
