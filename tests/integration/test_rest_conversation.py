"""The reset conversation over REST against the real servers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.integration.conftest import MODEL, RunningAssistant


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
    emails = assistant.container.outbox.list_messages(to="me@example.com")
    assert len(emails) == 1
    assert f"{assistant.container.settings.vendor.reset_url}?token=" in emails[0].body


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


def test_a_person_can_be_asked_for_mid_reset(assistant: RunningAssistant) -> None:
    sender = "wants-a-person"
    assistant.say(sender, "I need to reset my password")
    answer = " ".join(texts(assistant.say(sender, "i want to talk to a human")))
    assert assistant.container.settings.vendor.support_url in answer


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
