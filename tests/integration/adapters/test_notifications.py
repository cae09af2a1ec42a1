"""New and escalated cases reach the team: a webhook (a real local HTTP server) and an email,
retried until delivered; customer text cannot smuggle Slack markup or mentions."""

from __future__ import annotations

import json

from bot.adapters.http import Timeouts
from bot.adapters.notify import EmailNotifier, WebhookNotifier
from bot.adapters.sql.notification_store import SqlNotificationStore
from bot.bootstrap import Container
from bot.domain.model import Case
from bot.services.handoff import HandoffService
from bot.services.notifications import NotificationService
from tests.fakes import FakeClock
from tests.http_fakes import FakeHTTPServer, Reply, local_session

INBOX = "https://help.example.com"


def _case(container: Container, clock: FakeClock, priority: str = "normal") -> Case:
    now = clock()
    return Case(0, "conv-n", "open", priority, "customer_request",
                "locked <!channel> <https://evil.example|click> & more", "", (), "socketio",
                now, now)  # fmt: skip


def test_new_and_escalated_cases_notify_and_failures_are_retried(
    container: Container, clock: FakeClock
) -> None:
    with FakeHTTPServer() as hook:
        hook.script("POST", "/hook", Reply(503), Reply(200, "ok"))
        senders = [
            WebhookNotifier(local_session(), f"{hook.url}/hook", Timeouts(1, 2)),
            EmailNotifier(container.outbox, "team@example.com", "assistant@example.com"),
        ]
        service = NotificationService(SqlNotificationStore(container.engine, clock),
                                      container.cases, senders, INBOX)  # fmt: skip
        handoff = HandoffService(container.cases, _NoHelpdesk(), container.settings.vendor
                                 .support_hours, 15, clock, notifications=service)  # fmt: skip
        from bot.domain.conversation import ConversationFacts

        facts = ConversationFacts(conversation_id="conv-n", channel="socketio")
        result = handoff.hand_off(facts)
        handoff.deliver_case(result.case)  # what the action does after answering
        assert service.deliver_pending() == (1, 0)  # the webhook failed once, now sent
        [_failed, second] = hook.requests_to("POST", "/hook")
        body = json.loads(second.body)
        assert body["case"]["id"] == result.case.id
        assert body["text"].startswith(f"New case #{result.case.id} (normal")
        assert f"https://help.example.com/inbox/cases/{result.case.id}" in body["text"]
        [mail] = container.outbox.list_messages(to="team@example.com")
        assert mail.subject.startswith(f"New case #{result.case.id}")
        # The same customer asking again at the same priority: no second notification.
        handoff.hand_off(facts)
        assert service.deliver_pending() == (0, 0)
        assert len(hook.requests_to("POST", "/hook")) == 2
        # Escalated (the account looks compromised): the team hears it.
        facts.reason = "compromised"
        handoff.hand_off(facts)
        assert service.deliver_pending() == (2, 0)
        assert json.loads(hook.requests_to("POST", "/hook")[-1].body)["text"].startswith(
            "Case escalated")  # fmt: skip


class _NoHelpdesk:
    is_external = False

    def deliver(self, case: Case) -> str:  # pragma: no cover - never called
        raise AssertionError


def test_customer_text_cannot_carry_slack_markup(container: Container, clock: FakeClock) -> None:
    with FakeHTTPServer() as hook:
        hook.script("POST", "/hook", Reply(200, "ok"))
        sender = WebhookNotifier(local_session(), f"{hook.url}/hook", Timeouts(1, 2))
        service = NotificationService(SqlNotificationStore(container.engine, clock),
                                      container.cases, [sender], INBOX)  # fmt: skip
        case = container.cases.save(_case(container, clock))
        service.queue(case, escalated=False)
        assert service.deliver_pending() == (1, 0)
        text = json.loads(hook.requests_to("POST", "/hook")[0].body)["text"]
        assert "<!channel>" not in text and "<https://evil" not in text
        assert "&lt;!channel&gt;" in text and "&amp; more" in text
