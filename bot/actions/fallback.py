"""Two-stage fallback: first suggest likely topics, then offer a person."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.domain.topics import TOPIC_TITLES, consecutive_fallbacks, suggested_topics


def _user_intents_newest_first(tracker: Tracker) -> list[str]:
    return [
        (event.get("parse_data") or {}).get("intent", {}).get("name") or ""
        for event in reversed(tracker.events)
        if event.get("event") == "user"
    ]


class ActionFallbackSuggest(Action):
    """Runs when NLU confidence is low."""

    def name(self) -> str:
        return "action_fallback_suggest"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_fallbacks(_user_intents_newest_first(tracker)) >= 2:
            dispatcher.utter_message(
                response="utter_fallback_offer_human",
                buttons=[
                    {"title": "Yes, a person please", "payload": "/request_human"},
                    {"title": "No, show me what you can do", "payload": "/out_of_scope"},
                ],
            )
            return []
        ranking = [
            (item.get("name", ""), float(item.get("confidence") or 0.0))
            for item in tracker.latest_message.get("intent_ranking", [])
        ]
        topics = suggested_topics(ranking)
        buttons = [{"title": TOPIC_TITLES[t], "payload": f"/{t}"} for t in topics]
        buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        dispatcher.utter_message(response="utter_fallback_suggest", buttons=buttons)
        return []
