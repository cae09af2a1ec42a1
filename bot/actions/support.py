"""Service status."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service
from bot.bootstrap import get_container


class ActionCheckServiceStatus(Action):
    """Tells whether there is an ongoing incident."""

    def name(self) -> str:
        return "action_check_service_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            status = await call_service(get_container().status.current)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_status_unknown")
            return []
        if status.operational:
            dispatcher.utter_message(response="utter_status_ok", description=status.description)
        else:
            dispatcher.utter_message(
                response="utter_status_incident", description=status.description
            )
        return []
