"""The password reset form and the action that sends the link."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service, message_time
from bot.actions.email_slot import checked_email
from bot.actions.typed_answers import typed_code, typed_email
from bot.bootstrap import get_container
from bot.services.password_reset import ResetStatus


class ValidatePasswordResetForm(FormValidationAction):
    """Accepts an email typed in any wording; asks again, with an example, otherwise."""

    def name(self) -> str:
        return "validate_password_reset_form"

    def validate_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return checked_email("email", slot_value, dispatcher)


class ActionTakeTypedEmail(Action):
    """Before the reset or code form, when the offer was answered with text instead of "yes":
    keeps an address typed there (the form validates it on activation, so it is not asked
    again) and says that a code typed there is not used."""

    def name(self) -> str:
        return "action_take_typed_email"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        email = typed_email(tracker)
        if email:
            return [SlotSet("email", email)]
        if typed_code(tracker):
            dispatcher.utter_message(response="utter_code_not_asked_yet")
        return []


class ActionRequestPasswordReset(Action):
    """Sends a reset link if the address has an account; says the same words either way."""

    def name(self) -> str:
        return "action_request_password_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        email = tracker.get_slot("email")
        if not email:
            dispatcher.utter_message(response="utter_invalid_email")
            return [SlotSet("email", None)]
        service = get_container().password_reset
        try:
            result = await call_service(
                service.request_reset, email, tracker.sender_id, message_time(tracker)
            )
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return [FollowupAction("utter_offer_human")]
        if result.status is ResetStatus.THROTTLED:
            dispatcher.utter_message(response="utter_reset_throttled")
        elif result.status is ResetStatus.INVALID_EMAIL:
            dispatcher.utter_message(response="utter_invalid_email")
            return [SlotSet("email", None)]
        else:
            dispatcher.utter_message(response="utter_reset_link_sent", email=result.email)
        return []


class ValidateCodeResendForm(ValidatePasswordResetForm):
    """The same email question, for sending a new sign-in code."""

    def name(self) -> str:
        return "validate_code_resend_form"
