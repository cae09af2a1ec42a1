"""After the verification form: do what was asked, or explain why not."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service
from bot.actions.verification import VERIFICATION_SLOTS
from bot.bootstrap import get_container

log = logging.getLogger(__name__)


class ActionCompleteRecovery(Action):
    """Unlock / reset factors / secure / start an email change for a verified owner."""

    def name(self) -> str:
        return "action_complete_recovery"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cleared = [SlotSet(slot, None) for slot in VERIFICATION_SLOTS if slot != "email"]
        status = tracker.get_slot("verification_status")
        purpose = tracker.get_slot("verification_purpose")
        account_id = tracker.get_slot("verification_account")
        email = tracker.get_slot("email")
        if status != "passed" or not account_id or not email:
            # The customer was already told (failed or refused); a person is the way on.
            return [*cleared, SlotSet("verification_purpose", None),
                    FollowupAction("utter_offer_human")]  # fmt: skip
        recovery = get_container().recovery
        conversation = tracker.sender_id
        follow_up = "utter_anything_else"
        try:
            if purpose == "unlock":
                result = await call_service(recovery.unlock, account_id, email, conversation)
                if result.after_failed_attempts:
                    dispatcher.utter_message(response="utter_unlocked_after_failed_attempts")
                    follow_up = "utter_offer_reset"
                elif result.was_locked:
                    dispatcher.utter_message(response="utter_unlocked")
                else:
                    dispatcher.utter_message(response="utter_not_locked")
            elif purpose == "factor_reset":
                await call_service(recovery.reset_factors, account_id, email, conversation)
                dispatcher.utter_message(response="utter_factors_reset")
            elif purpose == "secure":
                await call_service(recovery.secure_account, account_id, email, conversation)
                dispatcher.utter_message(response="utter_account_secured")
                follow_up = "utter_offer_human"
            elif purpose == "email_change":
                new_email = tracker.get_slot("new_email")
                await call_service(
                    recovery.start_email_change, account_id, email, new_email, conversation
                )
                dispatcher.utter_message(response="utter_email_change_started",
                                         new_email=new_email)  # fmt: skip
            else:
                log.error("verification finished without a known purpose: %r", purpose)
                dispatcher.utter_message(response="utter_default")
        except (ServiceUnavailable, LookupError):
            log.exception("recovery step %s failed", purpose)
            dispatcher.utter_message(response="utter_identity_unavailable")
            follow_up = "utter_offer_human"
        return [*cleared, SlotSet("verification_purpose", None), FollowupAction(follow_up)]
