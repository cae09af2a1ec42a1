"""Step-by-step help: browser problems and verification codes that don't arrive."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.calls import ServiceUnavailable, call_service, message_time
from bot.bootstrap import get_container
from bot.domain.browser_guide import default_browser_guide

# NLU value of the mfa_method entity -> the tips response for it
MFA_TIPS = {
    "sms": "utter_mfa_tips_sms",
    "phone call": "utter_mfa_tips_sms",
    "email": "utter_mfa_tips_email",
    "totp": "utter_mfa_tips_totp",
    "push": "utter_mfa_tips_push",
    "security key": "utter_mfa_tips_security_key",
}


def _entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


class ActionBrowserStep(Action):
    """Shows the next troubleshooting step for the customer's browser and error."""

    def name(self) -> str:
        return "action_browser_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        guide = default_browser_guide()
        text = tracker.latest_message.get("text") or ""
        browser = _entity(tracker, "browser") or tracker.get_slot("browser")
        starting = tracker.get_intent_of_latest_message() == "browser_issue"
        if starting:
            kind = guide.error_kind(_entity(tracker, "error"), text)
            done = 0
            advice = guide.version_advice(browser, text)
            if advice:
                dispatcher.utter_message(text=advice)
        else:
            kind = tracker.get_slot("browser_error_kind") or guide.error_kind(None, text)
            done = int(tracker.get_slot("browser_steps_done") or 0)
        step = guide.next_step(kind, browser, done)
        if step is None:
            dispatcher.utter_message(response="utter_browser_steps_exhausted")
            return [SlotSet("browser_steps_done", None), FollowupAction("utter_offer_human")]
        prefix = "Let's try this" if done == 0 else "Next, try this"
        dispatcher.utter_message(text=f"{prefix}: {step.text}")
        return [
            SlotSet("browser_error_kind", kind),
            SlotSet("browser_steps_done", float(done + 1)),
            FollowupAction("utter_browser_step_helped"),
        ]


class ActionMfaCodeHelp(Action):
    """Fixes for the customer's verification method, or asks which method they use."""

    def name(self) -> str:
        return "action_mfa_code_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        method = _entity(tracker, "mfa_method") or tracker.get_slot("mfa_method")
        response = MFA_TIPS.get(str(method or "").lower())
        if response is None:
            return [FollowupAction("utter_ask_mfa_method")]
        dispatcher.utter_message(response=response)
        return [FollowupAction("utter_did_that_help")]


class ActionResendCode(Action):
    """Sends a new sign-in code (throttled), by the method asked for or a backup on file."""

    def name(self) -> str:
        return "action_resend_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        service = get_container().code_resend
        try:
            result = await call_service(
                service.resend, tracker.get_slot("email") or "", tracker.get_slot("mfa_method"),
                tracker.sender_id, message_time(tracker),
            )  # fmt: skip
        except ServiceUnavailable:
            dispatcher.utter_message(response="utter_identity_unavailable")
            return [FollowupAction("utter_offer_human")]
        dispatcher.utter_message(
            response=f"utter_code_resend_{result.status}", wait=str(result.wait_seconds)
        )
        return []
