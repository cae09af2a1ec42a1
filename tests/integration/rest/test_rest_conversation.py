"""The reset conversation over REST against the real servers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.http_fakes import wait_for_mail
from tests.integration.conftest import MODEL, RunningAssistant
from tests.support.verification import joined


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text", "") for m in messages]


def reset_conversation(assistant: RunningAssistant, sender: str, email: str) -> list[str]:
    greeting = assistant.say(sender, "hi")
    assert assistant.container.settings.vendor.name in " ".join(texts(greeting))
    asked = assistant.say(sender, "i forgot my password")
    assert any("email address" in t for t in texts(asked)), asked
    return texts(assistant.say(sender, email))


def test_known_address_gets_the_reset_answer_and_one_email(assistant: RunningAssistant) -> None:
    assistant.container.directory.add_account("me@example.com", name="Me")
    answer = reset_conversation(assistant, "known-user", "me@example.com")
    assert any(t.startswith("Done. If an account exists for me@example.com") for t in answer)
    emails = wait_for_mail(assistant.container.outbox, "me@example.com")
    assert len(emails) == 1
    assert f"{assistant.web_url}/account/reset?token=" in emails[0].body


def test_unknown_address_gets_the_same_words_and_no_email(assistant: RunningAssistant) -> None:
    known = reset_conversation(assistant, "compare-known", "me@example.com")
    unknown = reset_conversation(assistant, "compare-unknown", "stranger@example.com")
    assert [t.replace("me@example.com", "X") for t in known] == [
        t.replace("stranger@example.com", "X") for t in unknown
    ]
    assert assistant.container.outbox.list_messages(to="stranger@example.com") == []


def test_malformed_address_is_asked_again(assistant: RunningAssistant) -> None:
    sender = "typo-user"
    assistant.say(sender, "i forgot my password")
    again = texts(assistant.say(sender, "bob at example dot com"))
    assert any("name@example.com" in t for t in again), again
    done = texts(assistant.say(sender, "bob@example.com"))
    assert any("If an account exists for bob@example.com" in t for t in done), done


def test_a_person_asked_for_mid_reset_gets_one_case_with_a_summary(
    assistant: RunningAssistant,
) -> None:
    sender = "wants-a-person"
    assistant.say(sender, "I need to reset my password")
    answer = " ".join(texts(assistant.say(sender, "i want to talk to a human")))
    [case] = [c for c in assistant.container.cases.list() if c.conversation_id == sender]
    assert f"case number is {case.id}" in answer
    assert case.problem.startswith("I forgot my password")
    assert "Verification: not attempted" in case.summary
    again = " ".join(texts(assistant.say(sender, "can i speak to a human agent please")))
    assert f"open case {case.id}" in again
    assert [c.id for c in assistant.container.cases.list() if c.conversation_id == sender] == [
        case.id
    ]


def test_a_password_typed_in_the_chat_is_redacted_in_the_case(
    assistant: RunningAssistant,
) -> None:
    sender = "typed-a-password"
    assistant.say(sender, "i can't log in, my password is Winter2026!! and it fails")
    assistant.say(sender, "let me talk to a real person")
    [case] = [c for c in assistant.container.cases.list() if c.conversation_id == sender]
    transcript = " ".join(line.text for line in case.transcript)
    assert "Winter2026!!" not in transcript + case.summary
    assert "[redacted]" in transcript


def test_a_question_about_the_guide_gets_its_answer_not_a_flow(
    assistant: RunningAssistant,
) -> None:
    messages = assistant.say("faq-case", "is the password case sensitive?")
    assert "case-sensitive" in joined(messages), messages
    buttons = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert "Send me a reset link" in buttons  # the next step: into the matching flow


def test_conversations_land_in_the_sqlite_tracker_store(assistant: RunningAssistant) -> None:
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = {row[0] for row in db.execute("select distinct sender_id from events")}
    assert {"known-user", "compare-unknown"} <= senders


def test_trained_model_is_self_contained(tmp_path) -> None:
    """Copied elsewhere, the model loads and finds rule entities without the repo's files."""
    copy = tmp_path / "elsewhere.tar.gz"
    copy.write_bytes(MODEL.read_bytes())
    script = (
        "import asyncio, json, sys\n"
        "from rasa.core.agent import Agent\n"
        "agent = Agent.load(sys.argv[1])\n"
        "parsed = asyncio.run(agent.parse_message('the sign in page is blank in chrome'))\n"
        "print(json.dumps([[e['entity'], e['value']] for e in parsed['entities']]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(copy)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    entities = json.loads(out.stdout.strip().splitlines()[-1])
    assert ["browser", "chrome"] in entities


def test_an_agent_sees_the_case_in_the_inbox(assistant: RunningAssistant) -> None:
    import re

    import requests

    from bot.adapters.sql.agent_store import SqlAgentStore

    sender = "inbox-visible"
    # (with a digit inside, the payload would be redacted as a possible password)
    assistant.say(sender, "my verification code never arrives <img src=x onerror=alert()>")
    assistant.say(sender, "i want to talk to a person")
    [case] = [c for c in assistant.container.cases.list() if c.conversation_id == sender]
    agents = SqlAgentStore(assistant.container.engine, assistant.container.clock)
    agents.add("agent@example.com", "correct horse battery staple")
    web = requests.Session()
    login = web.get(f"{assistant.web_url}/inbox/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    signed_in = web.post(
        f"{assistant.web_url}/inbox/login",
        data={"email": "agent@example.com", "password": "correct horse battery staple",
              "csrf_token": token},
        timeout=10,
    )  # fmt: skip
    assert signed_in.status_code == 200 and f"/inbox/cases/{case.id}" in signed_in.text
    page = web.get(f"{assistant.web_url}/inbox/cases/{case.id}", timeout=10).text
    assert "&lt;img src=x onerror=alert()&gt;" in page
    assert "<img src=x" not in page


def test_the_channel_stamps_the_arrival_time_and_a_client_cannot_set_it(
    assistant: RunningAssistant,
) -> None:
    """Reply floors count from this stamp: a client sending its own must not move it."""
    import time

    import requests

    from bot.domain.chat import RECEIVED_AT

    before = time.time()
    requests.post(
        f"{assistant.rasa_url}/webhooks/rest/webhook",
        json={"sender": "stamp-forger", "message": "hi",
              "metadata": {RECEIVED_AT: before - 3600, "page": "/help"}},
        timeout=30,
    ).raise_for_status()  # fmt: skip
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("select data from events where sender_id = ? and type_name = 'user'",
                          ("stamp-forger",)).fetchall()  # fmt: skip
    [user] = [json.loads(row[0]) for row in rows]
    assert before <= user["metadata"][RECEIVED_AT] <= user["timestamp"]
    assert user["metadata"]["page"] == "/help"
