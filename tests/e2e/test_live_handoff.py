"""Live handoff in two real browsers (Chromium): a customer in the chat widget asks for a
person; an agent in the inbox sees the case appear without reloading, claims it and answers;
the reply shows in the widget within 2 seconds, the customer's answer in the agent's view;
the assistant stays quiet; after "hand back" the assistant answers again."""

from __future__ import annotations

import time

from bot.bootstrap import Container
from tests.e2e.conftest import Assistant, Chat, Tab, open_tab, skip_or_fail_without_browser

skip_or_fail_without_browser()

from playwright.sync_api import Browser, expect  # noqa: E402  (only once the skip is decided)

AGENT, PASSWORD, NAME = "ana.e2e@example.com", "a long enough passphrase", "Ana"


def test_an_agent_takes_over_the_chat_and_hands_back(
    browser: Browser,
    tab: Tab,
    assistant: Assistant,
    assistant_container: Container,
    rasa_demo_url: str,
) -> None:
    if not assistant_container.agents.exists(AGENT):
        assistant_container.agents.add(AGENT, PASSWORD, NAME)
    inbox_url = f"http://127.0.0.1:{assistant.web_port}/inbox/"

    # The agent signs in first and keeps the case list open.
    agent_tab = open_tab(browser)
    agent = agent_tab.page
    try:
        agent.goto(inbox_url)
        agent.get_by_label("Email").fill(AGENT)
        agent.get_by_label("Password").fill(PASSWORD)
        agent.get_by_role("button", name="Sign in").click()
        expect(agent.get_by_role("heading", name="Cases")).to_be_visible()

        # The customer asks for a person in the widget.
        customer = tab.page
        customer.goto(rasa_demo_url)
        chat = Chat(customer)
        chat.open()
        chat.expect_bot("sign-in assistant")
        chat.say("I'd like to talk to a real person please")
        chat.expect_bot("case number")

        # The case appears in the agent's list without a reload.
        link = agent.locator("#cases-body a").first
        expect(link).to_be_visible(timeout=10_000)
        link.click()
        agent.get_by_role("button", name="Claim and chat with the customer").click()
        expect(agent.locator("#live-state")).to_contain_text("the assistant is paused")
        expect(chat.log.locator(".sc-row--notice")).to_contain_text(
            f"You are now chatting with {NAME}", timeout=5_000
        )

        # The agent's reply reaches the widget within 2 seconds, shown as a person.
        bot_before = chat.log.locator(".sc-row--bot").count()
        agent.get_by_label("Reply to the customer").fill("Hi, I'm Ana. What went wrong?")
        sent = time.monotonic()
        agent.get_by_role("button", name="Send reply").click()
        reply = chat.log.locator(".sc-row--agent", has_text="Hi, I'm Ana. What went wrong?")
        expect(reply).to_be_visible(timeout=2_000)
        assert time.monotonic() - sent < 2.0
        expect(reply).to_contain_text(f"{NAME} · support team")

        # The customer answers: it shows in the agent's view; the assistant says nothing.
        chat.say("My account got locked after I travelled <b>abroad</b>")
        expect(agent.locator("#chat li.customer").last).to_contain_text(
            "locked after I travelled <b>abroad</b>", timeout=5_000
        )
        time.sleep(2)
        assert chat.log.locator(".sc-row--bot").count() == bot_before

        # Hand back: the customer is told, and the assistant answers the next message.
        agent.get_by_role("button", name="Hand back to the assistant").click()
        expect(chat.log.locator(".sc-row--notice").last).to_contain_text(
            "handed the chat back", timeout=5_000
        )
        chat.say("I forgot my password")
        chat.expect_bot("email address")
        assert tab.errors == [] and agent_tab.errors == []
        assert tab.violations() == [] and agent_tab.violations() == []
    finally:
        agent.context.close()
