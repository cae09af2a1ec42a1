"""The ownership-verification form, shared by every account-changing flow.

Slots hold only outcomes ("verified", "correct", "wrong"), never a code or an answer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service
from bot.bootstrap import get_container
from bot.services.emails import find_email
from bot.services.verification import CORRECT_NEEDED, MAX_CODE_TRIES, QUESTIONS_ASKED

FORM = "verification_form"
QUESTION_SLOTS = [f"kq_{i}" for i in range(1, QUESTIONS_ASKED + 1)]
# Slots a new verification starts without.
VERIFICATION_SLOTS = [
    "email",
    "verification_code",
    *QUESTION_SLOTS,
    "new_email",
    "verification_status",
    "verification_needs_code",
    "verification_questions",
    "verification_account",
    "verification_correct",
    "verification_wrong",
    "code_tries",
]
# purpose -> the factor the flow replaces (which therefore cannot be used to verify)
PURPOSES = {"unlock": None, "factor_reset": None, "secure": None, "email_change": "email"}


def fresh_verification(purpose: str) -> list[EventType]:
    """Events that reset every verification slot and set the purpose."""
    return [SlotSet(slot, None) for slot in VERIFICATION_SLOTS] + [
        SlotSet("verification_purpose", purpose)
    ]


class StartVerification(Action, ABC):
    """Base: clears earlier verification state and records what it is for."""

    @property
    @abstractmethod
    def purpose(self) -> str:
        """unlock | factor_reset | secure | email_change"""

    def name(self) -> str:
        return f"action_start_{self.purpose}_verification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return fresh_verification(self.purpose)


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


class ValidateVerificationForm(FormValidationAction):
    """Email -> code sent to the registered address -> up to three questions."""

    def name(self) -> str:
        return "validate_verification_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        status = tracker.get_slot("verification_status")
        if status in ("failed", "refused", "unavailable"):
            return []
        slots = ["email"]
        if tracker.get_slot("verification_needs_code"):
            slots.append("verification_code")
        if status == "passed":
            if tracker.get_slot("verification_purpose") == "email_change":
                slots.append("new_email")
            return slots
        return slots + QUESTION_SLOTS

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = find_email(str(value or ""))
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        factor = PURPOSES.get(tracker.get_slot("verification_purpose") or "")
        try:
            plan = await call_service(
                get_container().verification.begin, email, tracker.sender_id, factor
            )
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"email": email, "verification_status": "unavailable"}
        if plan.refused:
            dispatcher.utter_message(response="utter_verification_refused")
            return {"email": email, "verification_status": "refused"}
        return {
            "email": email,
            "verification_needs_code": plan.needs_code,
            "verification_questions": list(plan.questions),
            "verification_correct": 0.0,
            "verification_wrong": 0.0,
            "code_tries": 0.0,
        }

    async def validate_verification_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in ("verified", "failed"):
            return {"verification_code": value}
        email = tracker.get_slot("email")
        service = get_container().verification
        ok = await call_service(service.check_code, email, str(value), tracker.sender_id)
        if ok:
            return {"verification_code": "verified"}
        tries = (tracker.get_slot("code_tries") or 0) + 1
        if tries >= MAX_CODE_TRIES:
            await call_service(service.finish, email, False, tracker.sender_id)
            dispatcher.utter_message(response="utter_verification_failed")
            return {"verification_code": "failed", "verification_status": "failed"}
        dispatcher.utter_message(response="utter_code_wrong")
        return {"verification_code": None, "code_tries": float(tries)}

    async def _check_answer(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if value in ("correct", "wrong"):
            return {slot: value}
        questions = tracker.get_slot("verification_questions") or []
        index = QUESTION_SLOTS.index(slot)
        if index >= len(questions):
            return {slot: "wrong"}
        email = tracker.get_slot("email")
        service = get_container().verification
        try:
            ok = await call_service(service.check_answer, email, questions[index], str(value))
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {slot: "wrong", "verification_status": "unavailable"}
        correct = (tracker.get_slot("verification_correct") or 0) + (1 if ok else 0)
        wrong = (tracker.get_slot("verification_wrong") or 0) + (0 if ok else 1)
        result: dict[str, Any] = {
            slot: "correct" if ok else "wrong",
            "verification_correct": float(correct),
            "verification_wrong": float(wrong),
        }
        if correct >= CORRECT_NEEDED:
            account_id = await call_service(service.finish, email, True, tracker.sender_id)
            result["verification_status"] = "passed" if account_id else "failed"
            result["verification_account"] = account_id
        elif wrong > QUESTIONS_ASKED - CORRECT_NEEDED:
            await call_service(service.finish, email, False, tracker.sender_id)
            dispatcher.utter_message(response="utter_verification_failed")
            result["verification_status"] = "failed"
        return result

    async def validate_kq_1(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._check_answer("kq_1", value, dispatcher, tracker)

    async def validate_kq_2(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._check_answer("kq_2", value, dispatcher, tracker)

    async def validate_kq_3(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self._check_answer("kq_3", value, dispatcher, tracker)

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


class AskQuestion(Action, ABC):
    """Base: asks the knowledge question chosen for this position."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """kq_1 | kq_2 | kq_3"""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        questions = tracker.get_slot("verification_questions") or []
        index = QUESTION_SLOTS.index(self.slot)
        if index < len(questions):
            dispatcher.utter_message(response=f"utter_question_{questions[index]}")
        return []


class ActionAskKq1(AskQuestion):
    """First question."""

    slot = "kq_1"


class ActionAskKq2(AskQuestion):
    """Second question."""

    slot = "kq_2"


class ActionAskKq3(AskQuestion):
    """Third question (only when one of the first two was wrong)."""

    slot = "kq_3"
