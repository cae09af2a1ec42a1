"""After the verification form: make the change, or explain why not.

Which account is changed, and whether anything is changed at all, is decided by
`RecoveryService` from the server-side verification record of this conversation: a forged
call with made-up slots finds no passed verification and changes nothing.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service
from bot.actions.verification import VERIFICATION_SLOTS
from bot.bootstrap import get_container
from bot.services.recovery import NotVerifiedError

log = logging.getLogger(__name__)


class ActionCompleteRecovery(Action):
    """Unlock / reset factors / secure / start an email change for a verified owner."""

    def name(self) -> str:
        return "action_complete_recovery"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        cleared = [SlotSet(slot, None) for slot in VERIFICATION_SLOTS if slot != "email"]
        cleared.append(SlotSet("verification_purpose", None))
        purpose = tracker.get_slot("verification_purpose")
        told = bool(tracker.get_slot("verification_stopped"))
        recovery = get_container().recovery
        conversation = tracker.sender_id
        follow_up = "utter_anything_else"
        try:
            if purpose == "unlock":
                result = await call_service(recovery.unlock, conversation)
                if result.after_failed_attempts:
                    dispatcher.utter_message(response="utter_unlocked_after_failed_attempts")
                    follow_up = "utter_offer_reset"
                elif result.was_locked:
                    dispatcher.utter_message(response="utter_unlocked")
                else:
                    dispatcher.utter_message(response="utter_not_locked")
            elif purpose == "factor_reset":
                await call_service(recovery.reset_factors, conversation)
                dispatcher.utter_message(response="utter_factors_reset")
            elif purpose == "secure":
                await call_service(recovery.secure_account, conversation)
                dispatcher.utter_message(response="utter_account_secured")
                follow_up = "utter_offer_human"
            elif purpose == "email_change":
                new_email = str(tracker.get_slot("new_email") or "")
                hours = await call_service(recovery.start_email_change, conversation, new_email)
                dispatcher.utter_message(response="utter_email_change_started",
                                         new_email=new_email, hours=str(hours))  # fmt: skip
            else:
                raise NotVerifiedError(str(purpose))
        except NotVerifiedError:
            # The customer was already told when the check failed; otherwise say it here.
            if not told:
                dispatcher.utter_message(response="utter_not_verified")
            follow_up = "utter_offer_human"
        except (ServiceUnavailable, LookupError):
            log.exception("recovery step %s failed", purpose)
            dispatcher.utter_message(response="utter_identity_unavailable")
            follow_up = "utter_offer_human"
        return [*cleared, FollowupAction(follow_up)]
