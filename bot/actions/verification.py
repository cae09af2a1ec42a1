"""The ownership-verification form, shared by every account-changing flow.

The form only carries the dialogue: what it asks next is read from the server-side
verification record (`VerificationService.current`), and every code or answer typed goes to
the service to be checked. The slots that receive codes and answers are emptied again at
once (and the tracker store redacts what was typed), so no slot ever holds an outcome that
someone could type or forge.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service, message_time
from bot.actions.typed_answers import typed_code, typed_email
from bot.bootstrap import get_container
from bot.domain.emails import find_email
from bot.services.verification import Outcome, Step

FORM = "verification_form"
# Dialogue slots of a verification; none of them grants anything.
VERIFICATION_SLOTS = [
    "email",
    "verification_code",
    "verification_answer",
    "new_email",
    "verification_stopped",
]
# What the customer hears when a step ends the check.
_STOP_RESPONSES = {
    Outcome.FAILED: "utter_verification_failed",
    Outcome.REFUSED: "utter_verification_refused",
    Outcome.THROTTLED: "utter_verification_throttled",
    Outcome.EXPIRED: "utter_verification_expired",
}


def fresh_verification(purpose: str) -> list[EventType]:
    """Events that reset every verification slot and set the purpose."""
    return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS] + [
        SlotSet("verification_purpose", purpose)
    ]


class StartVerification(Action, ABC):
    """Base: ends any earlier check of this conversation and records what this one is for."""

    @property
    @abstractmethod
    def purpose(self) -> str:
        """unlock | factor_reset | secure | email_change"""

    def name(self) -> str:
        return f"action_start_{self.purpose}_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # A check that cannot be read cannot be used either: go on if the store is down.
        with contextlib.suppress(ServiceUnavailable):
            await call_service(get_container().verification.cancel, tracker.sender_id)
        return fresh_verification(self.purpose) + self._typed_answer(dispatcher, tracker)

    def _typed_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """An address typed instead of "yes" fills the email slot (the form validates it on
        activation); a code typed before one was sent is not used.

        For an email change the address typed may be the new one, so the form asks which
        address the account uses now instead of guessing.
        """
        email = typed_email(tracker)
        if email and self.purpose != "email_change":
            return [SlotSet("email", email)]
        if not email and typed_code(tracker):
            dispatcher.utter_message(response="utter_code_not_asked_yet")
        return []


class ActionStartUnlockVerification(StartVerification):
    """Before unlocking an account."""

    purpose = "unlock"


class ActionStartFactorResetVerification(StartVerification):
    """Before removing lost 2-step verification devices."""

    purpose = "factor_reset"


class ActionStartSecureVerification(StartVerification):
    """Before signing a compromised account out everywhere."""

    purpose = "secure"


class ActionStartEmailChangeVerification(StartVerification):
    """Before moving an account to a new email address."""

    purpose = "email_change"


def _next_slots(step: Step, purpose: str | None) -> list[str]:
    if step.outcome is Outcome.ASK_EMAIL or step.purpose != purpose:
        return ["email"]
    if step.outcome is Outcome.ASK_CODE:
        return ["verification_code"]
    if step.outcome is Outcome.ASK_QUESTION:
        return ["verification_answer"]
    if step.outcome is Outcome.PASSED and purpose == "email_change":
        return ["new_email"]
    return []


class ValidateVerificationForm(FormValidationAction):
    """Email -> code sent to the registered address -> questions (-> new email)."""

    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("verification_stopped"):
            return []
        try:
            step = await call_service(get_container().verification.current, tracker.sender_id)
        except ServiceUnavailable:
            return []
        return _next_slots(step, tracker.get_slot("verification_purpose"))

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = find_email(str(value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        purpose = tracker.get_slot("verification_purpose") or ""
        service = get_container().verification
        try:
            step = await call_service(
                service.begin, tracker.sender_id, email, purpose, message_time(tracker)
            )
        except (ServiceUnavailable, ValueError):
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"email": email, "verification_stopped": True}
        return {"email": email, **self._after(step, dispatcher)}

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        service = get_container().verification
        try:
            step = await call_service(service.check_code, tracker.sender_id, str(value or ""))
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"verification_code": None, "verification_stopped": True}
        if step.outcome is Outcome.CODE_WRONG:
            dispatcher.utter_message(response="utter_code_wrong")
        return {"verification_code": None, **self._after(step, dispatcher)}

    async def validate_verification_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        service = get_container().verification
        try:
            step = await call_service(service.check_answer, tracker.sender_id, str(value or ""))
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"verification_answer": None, "verification_stopped": True}
        return {"verification_answer": None, **self._after(step, dispatcher)}

    async def validate_new_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = find_email(str(value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"new_email": None}
        if email == tracker.get_slot("email"):
            dispatcher.utter_message(response="utter_new_email_same")
            return {"new_email": None}
        return {"new_email": email}

    @staticmethod
    def _after(step: Step, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        response = _STOP_RESPONSES.get(step.outcome)
        if response is None:
            return {}
        dispatcher.utter_message(response=response)
        return {"verification_stopped": True}


class ActionAskVerificationAnswer(Action):
    """Asks the knowledge question the server-side record is waiting for."""

    def name(self) -> str:
        return "action_ask_verification_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            step = await call_service(get_container().verification.current, tracker.sender_id)
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return []
        if step.outcome is Outcome.ASK_QUESTION and step.question:
            dispatcher.utter_message(response=f"utter_question_{step.question}")
        return []
