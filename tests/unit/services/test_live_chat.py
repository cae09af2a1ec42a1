"""Live handoff: an agent takes over the chat, replies, hands back, resolves (real SQL stores,
a fake of Rasa's conversation API)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.sql.chat_deliveries import SqlChatDeliveries
from bot.bootstrap import Container
from bot.domain.live_chat import MAX_REPLY_CHARS, NotLiveError, NotYourCaseError
from bot.domain.model import Case, CaseConflictError
from bot.domain.ports import ConversationUnavailableError
from bot.services.live_chat import LiveChatService
from tests.fakes import FakeClock
from tests.support.live_chat import FakeConversationControl

ANA, BO = "ana@example.com", "bo@example.com"


@pytest.fixture
def control() -> FakeConversationControl:
    return FakeConversationControl()


@pytest.fixture
def deliveries(container: Container, clock: FakeClock) -> SqlChatDeliveries:
    return SqlChatDeliveries(container.engine, clock)


@pytest.fixture
def service(
    container: Container,
    clock: FakeClock,
    control: FakeConversationControl,
    deliveries: SqlChatDeliveries,
) -> LiveChatService:
    names = {ANA: "Ana", BO: "Bo"}
    return LiveChatService(container.cases, names.__getitem__, control, deliveries,
                           container.audit, clock)  # fmt: skip


def new_case(container: Container, clock: FakeClock, channel: str = "socketio",
             conversation: str = "conv-live") -> Case:  # fmt: skip
    now = clock()
    return container.cases.save(Case(0, conversation, "open", "normal", "customer_request",
                                     "locked out", "", (), channel, now, now))  # fmt: skip


def test_taking_over_claims_pauses_and_tells_the_customer(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl, deliveries: SqlChatDeliveries,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    taken = service.take_over(case.id, ANA)
    assert (taken.status, taken.claimed_by, taken.live) == ("claimed", ANA, True)
    assert control.paused("conv-live")
    [joined] = [e for e in control.events["conv-live"] if e["event"] == "bot"]
    assert joined["text"] == "You are now chatting with Ana from our support team."
    assert joined["metadata"] == {"agent": "Ana", "kind": "joined"}
    [queued] = deliveries.after(0)
    assert (queued.conversation_id, queued.kind, queued.author) == ("conv-live", "joined", "Ana")
    # Taking over again changes nothing and says nothing twice.
    service.take_over(case.id, ANA)
    assert len(deliveries.after(0)) == 1
    assert [e.actor for e in container.audit.list_entries() if e.event == "case_claim"] == [
        ANA, ANA]  # fmt: skip


def test_a_reply_reaches_the_tracker_and_the_socket_queue(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl, deliveries: SqlChatDeliveries,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    service.take_over(case.id, ANA)
    service.reply(case.id, ANA, "  Hi, I'm Ana. Let's get you back in.  ")
    last = control.events["conv-live"][-1]
    assert last == {"event": "bot", "text": "Hi, I'm Ana. Let's get you back in.",
                    "metadata": {"agent": "Ana", "kind": "agent"}}  # fmt: skip
    assert [(d.kind, d.text) for d in deliveries.after(0)][-1] == (
        "agent", "Hi, I'm Ana. Let's get you back in.")  # fmt: skip
    entry = next(e for e in container.audit.list_entries() if e.event == "case_reply")
    assert entry.actor == ANA and entry.conversation_id == "conv-live"
    assert "Ana" not in entry.outcome  # the text is not audited


def test_only_the_holder_replies_and_only_on_a_live_channel(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    with pytest.raises(NotYourCaseError):  # nobody holds it yet
        service.reply(case.id, ANA, "hello")
    service.take_over(case.id, ANA)
    with pytest.raises(NotYourCaseError):
        service.reply(case.id, BO, "hello")
    with pytest.raises(NotYourCaseError):
        service.take_over(case.id, BO)
    for bad in ("", "   ", "x" * (MAX_REPLY_CHARS + 1)):
        with pytest.raises(ValueError):
            service.reply(case.id, ANA, bad)
    rest = new_case(container, clock, channel="rest", conversation="conv-rest")
    taken = service.take_over(rest.id, ANA)
    assert taken.claimed_by == ANA and not taken.live  # claimed; nothing to pause
    assert "conv-rest" not in control.events
    with pytest.raises(NotLiveError):
        service.reply(rest.id, ANA, "hello")


def test_release_tells_the_customer_then_resumes_the_assistant(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    service.take_over(case.id, ANA)
    released = service.release(case.id, ANA)
    assert (released.status, released.claimed_by, released.live) == ("claimed", ANA, False)
    kinds = [e["event"] for e in control.events["conv-live"]]
    assert kinds[-2:] == ["bot", "resume"]  # the notice is said before the bot answers again
    assert not control.paused("conv-live")
    # Writing again rejoins the chat.
    service.reply(case.id, ANA, "One more thing")
    assert control.paused("conv-live") and container.cases.get(case.id).live


def test_resolving_a_live_case_says_goodbye_and_resumes(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    service.take_over(case.id, ANA)
    with pytest.raises(NotYourCaseError):
        service.resolve(case.id, BO, "done")
    resolved = service.resolve(case.id, ANA, "Unlocked after checking the sign-in history.")
    assert (resolved.status, resolved.live) == ("resolved", False)
    assert "has closed this case" in control.events["conv-live"][-2]["text"]
    assert not control.paused("conv-live")
    with pytest.raises(CaseConflictError):
        service.reply(case.id, ANA, "hello?")


def test_when_rasa_is_down_nothing_is_sent_and_the_case_stays_claimed(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl, deliveries: SqlChatDeliveries,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    control.down = True
    with pytest.raises(ConversationUnavailableError):
        service.take_over(case.id, ANA)
    stored = container.cases.get(case.id)
    assert (stored.status, stored.claimed_by, stored.live) == ("claimed", ANA, False)
    assert deliveries.after(0) == []
    control.down = False
    assert service.take_over(case.id, ANA).live  # the agent tries again


def test_deliveries_are_pruned_after_a_day(
    service: LiveChatService, container: Container, clock: FakeClock,
    deliveries: SqlChatDeliveries,
) -> None:  # fmt: skip
    case = new_case(container, clock)
    service.take_over(case.id, ANA)
    clock.advance(hours=23)
    service.reply(case.id, ANA, "still there?")
    clock.advance(hours=2)
    assert service.prune_deliveries() == 1
    assert [d.text for d in deliveries.after(0)] == ["still there?"]
    assert deliveries.newest_id() >= 2
    assert clock() - timedelta(days=1) > case.created_at


def test_unclaimed_web_chat_cases_get_the_email_offer_once(
    service: LiveChatService, container: Container, clock: FakeClock,
    control: FakeConversationControl, deliveries: SqlChatDeliveries,
) -> None:  # fmt: skip
    control.trigger_replies = ["Nobody has been free yet.", "Which email address ...?"]
    waiting = new_case(container, clock)
    rest = new_case(container, clock, channel="rest", conversation="conv-rest")
    claimed = new_case(container, clock, conversation="conv-claimed")
    service.take_over(claimed.id, ANA)
    clock.advance(minutes=5)
    assert service.offer_follow_up_to_unclaimed(timedelta(minutes=10)) == 0
    clock.advance(minutes=6)
    assert service.offer_follow_up_to_unclaimed(timedelta(minutes=10)) == 1
    assert control.triggered == [("conv-live", "EXTERNAL_nobody_available")]
    pushed = [(d.conversation_id, d.kind, d.text) for d in deliveries.after(0)
              if d.kind == "assistant"]  # fmt: skip
    assert pushed == [("conv-live", "assistant", "Nobody has been free yet."),
                      ("conv-live", "assistant", "Which email address ...?")]  # fmt: skip
    assert container.cases.get(waiting.id).follow_up_offered_at is not None
    assert container.cases.get(rest.id).follow_up_offered_at is None  # REST: offered at handoff
    clock.advance(minutes=30)
    assert service.offer_follow_up_to_unclaimed(timedelta(minutes=10)) == 0  # once
