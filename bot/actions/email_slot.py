"""The email slot check every form shares: the first address in whatever was typed, or the
"type it like name@example.com" prompt and the slot emptied so the form asks again."""

from __future__ import annotations

from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.domain.emails import find_email


def checked_email(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    email = find_email(str(value or ""))
    if email is None:
        dispatcher.utter_message(response="utter_invalid_email")
    return {slot: email}
