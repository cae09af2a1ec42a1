"""Handing the conversation to a person."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service
from bot.actions.email_slot import checked_email
from bot.bootstrap import get_container
from bot.domain.conversation import read_conversation

log = logging.getLogger(__name__)


class ActionHandoffToAgent(Action):
    """Builds or updates the conversation's case and tells the customer what happens next."""

    def name(self) -> str:
        return "action_handoff_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        container = get_container()
        consent = tracker.get_slot("transcript_consent")
        if container.settings.handoff.require_consent and consent is None:
            return [FollowupAction("utter_ask_transcript_consent")]
        try:
            verification = await call_service(container.verification.for_case, tracker.sender_id)
        except ServiceUnavailable:
            verification = ("unknown", None)
        facts = read_conversation(
            tracker.events,
            tracker.sender_id,
            tracker.get_latest_input_channel() or "",
            verification,
        )
        facts.transcript_shared = consent is not False
        service = container.handoff
        try:
            result = await call_service(service.hand_off, facts, False)
        except (ServiceUnavailable, OSError):
            log.exception("could not keep the case for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed")
            return []
        # Deliver to an external helpdesk after answering: the customer never waits for it,
        # and a failed delivery stays pending for `python -m bot cases retry`.
        asyncio.get_running_loop().run_in_executor(None, service.deliver_case, result.case)
        if result.ask_contact:  # nobody can answer in the chat: continue by email
            dispatcher.utter_message(
                response="utter_handoff_updated" if result.updated else "utter_handoff_offline",
                case_number=str(result.case.id),
                wait=result.wait,
            )
            return [FollowupAction("contact_form")]
        dispatcher.utter_message(
            response="utter_handoff_updated" if result.updated else "utter_handoff_done",
            case_number=str(result.case.id),
            wait=result.wait,
        )
        return []


class ActionRecordConsent(Action):
    """Remembers the customer's yes or no to sharing the transcript, then hands off."""

    def name(self) -> str:
        return "action_record_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        agreed = tracker.get_intent_of_latest_message() == "affirm"
        return [SlotSet("transcript_consent", agreed), FollowupAction("action_handoff_to_agent")]


class ValidateContactForm(FormValidationAction):
    """Takes an address typed in any wording; asks again, with an example, otherwise."""

    def name(self) -> str:
        return "validate_contact_form"

    def validate_contact_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return checked_email("contact_email", slot_value, dispatcher)


class ActionSaveContact(Action):
    """Puts the follow-up address on the open case (verified only if it is the address of
    the account this conversation proved it owns)."""

    def name(self) -> str:
        return "action_save_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        container = get_container()
        email = str(tracker.get_slot("contact_email") or "")
        try:
            _outcome, account = await call_service(container.verification.for_case,
                                                   tracker.sender_id)  # fmt: skip
            case = await call_service(container.handoff.set_contact, tracker.sender_id, email,
                                      account)  # fmt: skip
        except ServiceUnavailable:
            case = None
        if case is None:
            dispatcher.utter_message(response="utter_handoff_failed")
        else:
            dispatcher.utter_message(response="utter_contact_saved", contact_email=email,
                                     case_number=str(case.id))  # fmt: skip
        return [SlotSet("contact_email", None)]


class ActionOfferEmailFollowUp(Action):
    """Nobody claimed the web-chat case in time (triggered by the web app): say so and
    offer to continue by email."""

    def name(self) -> str:
        return "action_offer_email_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            case = await call_service(get_container().cases.open_case_for, tracker.sender_id)
        except ServiceUnavailable:
            return []
        if case is None or case.status != "open" or case.contact_email:
            return []
        dispatcher.utter_message(response="utter_nobody_available", case_number=str(case.id))
        return [FollowupAction("contact_form")]
