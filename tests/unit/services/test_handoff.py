"""Handing over to a person: facts from events, the case, delivery and retries."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handoff import ActionHandoffToAgent
from bot.bootstrap import Container
from bot.domain.conversation import build_summary, read_conversation
from bot.services.handoff import HandoffService
from tests.fakes import FakeHelpdesk
from tests.unit.actions.test_actions import DOMAIN, make_tracker


def user(text: str, intent: str, **entities: str) -> dict[str, Any]:
    return {
        "event": "user", "text": text, "timestamp": 1767261600.0, "input_channel": "socketio",
        "parse_data": {"intent": {"name": intent, "confidence": 0.9},
                       "entities": [{"entity": k, "value": v} for k, v in entities.items()]},
    }  # fmt: skip


def bot(text: str, utter: str = "") -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": 1767261601.0,
            "metadata": {"utter_action": utter}}  # fmt: skip


def action(name: str) -> dict[str, Any]:
    return {"event": "action", "name": name, "timestamp": 1767261601.0}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": 1767261601.0}


RESET_THEN_PERSON = [
    user("i forgot my password", "forgot_password"),
    action("password_reset_form"),
    slot("requested_slot", "email"),
    bot("What's the email address you sign in with?", "utter_ask_email"),
    user("my old password was Tr0ub4dor&3 and it's me@example.com", "inform"),
    action("action_request_password_reset"),
    bot("Done. If an account exists for me@example.com ...", "utter_reset_link_sent"),
    user("it didn't come, i want a human", "request_human"),
]


def test_facts_name_the_problem_and_what_was_tried() -> None:
    facts = read_conversation(RESET_THEN_PERSON, "conv-1", "rest")
    assert facts.problem == "I forgot my password"
    assert facts.reason == "customer_request" and facts.priority == "normal"
    assert facts.tried == ["Sent a password reset link (if the address has an account)"]
    assert [t.speaker for t in facts.turns] == ["customer", "bot", "customer", "bot", "customer"]


def test_typed_passwords_and_verification_answers_are_redacted() -> None:
    events = [
        *RESET_THEN_PERSON[:5],
        slot("requested_slot", "verification_answer"),
        user("SW1A 1AA", "inform"),
        slot("requested_slot", "verification_code"),
        user("482913", "inform"),
    ]
    text = " ".join(t.text for t in read_conversation(events, "c").turns)
    assert "Tr0ub4dor&3" not in text and "[redacted]" in text
    assert "SW1A" not in text and "482913" not in text
    assert text.count("[redacted: verification answer]") == 2


def test_reasons_and_priorities() -> None:
    compromised = read_conversation([user("someone got in", "account_compromised")], "c")
    assert (compromised.reason, compromised.priority) == ("compromised", "high")
    failed = read_conversation([], "c", verification=("failed", None))
    assert failed.reason == "verification_failed"
    fallback = read_conversation(
        [bot("still not getting it", "utter_fallback_offer_human"),
         user("/request_human", "request_human")], "c",
    )  # fmt: skip
    assert fallback.reason == "fallback"
    outage = read_conversation([bot("sorry", "utter_identity_unavailable")], "c")
    assert (outage.reason, outage.priority) == ("api_outage", "high")


def test_browser_steps_and_answers_appear_in_the_summary(container: Container) -> None:
    events = [
        user("blank page in chrome", "browser_issue", browser="chrome", error="blank page"),
        action("action_browser_step"),
        user("no", "deny"),
        action("action_browser_step"),
        user("nope", "deny"),
        bot("That was the last thing I can suggest", "utter_browser_steps_exhausted"),
        user("yes please", "request_human"),
    ]
    facts = read_conversation(events, "conv-b", "socketio")
    summary = build_summary(facts, container.clock())
    assert "Problem: The sign-in page doesn't work in my browser (browser: chrome" in summary
    assert "Browser troubleshooting step 1 → customer: no / it did not help" in summary
    assert "Browser troubleshooting step 2 → customer: no / it did not help" in summary
    assert "troubleshooting did not solve the problem" in summary
    assert "Verification: not attempted" in summary


def test_a_second_handoff_updates_the_open_case(container: Container) -> None:
    first = container.handoff.hand_off(read_conversation(RESET_THEN_PERSON, "conv-1"))
    again = container.handoff.hand_off(
        read_conversation([*RESET_THEN_PERSON, user("hello?", "request_human")], "conv-1")
    )
    assert not first.updated and again.updated
    assert first.case.id == again.case.id
    assert len(container.cases.list()) == 1
    assert len(container.cases.get(first.case.id).transcript) == 6


def test_a_resolved_case_is_not_reopened(container: Container) -> None:
    first = container.handoff.hand_off(read_conversation(RESET_THEN_PERSON, "conv-1"))
    container.cases.resolve(first.case.id, "agent@example.com", "sorted")
    second = container.handoff.hand_off(read_conversation(RESET_THEN_PERSON, "conv-1"))
    assert second.case.id != first.case.id and not second.updated


def test_helpdesk_down_keeps_the_case_and_retry_delivers_it(container: Container) -> None:
    helpdesk = FakeHelpdesk(up=False)
    service = HandoffService(container.cases, helpdesk, container.settings.vendor.support_hours,
                             15, container.clock)  # fmt: skip
    result = service.hand_off(read_conversation(RESET_THEN_PERSON, "conv-9"))
    assert result.case.delivery == "pending" and result.case.id > 0
    assert service.retry_pending() == (0, 1)
    helpdesk.up = True
    assert service.retry_pending() == (1, 0)
    stored = container.cases.get(result.case.id)
    assert stored.delivery == "delivered" and stored.helpdesk_id == "T-1"
    assert service.retry_pending() == (0, 0)


def test_action_tells_the_case_number_and_wait(container: Container) -> None:
    tracker = make_tracker(events=RESET_THEN_PERSON, sender="conv-a")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionHandoffToAgent().run(dispatcher, tracker, DOMAIN))
    [message] = dispatcher.messages
    case = container.cases.list()[0]
    assert message["response"] == "utter_handoff_done"
    assert message["case_number"] == str(case.id)
    assert "15 minutes" in message["wait"]  # the fake clock is a Monday morning
    again = CollectingDispatcher()
    asyncio.run(ActionHandoffToAgent().run(again, tracker, DOMAIN))
    assert again.messages[0]["response"] == "utter_handoff_updated"
    assert dataclasses.asdict(container.cases.list()[0])["id"] == case.id


def _consent_container(container: Container) -> Container:
    from bot import bootstrap

    handoff = dataclasses.replace(container.settings.handoff, require_consent=True)
    settings = dataclasses.replace(container.settings, handoff=handoff)
    changed = dataclasses.replace(container, settings=settings)
    bootstrap.set_container(changed)
    return changed


def test_consent_is_asked_first_when_the_settings_require_it(container: Container) -> None:
    _consent_container(container)
    tracker = make_tracker(events=RESET_THEN_PERSON, sender="conv-c")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionHandoffToAgent().run(dispatcher, tracker, DOMAIN))
    assert events[-1]["name"] == "utter_ask_transcript_consent"
    assert container.cases.list() == []


def test_without_consent_the_case_has_no_transcript(container: Container) -> None:
    _consent_container(container)
    tracker = make_tracker(
        events=RESET_THEN_PERSON, slots={"transcript_consent": False}, sender="conv-d"
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionHandoffToAgent().run(dispatcher, tracker, DOMAIN))
    [case] = container.cases.list()
    assert case.transcript == ()
    assert "chose not to share the chat transcript" in case.summary
    assert dispatcher.messages[0]["response"] == "utter_handoff_done"


def test_consent_answer_is_recorded_and_hands_off(container: Container) -> None:
    from bot.actions.handoff import ActionRecordConsent
    from tests.unit.actions.test_actions import _user

    yes = make_tracker(events=[_user("yes", "affirm")])
    events = asyncio.run(ActionRecordConsent().run(CollectingDispatcher(), yes, DOMAIN))
    assert (events[0]["name"], events[0]["value"]) == ("transcript_consent", True)
    assert events[-1]["name"] == "action_handoff_to_agent"


def _handoff(container: Container, events: list[dict[str, Any]], sender: str) -> Any:
    facts = read_conversation(events, sender, events[-1].get("input_channel", ""))
    return container.handoff.hand_off(facts)


def test_web_chat_in_support_hours_waits_for_a_person(container: Container) -> None:
    result = _handoff(container, RESET_THEN_PERSON, "conv-web")
    assert not result.ask_contact  # the fake clock is a Monday morning


def test_outside_support_hours_the_customer_is_offered_email(
    container: Container, clock: Any
) -> None:
    clock.advance(days=5)  # Saturday
    result = _handoff(container, RESET_THEN_PERSON, "conv-weekend")
    assert result.ask_contact and "Monday" in result.wait


def test_rest_customers_get_the_email_path_only(container: Container) -> None:
    events = [dict(e, input_channel="rest") if e["event"] == "user" else e
              for e in RESET_THEN_PERSON]  # fmt: skip
    result = _handoff(container, events, "conv-rest")
    assert result.ask_contact
    case = container.handoff.set_contact("conv-rest", "please use Me@Example.com thanks", None)
    assert case is not None and case.contact_email == "me@example.com"
    assert not case.contact_verified
    assert not _handoff(container, events, "conv-rest").ask_contact  # known now: not asked again
    assert container.handoff.set_contact("conv-rest", "no address here", None) is None
    assert container.handoff.set_contact("conv-unknown", "me@example.com", None) is None


def test_the_address_is_verified_only_when_it_is_the_proven_account(
    container: Container,
) -> None:
    account = container.directory.add_account("owner@example.com", name="Owner")
    events = [dict(e, input_channel="rest") if e["event"] == "user" else e
              for e in RESET_THEN_PERSON]  # fmt: skip
    _handoff(container, events, "conv-owner")
    other = container.handoff.set_contact("conv-owner", "someone@else.example", account.id)
    assert other is not None and not other.contact_verified
    same = container.handoff.set_contact("conv-owner", "OWNER@example.com", account.id)
    assert same is not None and same.contact_verified


def test_outside_hours_the_web_chat_customer_is_asked_where_to_write(
    container: Container, clock: Any
) -> None:
    from bot.actions.handoff import ActionSaveContact, ValidateContactForm

    clock.advance(days=5, hours=3)  # Saturday afternoon: nobody at work
    tracker = make_tracker(events=RESET_THEN_PERSON, sender="conv-saturday")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionHandoffToAgent().run(dispatcher, tracker, DOMAIN))
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_offline" and "away" in message["wait"]
    assert events[-1] == {"event": "followup", "name": "contact_form", "timestamp": None}
    # A malformed address is asked again; a good one lands on the case.
    checker = CollectingDispatcher()
    assert ValidateContactForm().validate_contact_email(
        "me at example", checker, tracker, DOMAIN) == {"contact_email": None}  # fmt: skip
    assert checker.messages[0]["response"] == "utter_invalid_email"
    form = make_tracker(events=RESET_THEN_PERSON, sender="conv-saturday",
                        slots={"contact_email": "me@example.com"})  # fmt: skip
    saved = CollectingDispatcher()
    asyncio.run(ActionSaveContact().run(saved, form, DOMAIN))
    assert saved.messages[0]["response"] == "utter_contact_saved"
    [case] = [c for c in container.cases.list() if c.conversation_id == "conv-saturday"]
    assert case.contact_email == "me@example.com" and not case.contact_verified
