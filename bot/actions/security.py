"""Checking links and senders customers are unsure about (never opening them)."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.domain.link_check import check
from bot.settings import get_settings


class ActionCheckLink(Action):
    """Says whether a pasted link, sender or domain is ours, and flags lookalikes."""

    def name(self) -> str:
        return "action_check_link"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        verdict = check(
            tracker.latest_message.get("text") or "", get_settings().vendor.official_domains
        )
        if verdict.verdict == "nothing_found":
            dispatcher.utter_message(response="utter_phishing_advice")
            dispatcher.utter_message(response="utter_ask_link")
            return []
        response = {
            "official": "utter_link_official",
            "suspicious": "utter_link_suspicious",
        }.get(verdict.verdict, "utter_link_not_official")
        dispatcher.utter_message(response=response, details=verdict.describe())
        if not verdict.official:
            dispatcher.utter_message(response="utter_report_phishing")
        return [FollowupAction("utter_anything_else")]
