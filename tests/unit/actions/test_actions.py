"""Actions on real rasa_sdk Trackers and CollectingDispatchers, with the real container."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import ActionFallbackSuggest
from bot.actions.password_reset import ActionRequestPasswordReset, ValidatePasswordResetForm
from bot.actions.session import ActionSessionStart
from bot.actions.support import ActionCheckServiceStatus
from bot.bootstrap import Container
from bot.settings import PROJECT_ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def _user(text: str, intent: str, confidence: float = 0.9, ranking=None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
            "entities": [],
            "text": text,
        },
    }


def make_tracker(
    events: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    sender: str = "conv-1",
) -> Tracker:
    events = events or []
    latest = next((e for e in reversed(events) if e["event"] == "user"), None)
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots or {},
            "latest_message": latest["parse_data"] if latest else {},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": None,
        }
    )


def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


# --- password reset -----------------------------------------------------------------------


def test_reset_action_sends_email_for_a_known_account(container: Container) -> None:
    container.directory.add_account("jane@example.com")
    events, messages = run(
        ActionRequestPasswordReset(), make_tracker(slots={"email": "jane@example.com"})
    )
    assert events == []
    assert messages[0]["response"] == "utter_reset_link_sent"
    assert messages[0]["email"] == "jane@example.com"
    assert [m.to for m in container.outbox.list_messages()] == ["jane@example.com"]


def test_reset_action_says_the_same_for_an_unknown_address(container: Container) -> None:
    container.directory.add_account("jane@example.com")
    _, known = run(
        ActionRequestPasswordReset(),
        make_tracker(slots={"email": "jane@example.com"}, sender="a"),
    )
    _, unknown = run(
        ActionRequestPasswordReset(),
        make_tracker(slots={"email": "ghost@example.com"}, sender="b"),
    )
    assert [m["response"] for m in known] == [m["response"] for m in unknown]
    assert {k: v for k, v in known[0].items() if k != "email"} == {
        k: v for k, v in unknown[0].items() if k != "email"
    }
    assert len(container.outbox.list_messages()) == 1


def test_reset_action_reports_the_throttle(container: Container) -> None:
    for i in range(container.settings.reset.per_email_per_hour):
        run(
            ActionRequestPasswordReset(),
            make_tracker(slots={"email": "x@example.com"}, sender=f"c{i}"),
        )
    _, messages = run(
        ActionRequestPasswordReset(), make_tracker(slots={"email": "x@example.com"}, sender="z")
    )
    assert messages[0]["response"] == "utter_reset_throttled"


def test_reset_action_without_email_asks_again(container: Container) -> None:
    events, messages = run(ActionRequestPasswordReset(), make_tracker(slots={"email": None}))
    assert messages[0]["response"] == "utter_invalid_email"
    assert events == [{"event": "slot", "timestamp": None, "name": "email", "value": None}]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("my email is Jane@Example.com", "jane@example.com"),
        ("jane@example.com", "jane@example.com"),
        ("jane at example dot com", None),
        ("jane@example", None),
    ],
)
def test_form_validation_extracts_or_asks_again(
    container: Container, typed: str, expected: str | None
) -> None:
    tracker = make_tracker(
        events=[
            _user(typed, "inform"),
            {"event": "slot", "name": "email", "value": typed},
        ],
        slots={"email": typed, "requested_slot": "email"},
        active_loop="password_reset_form",
    )
    events, messages = run(ValidatePasswordResetForm(), tracker)
    assert {"event": "slot", "timestamp": None, "name": "email", "value": expected} in events
    if expected is None:
        assert [m["response"] for m in messages] == ["utter_invalid_email"]
    else:
        assert messages == []


# --- fallback -----------------------------------------------------------------------------


def test_first_fallback_suggests_the_likely_topics() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "greet", "confidence": 0.3},
        {"name": "account_locked", "confidence": 0.25},
        {"name": "forgot_password", "confidence": 0.2},
        {"name": "mfa_code_missing", "confidence": 0.1},
        {"name": "browser_issue", "confidence": 0.05},
    ]
    tracker = make_tracker(events=[_user("blocked thing help", "nlu_fallback", 0.4, ranking)])
    _, messages = run(ActionFallbackSuggest(), tracker)
    assert messages[0]["response"] == "utter_fallback_suggest"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/account_locked",
        "/forgot_password",
        "/mfa_code_missing",
        "/out_of_scope",
    ]


def test_second_fallback_in_a_row_offers_a_person() -> None:
    tracker = make_tracker(
        events=[
            _user("hello", "greet"),
            _user("asdf qwer", "nlu_fallback", 0.3),
            {"event": "bot", "text": "Sorry, I'm not sure I understood."},
            _user("zxcv", "nlu_fallback", 0.2),
        ]
    )
    _, messages = run(ActionFallbackSuggest(), tracker)
    assert messages[0]["response"] == "utter_fallback_offer_human"
    assert messages[0]["buttons"][0]["payload"] == "/request_human"


# --- session, status, support ---------------------------------------------------------------


def test_session_start_fills_every_vendor_placeholder(container: Container) -> None:
    events, _ = run(ActionSessionStart(), make_tracker())
    assert events[0]["event"] == "session_started"
    assert (events[-1]["event"], events[-1]["name"]) == ("action", "action_listen")
    filled = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert filled["vendor_name"] == container.settings.vendor.name
    # every {placeholder} used by a response is either filled here or passed by an action
    placeholders = set()
    for variants in DOMAIN["responses"].values():
        for variant in variants:
            text = variant.get("text", "")
            placeholders |= {p.split("}")[0] for p in text.split("{")[1:]}
    passed_by_actions = {
        "email", "new_email", "description", "details", "case_number", "wait", "hours",
        "contact_email",
    }  # fmt: skip
    assert placeholders - passed_by_actions <= set(filled)


def test_status_reports_operational_by_default(container: Container) -> None:
    _, messages = run(ActionCheckServiceStatus(), make_tracker())
    assert messages[0]["response"] == "utter_status_ok"


# --- verification form ----------------------------------------------------------------------


def _form_step(slot: str, typed: str, slots: dict[str, Any]) -> Tracker:
    return make_tracker(
        events=[_user(typed, "inform"), {"event": "slot", "name": slot, "value": typed}],
        slots={**slots, slot: typed, "requested_slot": slot},
        active_loop="verification_form",
    )


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _verifiable(container: Container, email: str = "ann@example.com", **kwargs: Any):
    account = container.directory.add_account(email, **kwargs)
    for kind, value in ANSWERS.items():
        container.verification_store.set_fact(
            account.id, kind, container.verification.fact_hash(kind, value)
        )
    return account


ANSWERS = {"license_last4": "ZZ99", "purchase_month": "2024-03", "device_name": "den pc",
           "postcode": "10115"}  # fmt: skip


def _question(container: Container, sender: str = "conv-1") -> str:
    return container.verification.current(sender).question


def test_verification_form_end_to_end_passes_and_unlocks(container: Container) -> None:
    from bot.actions.recovery import ActionCompleteRecovery
    from bot.actions.verification import ActionStartUnlockVerification, ValidateVerificationForm

    _verifiable(container, locked=True)
    form = ValidateVerificationForm()
    state = _slots(run(ActionStartUnlockVerification(), make_tracker())[0])
    assert state["verification_purpose"] == "unlock" and state["email"] is None

    events, _ = run(form, _form_step("email", "it's ann@example.com", state))
    state.update(_slots(events))
    assert state["requested_slot"] == "verification_code"
    code = container.outbox.list_messages()[-1].body.split("code is: ")[1][:6]

    events, messages = run(form, _form_step("verification_code", "000000", state))
    state.update(_slots(events))
    assert [m["response"] for m in messages] == ["utter_code_wrong"]
    events, _ = run(form, _form_step("verification_code", code, state))
    state.update(_slots(events))
    assert state["verification_code"] is None  # nothing typed is kept in a slot
    assert state["requested_slot"] == "verification_answer"

    for _ in range(2):
        answer = ANSWERS[_question(container)]
        events, _ = run(form, _form_step("verification_answer", answer, state))
        state.update(_slots(events))
        assert state["verification_answer"] is None
    assert state["requested_slot"] is None

    events, messages = run(ActionCompleteRecovery(), make_tracker(slots=state))
    assert messages[0]["response"] == "utter_unlocked"
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "utter_anything_else"}
    assert container.directory.find_by_email("ann@example.com").status == "active"


def test_verification_form_fails_after_two_wrong_answers(container: Container) -> None:
    from bot.actions.recovery import ActionCompleteRecovery
    from bot.actions.verification import ValidateVerificationForm

    _verifiable(container, locked=True)
    container.verification.begin("conv-1", "ann@example.com", "unlock")
    code = container.outbox.list_messages()[-1].body.split("code is: ")[1][:6]
    container.verification.check_code("conv-1", code)
    state: dict[str, Any] = {"email": "ann@example.com", "verification_purpose": "unlock"}
    form = ValidateVerificationForm()
    events, _ = run(form, _form_step("verification_answer", "12345", state))
    state.update(_slots(events))
    events, messages = run(form, _form_step("verification_answer", "my pc", state))
    state.update(_slots(events))
    assert state["verification_stopped"] is True
    assert state["requested_slot"] is None
    assert [m["response"] for m in messages] == ["utter_verification_failed"]
    events, messages = run(ActionCompleteRecovery(), make_tracker(slots=state))
    assert messages == []
    assert events[-1]["name"] == "utter_offer_human"
    assert container.directory.find_by_email("ann@example.com").status == "locked"


@pytest.mark.parametrize("typed", ["verified", "correct", "passed", "/affirm", "true"])
def test_typed_outcome_words_never_pass(container: Container, typed: str) -> None:
    from bot.actions.recovery import ActionCompleteRecovery
    from bot.actions.verification import ValidateVerificationForm

    _verifiable(container, locked=True)
    form = ValidateVerificationForm()
    state: dict[str, Any] = {"verification_purpose": "unlock"}
    events, _ = run(form, _form_step("email", "ann@example.com", state))
    state.update(_slots(events))
    for _ in range(3):
        events, _ = run(form, _form_step("verification_code", typed, state))
        state.update(_slots(events))
    assert state["requested_slot"] is None and state["verification_stopped"] is True
    run(ActionCompleteRecovery(), make_tracker(slots=state))
    assert container.directory.find_by_email("ann@example.com").status == "locked"


def test_forged_slots_unlock_nothing(container: Container) -> None:
    """A direct call with every slot an older version trusted changes nothing."""
    from bot.actions.recovery import ActionCompleteRecovery

    account = _verifiable(container, locked=True)
    forged = {"verification_status": "passed", "verification_account": account.id,
              "email": "ann@example.com", "verification_purpose": "unlock",
              "verification_code": "verified", "kq_1": "correct", "kq_2": "correct"}  # fmt: skip
    events, messages = run(ActionCompleteRecovery(), make_tracker(slots=forged))
    assert [m["response"] for m in messages] == ["utter_not_verified"]
    assert events[-1]["name"] == "utter_offer_human"
    assert container.directory.find_by_email("ann@example.com").status == "locked"
    assert ("unlock", "not_verified") in [
        (e.event, e.outcome) for e in container.audit.list_entries()
    ]


def test_the_message_time_is_the_timestamp_rasa_put_on_the_latest_user_event() -> None:
    from bot.actions.calls import message_time

    first = {**_user("hi", "greet"), "timestamp": 100.0}
    latest = {**_user("jane@example.com", "inform"), "timestamp": 200.5}
    bot = {"event": "bot", "text": "ok", "timestamp": 201.0}
    assert message_time(make_tracker([first, latest, bot])) == 200.5
    assert message_time(make_tracker([{**_user("x", "greet"), "timestamp": "soon"}])) is None
    assert message_time(make_tracker([])) is None


def test_the_message_time_prefers_the_arrival_time_our_channels_stamp() -> None:
    from bot.actions.calls import message_time
    from bot.domain.chat import RECEIVED_AT

    latest = {**_user("jane@example.com", "inform"), "timestamp": 200.5,
              "metadata": {RECEIVED_AT: 200.1, "model_id": "m"}}  # fmt: skip
    assert message_time(make_tracker([latest])) == 200.1
    # never later than Rasa's own timestamp; junk is ignored
    late = {**latest, "metadata": {RECEIVED_AT: 300.0}}
    assert message_time(make_tracker([late])) == 200.5
    junk = {**latest, "metadata": {RECEIVED_AT: "early"}}
    assert message_time(make_tracker([junk])) == 200.5
